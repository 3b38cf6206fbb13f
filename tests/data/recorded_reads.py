"""An image folder that records which files each process decodes: the `_target_` of the test that
checks what each DDP rank reads (`tests/data/test_streamed_runs.py`)."""

import os
from dataclasses import replace
from pathlib import Path

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
