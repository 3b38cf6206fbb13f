"""Your own texts from a CSV file: one row per text, one column the text, one the target.

`make train data=text_csv data.path=reviews.csv data.text_column=review data.target=stars`;
the target holds class labels (classification) or numbers (`task=regression`).
"""

from pathlib import Path

from dlkit.data.csv_table import csv_targets
from dlkit.data.samples import LoadedData
from dlkit_text.data.files import checked_texts, read_text_csv
from dlkit_text.data.text import TextDataModule


class TextCSVDataModule(TextDataModule):
    """`path`: the CSV file (UTF-8); `text_column`: the column of texts; `target`: the column to
    predict (class labels, or numbers with `task="regression"`); `test_path`: a test CSV of your
    own (else a test split is drawn from `path`); `sep`: the column separator. Other columns are
    ignored. Any `TextDataModule` argument (tokenizer, vocab_size, max_length, lowercase, task)."""

    def __init__(
        self,
        path: str,
        text_column: str,
        target: str,
        *args,
        test_path: str | None = None,
        sep: str = ",",
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.path = path
        self.text_column = text_column
        self.target = target
        self.test_path = test_path
        self.sep = sep

    def load(self) -> LoadedData:
        texts, y, class_names = self._read(self.path, None)
        x_test = y_test = None
        if self.test_path:
            x_test, y_test, _ = self._read(self.test_path, class_names)
        return LoadedData(texts, y, x_test, y_test, class_names)

    def _read(self, name: str, class_names: list[str] | None):
        path = Path(name).expanduser()
        frame = read_text_csv(path, [self.text_column, self.target], self.sep)
        texts = checked_texts(frame[self.text_column], self.text_column, path)
        y, class_names = csv_targets(
            frame[self.target], self.target, path, self.task, class_names, self.path
        )
        return texts, y, class_names
