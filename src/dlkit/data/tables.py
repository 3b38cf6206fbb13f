"""Tabular data: samples are [F] float feature vectors, standardized per feature.

`SklearnTableDataModule` serves scikit-learn's bundled tables (offline); `dlkit.data.csv_table`
reads your own CSV file.
"""

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from dlkit.data.base import BaseDataModule
from dlkit.data.samples import LoadedData
from dlkit.errors import DataError


class TableDataModule(BaseDataModule):
    """Tables [F] of float features, standardized per feature; any `BaseDataModule` argument.
    Subclass it with a `load` that returns LoadedData(x=[N, F], y=[N]) and set `feature_names`
    there, so that `make predict` reads new rows from a CSV by column name."""

    modality = "table"
    feature_axis = -1

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.feature_names: list[str] | None = None

    def read_inputs(self, path: Path) -> Any:
        """New rows from a CSV file with the training's feature columns (others are ignored),
        or from .npz/.npy/.pt arrays."""
        if path.suffix.lower() != ".csv":
            return super().read_inputs(path)
        frame = read_csv(path)
        if not self.feature_names:
            return torch.from_numpy(frame.to_numpy(dtype=np.float32))
        missing = [c for c in self.feature_names if c not in frame.columns]
        if missing:
            raise DataError(
                f"{path} lacks the feature column(s) {missing} the model was trained on"
            )
        return torch.from_numpy(frame[self.feature_names].to_numpy(dtype=np.float32))

    @property
    def feature_sources(self) -> list[str]:
        """The column each model input comes from (attributions are summed back onto them)."""
        return self.feature_names or [f"feature_{i}" for i in range(self.input_shape[0])]

    def test_table(self) -> pd.DataFrame:
        """The test split's rows as a table of its columns (before standardization), in the
        order of the test split: what per-group metrics and the mistakes list read."""
        x = self._require("test")[0]
        return pd.DataFrame(x.numpy(), columns=self.feature_sources)

    def extra_state(self) -> dict:
        return {"feature_names": self.feature_names}

    def load_extra_state(self, state: dict) -> None:
        self.feature_names = state.get("feature_names")


def read_csv(path: Path, **kwargs) -> pd.DataFrame:
    """A CSV file as a DataFrame, with one clear error for a missing, empty or unreadable file."""
    if not path.is_file():
        raise DataError(f"CSV file not found: {path}. Point data.path at your file")
    try:
        frame = pd.read_csv(path, **kwargs)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise DataError(f"cannot read {path} as CSV: {error}") from error
    if frame.empty:
        raise DataError(f"{path} has a header but no rows")
    return frame


# name -> (scikit-learn loader, task)
SKLEARN_TABLES = {
    "iris": ("load_iris", "classification"),
    "wine": ("load_wine", "classification"),
    "breast_cancer": ("load_breast_cancer", "classification"),
    "diabetes": ("load_diabetes", "regression"),
}


class SklearnTableDataModule(TableDataModule):
    """scikit-learn's bundled tables: iris (150 flowers, 3 classes), wine (178 wines, 3 classes),
    breast_cancer (569 tumours, 2 classes), diabetes (442 patients, regression of disease
    progression). No download needed."""

    def __init__(self, name: str, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.name = name

    @property
    def tasks(self) -> tuple[str, ...]:
        return (SKLEARN_TABLES.get(self.name, (None, "classification"))[1],)

    def load(self) -> LoadedData:
        if self.name not in SKLEARN_TABLES:
            raise DataError(
                f"unknown scikit-learn table {self.name!r}: choose one of {sorted(SKLEARN_TABLES)}"
            )
        import sklearn.datasets

        bunch = getattr(sklearn.datasets, SKLEARN_TABLES[self.name][0])()
        self.feature_names = [str(f) for f in bunch.feature_names]
        x = torch.from_numpy(bunch.data.astype(np.float32))
        if self.tasks == ("regression",):
            return LoadedData(x=x, y=torch.from_numpy(bunch.target.astype(np.float32)))
        return LoadedData(
            x=x,
            y=torch.from_numpy(bunch.target).long(),
            class_names=[str(c) for c in bunch.target_names],
        )
