"""Your own texts as files, one sub-folder per class:

    path/sports/001.txt, path/sports/002.txt, …, path/politics/001.txt, …

`make train data=text_folder data.path=my_texts`; every file is one UTF-8 text. Read into memory
before training, or streamed (`data.storage`, `dlkit.data.storage`): the tokenizer is fitted on
the training files read one at a time, then the DataLoader's workers read and encode each
batch's files (`read_tokens`); a TF-IDF baseline reads the raw texts of a seeded sample of the
training files and of the test files a batch at a time.
"""

from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from dlkit.data.file_samples import FileSplit, SampleFiles, folder_and_test_folder
from dlkit.data.samples import LoadedData
from dlkit.errors import DataError
from dlkit_text.data.files import list_text_folder, read_document, read_text_files
from dlkit_text.data.text import TextDataModule
from dlkit_text.data.tokenizer import fit_tokenizer, read_tokens


class TrainingTexts(Sequence):
    """The training files' texts, read as they are iterated (the tokenizer's fit goes over them
    a few times): a file that cannot be read stops the run, or is left out and counted
    (`data.skip_bad_files`) by `check_bad`."""

    def __init__(self, paths: list[str], check_bad) -> None:
        self.paths = paths
        self.check_bad = check_bad

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> str:
        return read_document(Path(self.paths[index]))

    def __iter__(self) -> Iterator[str]:
        for path in self.paths:
            try:
                yield read_document(Path(path))
            except DataError as error:
                self.check_bad([str(error)])


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
        self._listed: tuple[SampleFiles, SampleFiles | None] | None = None

    def list_files(self) -> tuple[SampleFiles, SampleFiles | None]:
        """The folder's text files and their classes (and the test folder's): listed, not read."""
        files, test = folder_and_test_folder(self._list_folder, self.path, self.test_path)
        self._listed = files, test
        return files, test

    def load(self) -> LoadedData:
        """Every text read, in the main process (`data.storage=memory`)."""
        files, test = self._listed or self.list_files()
        texts = read_text_files([Path(p) for p in files.paths])
        if test is None:
            return LoadedData(texts, files.labels, class_names=files.class_names)
        x_test = read_text_files([Path(p) for p in test.paths])
        return LoadedData(texts, files.labels, x_test, test.labels, files.class_names)

    def decoded_bytes(self, files: SampleFiles) -> float:
        """Token ids, int64: at most `max_length` per text (known before the tokenizer is)."""
        return float(len(files.paths) * self.max_length * 8)

    def on_split_files(
        self,
        files: SampleFiles,
        test_files: SampleFiles | None,
        rows: dict[str, np.ndarray | None],
    ) -> None:
        """The tokenizer fitted on the training files, then handed to the workers' reader."""
        train = TrainingTexts([files.paths[i] for i in rows["train"]], self._check_bad_files)
        self.tokenizer = fit_tokenizer(
            train, self.tokenizer_kind, self.vocab_size, self.max_length, self.lowercase
        )
        for listed in (files, test_files):
            if listed is not None:
                listed.read = partial(read_tokens, tokenizer=self.tokenizer)

    def baseline_inputs(self, split: str) -> tuple[list[str], np.ndarray]:
        """Streamed: the raw strings of a seeded sample of the split's files (at most
        `data.baseline_sample`, `baseline_rows`) for the TF-IDF baseline; else all of them."""
        data = self.datasets.get(split)
        if not isinstance(data, FileSplit):
            return super().baseline_inputs(split)
        return self._read_texts(data, self.baseline_rows(split))

    def baseline_batches(self, split: str) -> Iterator[tuple[list[str], np.ndarray]]:
        """Streamed: the split's raw strings read a batch of files at a time."""
        data = self.datasets.get(split)
        if not isinstance(data, FileSplit):
            yield from super().baseline_batches(split)
            return
        for start in range(0, len(data), self.batch_size):
            rows = range(start, min(start + self.batch_size, len(data)))
            texts, targets = self._read_texts(data, rows)
            if texts:
                yield texts, targets

    def _read_texts(self, data: FileSplit, rows: Sequence[int]) -> tuple[list[str], np.ndarray]:
        """The texts of the files at `rows` and their labels; a file that cannot be read stops,
        or is left out and counted (`data.skip_bad_files`)."""
        texts, kept = [], []
        for row in rows:
            try:
                texts.append(read_document(Path(data.paths[row])))
                kept.append(int(row))
            except DataError as error:
                self._check_bad_files([str(error)])
        return texts, data.labels[kept].numpy()

    def test_table(self) -> pd.DataFrame:
        """The test texts in the order of the test split; streamed, read from their files."""
        test = self.datasets.get("test")
        if isinstance(test, FileSplit):
            return pd.DataFrame({"text": [read_document(Path(p)) for p in test.paths]})
        return super().test_table()

    @staticmethod
    def _list_folder(root: Path) -> SampleFiles:
        paths, labels, classes = list_text_folder(root)
        return SampleFiles(
            paths=[str(p) for p in paths],
            labels=torch.tensor(labels),
            class_names=classes,
            read=partial(read_tokens, tokenizer=None),
        )
