"""A run's `metrics.csv` read back: one row per epoch, or one logged value per step.

Lightning's CSV logger writes a row per logging call: the epoch's training and validation
metrics (one or two rows with the epoch number), the test metrics after fitting, and rows of
per-step values without an epoch (the learning rate with `logging_interval=step`, gradient
norms), and the validation of the best checkpoint after fitting (an epoch without training
metrics, left out here). `make compare` and the lessons read them through these two functions.
"""

from pathlib import Path

import pandas as pd

from dlkit.runs.folder import RunFolder

EPOCH_PREFIXES = ("train/", "val/", "time/")


def epoch_table(folder: RunFolder | str | Path) -> pd.DataFrame:
    """One row per epoch (index: epoch) with its `step` and every train/, val/ and time/ metric;
    empty when the run logged nothing to a CSV file."""
    path = (folder if isinstance(folder, RunFolder) else RunFolder(folder)).metrics
    if not path.is_file():
        return pd.DataFrame()
    frame = pd.read_csv(path)
    if "epoch" not in frame:
        return pd.DataFrame()
    metrics = [c for c in frame.columns if str(c).startswith(EPOCH_PREFIXES)]
    frame = frame[frame["epoch"].notna()][["epoch", "step", *metrics]]
    frame = frame.dropna(how="all", subset=metrics)  # the test rows carry the last epoch too
    table = frame.groupby("epoch").first()  # the first value of each column in each epoch
    table.index = table.index.astype(int)
    if "train/loss" in table:  # not the best checkpoint's validation after fitting
        table = table[table["train/loss"].notna()]
    return table


def step_series(folder: RunFolder | str | Path, column: str) -> pd.Series:
    """A value logged per step (e.g. `lr-SGD`), indexed by step; empty when never logged."""
    path = (folder if isinstance(folder, RunFolder) else RunFolder(folder)).metrics
    if not path.is_file():
        return pd.Series(dtype=float)
    frame = pd.read_csv(path)
    if column not in frame:
        return pd.Series(dtype=float)
    rows = frame[frame[column].notna()]
    return pd.Series(rows[column].to_numpy(), index=rows["step"].astype(int).to_numpy())
