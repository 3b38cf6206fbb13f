"""A table's feature columns as numbers: what a CSV file needs before a net can read it.

Numeric columns pass through, their missing values filled with the training median; text,
boolean and listed categorical columns become one-hot columns over the categories seen in
training (a category first seen later is all zeros, a missing value is a category of its own).

Own code rather than scikit-learn's ColumnTransformer: its fitted state is a pickled object,
which would make checkpoints unloadable with `torch.load(weights_only=True)`. This state is a
dict of lists, floats and strings.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from dlkit.errors import DataError

MISSING = "<missing>"


class TableEncoder:
    def __init__(self, columns: list[dict]) -> None:
        #: per feature column, in order: {"name", "fill"} (numeric) or {"name", "categories"}
        self.columns = columns

    @classmethod
    def fit(
        cls, frame: pd.DataFrame, categorical: Sequence[str] = (), max_categories: int = 50
    ) -> "TableEncoder":
        """Learn fill values and categories from the training rows `frame`."""
        columns = []
        for name in frame.columns:
            values = frame[name]
            if name not in categorical and is_numeric(values):
                fill = values.median()
                if pd.isna(fill):
                    raise DataError(
                        f"column {name!r} has no values in the training rows: drop it "
                        f"(data.drop=[{name}])"
                    )
                columns.append({"name": str(name), "fill": float(fill)})
                continue
            categories = sorted(as_text(values).unique().tolist())
            if len(categories) > max_categories:
                raise DataError(
                    f"column {name!r} has {len(categories)} distinct values (such as "
                    f"{categories[:3]}), more than data.max_categories={max_categories}: drop an "
                    f"identifier or free-text column with data.drop=[{name}], or raise "
                    "data.max_categories"
                )
            columns.append({"name": str(name), "categories": categories})
        if not columns:
            raise DataError("the table has no feature columns besides the target")
        return cls(columns)

    @property
    def feature_names(self) -> list[str]:
        """The encoded columns' names: `col` for numbers, `col=value` per category."""
        names = []
        for column in self.columns:
            if "fill" in column:
                names.append(column["name"])
            else:
                names.extend(f"{column['name']}={c}" for c in column["categories"])
        return names

    def transform(self, frame: pd.DataFrame) -> torch.Tensor:
        missing = [c["name"] for c in self.columns if c["name"] not in frame.columns]
        if missing:
            raise DataError(f"the table lacks the feature column(s) {missing} used in training")
        parts = []
        for column in self.columns:
            values = frame[column["name"]]
            if "fill" in column:
                numbers = pd.to_numeric(values, errors="coerce")
                bad = numbers.isna() & values.notna()
                if bad.any():
                    raise DataError(
                        f"column {column['name']!r} holds text such as {values[bad].iloc[0]!r} "
                        "where training saw numbers"
                    )
                parts.append(numbers.fillna(column["fill"]).to_numpy(np.float32)[:, None])
            else:
                codes = pd.Categorical(as_text(values), categories=column["categories"]).codes
                one_hot = np.zeros((len(values), len(column["categories"])), np.float32)
                known = codes >= 0
                one_hot[np.flatnonzero(known), codes[known]] = 1.0
                parts.append(one_hot)
        return torch.from_numpy(np.concatenate(parts, axis=1))

    def state(self) -> list[dict]:
        return [dict(c) for c in self.columns]


def is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def as_text(values: pd.Series) -> pd.Series:
    """Category labels as strings, missing ones as `MISSING`."""
    return values.astype(object).where(values.notna(), MISSING).astype(str)
