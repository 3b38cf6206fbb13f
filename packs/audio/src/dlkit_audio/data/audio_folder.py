"""Your own clips as files, one sub-folder per class:

    path/yes/001.wav, path/yes/002.flac, …, path/no/001.ogg, …

`make train data=audio_folder data.path=my_clips`: WAV, FLAC or OGG at any sample rate, mono or
stereo, any length (resampled, mixed to mono, padded or cropped: `dlkit_audio.data.files`).
"""

from pathlib import Path

import numpy as np
import pandas as pd

from dlkit.data.samples import LoadedData
from dlkit.errors import DataError
from dlkit_audio.data.audio import AudioDataModule
from dlkit_audio.data.clips import AudioClips, read_all
from dlkit_audio.data.files import class_folders


class AudioFolderDataModule(AudioDataModule):
    """`path`: the folder of class sub-folders; `test_path`: a test folder of your own in the
    same layout (else a test split is drawn from `path`). Any `AudioDataModule` argument."""

    def __init__(self, path: str, *args, test_path: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.path = path
        self.test_path = test_path
        #: each split's files (relative to its folder), in the order of its samples
        self.files: dict[str, list[str]] = {}
        self._loaded_files: tuple[list[str], list[str] | None] = ([], None)

    def load(self) -> LoadedData:
        x, y, classes, files = self._read_folder(Path(self.path).expanduser(), "clips")
        x_test = y_test = test_files = None
        if self.test_path:
            x_test, y_test, test_classes, test_files = self._read_folder(
                Path(self.test_path).expanduser(), "test clips"
            )
            if test_classes != classes:
                raise DataError(
                    f"the test folder {self.test_path} has classes {test_classes}, the training "
                    f"folder {self.path} has {classes}: both need the same class sub-folders"
                )
        self._loaded_files = (files, test_files)
        return LoadedData(x, y, x_test, y_test, classes)

    def _read_folder(self, root: Path, what: str):
        classes, files = class_folders(root)
        paths = [p for found in files for p in found]
        labels = [k for k, found in enumerate(files) for _ in found]
        x, y = read_all(AudioClips(paths, labels, self.sample_rate, self.length), what)
        return x, y, classes, [str(p.relative_to(root)) for p in paths]

    def on_split(self, data: LoadedData, rows: dict[str, np.ndarray | None]) -> None:
        files, test_files = self._loaded_files
        self.files = {
            split: list(test_files) if index is None else [files[i] for i in index]
            for split, index in rows.items()
        }

    def test_table(self) -> pd.DataFrame:
        """The test clips' files in the order of the test split: reports name the clips."""
        return pd.DataFrame({"file": self.files["test"]})
