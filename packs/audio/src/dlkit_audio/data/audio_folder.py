"""Your own clips as files, one sub-folder per class:

    path/yes/001.wav, path/yes/002.flac, …, path/no/001.ogg, …

`make train data=audio_folder data.path=my_clips`: WAV, FLAC or OGG at any sample rate, mono or
stereo, any length (resampled, mixed to mono, padded or cropped: `dlkit_audio.data.files`).
Decoded into memory before training, or streamed: listed here, decoded a clip at a time in the
DataLoader's workers (`data.storage`, `dlkit.data.storage`).
"""

from functools import partial
from pathlib import Path

import pandas as pd
import torch

from dlkit.data.file_samples import SampleFiles, folder_and_test_folder
from dlkit.data.samples import LoadedData
from dlkit_audio.data.audio import AudioDataModule
from dlkit_audio.data.clips import AudioClips, read_all
from dlkit_audio.data.files import class_folders, read_samples


class AudioFolderDataModule(AudioDataModule):
    """`path`: the folder of class sub-folders; `test_path`: a test folder of your own in the
    same layout (else a test split is drawn from `path`). Any `AudioDataModule` argument."""

    def __init__(self, path: str, *args, test_path: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.path = path
        self.test_path = test_path
        self._listed: tuple[SampleFiles, SampleFiles | None] | None = None

    def list_files(self) -> tuple[SampleFiles, SampleFiles | None]:
        """The folder's clips and their classes (and the test folder's): listed, not decoded."""
        files, test = folder_and_test_folder(self._list_folder, self.path, self.test_path)
        self._listed = files, test
        return files, test

    def load(self) -> LoadedData:
        """Every clip decoded, in the main process (`data.storage=memory`)."""
        files, test = self._listed or self.list_files()
        x, y = self._read_all(files, "clips")
        if test is None:
            return LoadedData(x, y, class_names=files.class_names)
        x_test, y_test = self._read_all(test, "test clips")
        return LoadedData(x, y, x_test, y_test, files.class_names)

    def _list_folder(self, root: Path) -> SampleFiles:
        classes, found = class_folders(root)
        return SampleFiles(
            paths=[str(p) for files in found for p in files],
            labels=torch.tensor([k for k, files in enumerate(found) for _ in files]),
            class_names=classes,
            read=partial(read_samples, sample_rate=self.sample_rate, length=self.length),
        )

    def _read_all(self, files: SampleFiles, what: str) -> tuple[torch.Tensor, torch.Tensor]:
        paths = [Path(p) for p in files.paths]
        return read_all(
            AudioClips(paths, files.labels.tolist(), self.sample_rate, self.length), what
        )

    def test_table(self) -> pd.DataFrame:
        """The test clips' files (relative to their folder) in the order of the test split:
        reports name the clips. In memory and streamed alike."""
        files, test = self._listed or self.list_files()
        if test is not None:
            paths, root = test.paths, self.test_path
        else:
            paths, root = [files.paths[i] for i in self.test_index], self.path
        root = Path(root).expanduser()
        return pd.DataFrame({"file": [str(Path(p).relative_to(root)) for p in paths]})
