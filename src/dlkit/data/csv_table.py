"""Your own table from a CSV file: one row per sample, one column the target.

Feature columns are encoded by `TableEncoder` fitted on the training rows only (numbers as they
are, categories one-hot), then standardized like every other table.
"""

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from dlkit.data.samples import LoadedData
from dlkit.data.table_encoder import TableEncoder, is_numeric
from dlkit.data.tables import TableDataModule, read_csv
from dlkit.errors import DataError


class CSVDataModule(TableDataModule):
    """`path`: the CSV file; `target`: the column to predict: class labels (text or whole
    numbers) for classification, numbers for regression (`task=regression`). `drop`: columns that are
    not features (identifiers, free text); `categorical`: numeric-looking columns that are really
    categories (zip codes, product codes). `test_path`: a test CSV of your own (else a test split is
    drawn from `path`). `sep`: the column separator."""

    def __init__(
        self,
        path: str,
        target: str,
        *args,
        drop: Sequence[str] = (),
        categorical: Sequence[str] = (),
        max_categories: int = 50,
        test_path: str | None = None,
        sep: str = ",",
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.path = path
        self.target = target
        self.drop = list(drop)
        self.categorical = list(categorical)
        self.max_categories = max_categories
        self.test_path = test_path
        self.sep = sep
        self.encoder: TableEncoder | None = None

    # ----------------------------------------------------------------- training data
    def load(self) -> LoadedData:
        frame = self._read(Path(self.path).expanduser())
        y, class_names = self._targets(frame[self.target], Path(self.path).expanduser(), None)
        x_test = y_test = None
        if self.test_path:
            test = self._read(Path(self.test_path).expanduser())
            y_test, _ = self._targets(
                test[self.target], Path(self.test_path).expanduser(), class_names
            )
            x_test = self._features(test)
        return LoadedData(self._features(frame), y, x_test, y_test, class_names)

    def encode(self, x: pd.DataFrame, train_index: np.ndarray | None) -> torch.Tensor:
        if train_index is not None:
            self.encoder = TableEncoder.fit(
                x.iloc[train_index],
                categorical=self.categorical,
                max_categories=self.max_categories,
            )
            self.feature_names = self.encoder.feature_names
        if self.encoder is None:
            raise DataError("the CSV encoding is not fitted: call setup() or load_state_dict()")
        return self.encoder.transform(x)

    def _read(self, path: Path) -> pd.DataFrame:
        frame = read_csv(path, sep=self.sep)
        if self.target not in frame.columns:
            raise DataError(
                f"target column {self.target!r} is not in {path}: its columns are "
                f"{list(frame.columns)}. Set data.target to one of them"
            )
        unknown = [c for c in self.drop + self.categorical if c not in frame.columns]
        if unknown:
            raise DataError(
                f"data.drop / data.categorical name column(s) {unknown} that {path} lacks: "
                f"its columns are {list(frame.columns)}"
            )
        return frame

    def _features(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame.drop(columns=[self.target, *self.drop], errors="ignore")

    def _targets(self, values: pd.Series, path: Path, class_names: list[str] | None):
        return csv_targets(values, self.target, path, self.task, class_names, self.path)

    @property
    def feature_sources(self) -> list[str]:
        """Per model input its CSV column: a one-hot column `col=value` comes from `col`."""
        if self.encoder is None:
            return super().feature_sources
        return [
            column["name"]
            for column in self.encoder.columns
            for _ in ([None] if "fill" in column else column["categories"])
        ]

    def test_table(self) -> pd.DataFrame:
        """The test split's rows as the CSV file has them: every column, also the target and
        the dropped ones, so that any column can group the test results."""
        if self.test_path:
            return read_csv(Path(self.test_path).expanduser(), sep=self.sep)
        if self.test_index is None:
            self._require("test")  # not set up yet
        frame = read_csv(Path(self.path).expanduser(), sep=self.sep)
        return frame.iloc[self.test_index].reset_index(drop=True)

    # ----------------------------------------------------------------- new inputs
    def read_inputs(self, path: Path) -> pd.DataFrame:
        """A CSV file of new rows with the training's feature columns; its target column, if
        any, is ignored."""
        if path.suffix.lower() != ".csv":
            raise DataError(f"CSVDataModule reads new inputs from a .csv file, got {path}")
        return self._features(read_csv(path, sep=self.sep))

    def read_input_targets(self, path: Path) -> torch.Tensor | None:
        """The target column of new rows, when the file has it."""
        frame = read_csv(path, sep=self.sep)
        if self.target not in frame.columns:
            return None
        known = self.class_names if self.task == "classification" else None
        return self._targets(frame[self.target], path, known)[0]

    def extra_state(self) -> dict:
        return {
            **super().extra_state(),
            "encoder": self.encoder.state() if self.encoder else None,
        }

    def load_extra_state(self, state: dict) -> None:
        super().load_extra_state(state)
        self.encoder = TableEncoder(state["encoder"]) if state.get("encoder") else None


def csv_targets(
    values: pd.Series,
    column: str,
    path: Path,
    task: str,
    class_names: list[str] | None,
    training_path: str,
) -> tuple[torch.Tensor, list[str] | None]:
    """A CSV target column as class indices (with the class names; given for a test file, so
    that its classes are the training file's) or as numbers (regression)."""
    if values.isna().any():
        rows = (np.flatnonzero(values.isna().to_numpy()) + 2).tolist()[:5]  # +2: header, 1-based
        raise DataError(
            f"target column {column!r} of {path} is empty in {int(values.isna().sum())} "
            f"row(s) (lines {rows}…): fill or remove those rows"
        )
    if task == "regression":
        if not is_numeric(values):
            raise DataError(
                f"regression needs numbers in target column {column!r}, but {path} "
                f"holds values such as {values.iloc[0]!r}: set task=classification "
                "for class labels"
            )
        return torch.from_numpy(values.to_numpy(np.float32)), None
    if values.dtype.kind == "f" and not np.all(np.mod(values.to_numpy(), 1) == 0):
        raise DataError(
            f"target column {column!r} holds fractional numbers such as "
            f"{values[np.mod(values, 1) != 0].iloc[0]}: set task=regression to predict "
            "numbers, or give class labels"
        )
    labels = values.astype("int64").astype(str) if values.dtype.kind == "f" else values
    labels = labels.astype(str)
    if class_names is None:
        class_names = sorted(labels.unique().tolist(), key=_natural)
    unknown = sorted(set(labels) - set(class_names))
    if unknown:
        raise DataError(
            f"{path} has classes {unknown} that the training file {training_path} lacks"
        )
    codes = pd.Categorical(labels, categories=class_names).codes
    return torch.from_numpy(codes.astype(np.int64)), class_names


def _natural(label: str) -> tuple:
    """Sort class labels "2" before "10", and text alphabetically."""
    return (0, int(label), "") if label.lstrip("-").isdigit() else (1, 0, label)
