"""Fixtures of the audit pack's tests: a table where one feature alone decides the class, and
the overrides that train a small MLP on it."""

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.helpers import FEW_BATCHES, TINY_MLP

# `id` and `site` are no features; `site` is there to group by
TABLE = ("data=csv", "data.target=label", "data.drop=[id,site]", *TINY_MLP, *FEW_BATCHES)


def write_table(path: Path, n: int = 500) -> Path:
    """Features a-d and a colour; the label is whether c > 0; `site` (north, south, east) is no
    feature. Returns `path`."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(n, 4)), columns=list("abcd"))
    frame.insert(0, "id", np.arange(n))
    frame["color"] = rng.choice(["red", "green", "blue"], n)
    frame["site"] = rng.choice(["north", "south", "east"], n, p=[0.4, 0.35, 0.25])
    frame["label"] = np.where(frame["c"] > 0, "yes", "no")
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def table_csv() -> Callable[..., Path]:
    """table_csv(path, n=500) -> path: the CSV of `write_table`."""
    return write_table


@pytest.fixture(scope="session")
def table_overrides() -> tuple[str, ...]:
    """The overrides that train a small MLP on a `table_csv` (add `data.path=…`)."""
    return TABLE
