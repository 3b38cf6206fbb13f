"""Your own texts as files, one sub-folder per class:

    path/sports/001.txt, path/sports/002.txt, …, path/politics/001.txt, …

`make train data=text_folder data.path=my_texts`; every file is one UTF-8 text.
"""

from pathlib import Path

import torch

from dlkit.data.samples import LoadedData
from dlkit.errors import DataError
from dlkit_text.data.files import read_text_folder
from dlkit_text.data.text import TextDataModule


class TextFolderDataModule(TextDataModule):
    """`path`: the folder of class sub-folders; `test_path`: a test folder of your own in the
    same layout (else a test split is drawn from `path`). Any `TextDataModule` argument."""

    #: labelled by folder: classes only
    tasks = ("classification",)
    #: a .txt file given to `make predict` is one document, like the training files
    text_per_line = False

    def __init__(self, path: str, *args, test_path: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.path = path
        self.test_path = test_path

    def load(self) -> LoadedData:
        texts, labels, classes = read_text_folder(Path(self.path).expanduser())
        x_test = y_test = None
        if self.test_path:
            x_test, test_labels, test_classes = read_text_folder(Path(self.test_path).expanduser())
            if test_classes != classes:
                raise DataError(
                    f"the test folder {self.test_path} has classes {test_classes}, the training "
                    f"folder {self.path} has {classes}: both need the same class sub-folders"
                )
            y_test = torch.tensor(test_labels)
        return LoadedData(texts, torch.tensor(labels), x_test, y_test, classes)
