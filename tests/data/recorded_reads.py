"""What each DDP rank reads, recorded for the tests that check the shares: an image folder that
writes down the files each process decodes (`tests/data/test_streamed_runs.py`), and a callback
that writes down the samples each rank trains on (the litdata pack's tests)."""

import hashlib
import os
from dataclasses import replace
from pathlib import Path

import lightning.pytorch as L
from torch.utils.data import get_worker_info

from dlkit.data.images import ImageFolderDataModule


class RecordedRead:
    """Decodes a file as `read` does; in a loader's worker, after appending its path to
    `folder`/reads_<rank>.txt (setup's own reads, the first file for its size, are not counted)."""

    def __init__(self, read, folder: str) -> None:
        self.read, self.folder = read, folder

    def __call__(self, path: str):
        if get_worker_info() is not None:
            rank = os.environ.get("LOCAL_RANK", "0")
            with open(Path(self.folder) / f"reads_{rank}.txt", "a") as file:
                file.write(f"{path}\n")
        return self.read(path)


class RecordedImageFolder(ImageFolderDataModule):
    def __init__(self, *args, record_to: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.record_to = record_to

    def list_files(self):
        files, test = super().list_files()
        return replace(files, read=RecordedRead(files.read, self.record_to)), test


class RecordedBatches(L.Callback):
    """Appends a digest of each training sample a rank trains on to `folder`/train_<rank>.txt."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        digests = [hashlib.sha1(x.cpu().numpy().tobytes()).hexdigest() for x in batch[0]]
        with open(Path(self.folder) / f"train_{trainer.global_rank}.txt", "a") as file:
            file.writelines(f"{d}\n" for d in digests)
