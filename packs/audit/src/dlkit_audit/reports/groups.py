"""Metrics per group of a column (`make audit audit.group_column=sex`): does the model serve every
group of people, sites or devices alike?

A model can score well overall and poorly on a group the data holds few of; the overall numbers
hide it. The test split's rows are grouped by the values of one column of the table (any column,
also one that is not a feature), and each group gets its own scores, support and confusion matrix;
the largest gap between two groups is named.

Every group is reported with its support, however small: a group dropped from the report would
hide exactly the people a model serves worst. A gap between small groups is mostly noise, so
groups under `audit.min_group_size` test samples are marked too small to compare and left out of
the largest gap, and every score carries its 95 % interval to show how little a few rows say:
Wilson's for accuracy (a proportion, from scipy), a percentile bootstrap for the others (macro
F1, MSE, MAE, R²: no closed form). Only a column with no group large enough stops the command.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import binomtest
from sklearn import metrics

from dlkit.data.table_encoder import as_text
from dlkit.errors import ConfigError, DataError

#: the score whose gap is named first (summary.json has the gap of every score)
HEADLINE = {"classification": "acc", "regression": "r2"}
SHOWN = 8  # small groups named in the message
RESAMPLES = 1000  # bootstrap resamples per group and score
#: how each score's interval is computed (summary.json says it beside the intervals)
INTERVALS = {
    "acc": "Wilson score interval, 95 %",
    "other": f"percentile bootstrap of the group's rows, 95 %, {RESAMPLES} resamples (seeded)",
}


def test_groups(datamodule, column: str, min_size: int) -> np.ndarray:
    """The group (as text) of each test-split row, from `column` of the run's table."""
    test_table = getattr(datamodule, "test_table", None)
    if test_table is None:
        raise ConfigError(
            f"audit.group_column={column} groups the rows of a table, but "
            f"{type(datamodule).__name__} holds {datamodule.modality} data: use it with table "
            "data (data=csv, or a scikit-learn table), or leave audit.group_column out"
        )
    table = test_table()
    if column not in table.columns:
        source = getattr(datamodule, "test_path", None) or getattr(datamodule, "path", None)
        raise DataError(
            f"audit.group_column={column} is not a column of the run's data"
            + (f" ({source})" if source else "")
            + f": its columns are {[str(c) for c in table.columns]}"
        )
    values = table[column]
    if pd.api.types.is_float_dtype(values):  # "0.0506801", not "0.050680119544267654"
        values = values.map(lambda v: v if pd.isna(v) else f"{v:.6g}")
    groups = as_text(values).to_numpy()
    check_group_sizes(groups, column, min_size)
    return groups


def check_group_sizes(groups: np.ndarray, column: str, min_size: int) -> None:
    """Stop when no group is large enough to compare, naming the groups and their size (smaller
    groups beside a large one are reported, marked too small)."""
    values, counts = np.unique(groups, return_counts=True)
    if counts.max(initial=0) >= min_size:
        return
    sizes = {str(v): int(c) for v, c in zip(values, counts, strict=True)}
    shown = dict(list(sizes.items())[:SHOWN])
    more = f" and {len(sizes) - SHOWN} more" if len(sizes) > SHOWN else ""
    raise DataError(
        f"audit.group_column={column}: none of its {len(values)} groups has "
        f"audit.min_group_size={min_size} test samples (group: samples {shown}{more}), too few "
        "for any score to mean much. Merge rare values into one group in the CSV (or bin a "
        "numeric column into a few ranges), or lower audit.min_group_size to compare them anyway"
    )


def group_report(
    predictions: np.ndarray,
    targets: np.ndarray,
    groups: np.ndarray,
    column: str,
    class_names: Sequence[str] | None,
    min_size: int,
) -> dict:
    """Scores per group (`groups[i]`: the group of test sample i), each with its interval, and
    the largest gaps between the groups of at least `min_size` samples."""
    task = "classification" if class_names is not None else "regression"
    per_group = {}
    for value in sorted(np.unique(groups), key=_natural):
        mask = groups == value
        if task == "classification":
            scores = _classification_scores(predictions[mask], targets[mask], len(class_names))
        else:
            scores = _regression_scores(predictions[mask], targets[mask])
        per_group[str(value)] = {**scores, "too_small": bool(mask.sum() < min_size)}
    compared = {g: s for g, s in per_group.items() if not s["too_small"]}
    gaps = {score: _gap(compared, score) for score in scores_of(per_group)}
    return {
        "column": column,
        "task": task,
        "labels": [str(n) for n in class_names] if class_names is not None else None,
        "groups": per_group,
        "min_group_size": min_size,
        "too_small": [g for g, s in per_group.items() if s["too_small"]],
        "intervals": INTERVALS,
        "headline": HEADLINE[task],
        "largest_gap": gaps,
    }


def scores_of(per_group: dict) -> list[str]:
    """The names of the scores each group has (acc, f1 or mse, mae, r2)."""
    first = next(iter(per_group.values()))
    not_scores = ("support", "too_small", "confusion_matrix")
    return [k for k in first if k not in not_scores and not k.endswith("_interval")]


def _classification_scores(probabilities: np.ndarray, targets: np.ndarray, classes: int) -> dict:
    predicted = probabilities.argmax(axis=1)
    correct = int((predicted == targets).sum())
    interval = binomtest(correct, len(targets)).proportion_ci(method="wilson")
    return {
        "support": len(targets),
        "acc": correct / len(targets),
        "acc_interval": [float(interval.low), float(interval.high)],
        # macro over the classes present in the group's targets or predictions, as torchmetrics
        "f1": float(metrics.f1_score(targets, predicted, average="macro", zero_division=0)),
        "f1_interval": bootstrap_interval(_macro_f1, predicted, targets),
        "confusion_matrix": metrics.confusion_matrix(
            targets, predicted, labels=np.arange(classes)
        ).tolist(),
    }


def _regression_scores(predictions: np.ndarray, targets: np.ndarray) -> dict:
    predictions = predictions.reshape(len(targets), -1)[:, 0]
    return {
        "support": len(targets),
        "mse": float(metrics.mean_squared_error(targets, predictions)),
        "mse_interval": bootstrap_interval(_mse, predictions, targets),
        "mae": float(metrics.mean_absolute_error(targets, predictions)),
        "mae_interval": bootstrap_interval(_mae, predictions, targets),
        # undefined for a group whose targets are all alike
        "r2": float(metrics.r2_score(targets, predictions)) if np.ptp(targets) > 0 else None,
        "r2_interval": bootstrap_interval(_r2, predictions, targets),
    }


def bootstrap_interval(statistic, predictions: np.ndarray, targets: np.ndarray) -> list | None:
    """The 95 % percentile bootstrap interval of `statistic(predictions, targets)` over the rows.

    Own code rather than scipy.stats.bootstrap: scipy refuses groups of one row and gives NaN
    when one resample's statistic is undefined (R² of targets all alike), where the resamples
    that have a value still bound it. None when none has.
    """
    rng = np.random.default_rng(0)  # the same report for the same predictions
    rows = rng.integers(0, len(targets), size=(RESAMPLES, len(targets)))
    with np.errstate(divide="ignore", invalid="ignore"):
        values = statistic(predictions[rows], targets[rows])
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    low, high = np.percentile(values, [2.5, 97.5])
    return [float(low), float(high)]


# the statistics, one value per resample (row of the [resamples, rows] arrays)


def _macro_f1(predicted: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """sklearn's macro F1 over the classes present in each resample's targets or predictions."""
    total, present = np.zeros(len(targets)), np.zeros(len(targets))
    for c in np.union1d(np.unique(predicted), np.unique(targets)):
        hits = ((predicted == c) & (targets == c)).sum(axis=1)
        either = (predicted == c).sum(axis=1) + (targets == c).sum(axis=1)
        total += np.where(either > 0, 2 * hits / np.maximum(either, 1), 0.0)
        present += either > 0
    return total / present


def _mse(predictions: np.ndarray, targets: np.ndarray) -> np.ndarray:
    return ((predictions - targets) ** 2).mean(axis=1)


def _mae(predictions: np.ndarray, targets: np.ndarray) -> np.ndarray:
    return np.abs(predictions - targets).mean(axis=1)


def _r2(predictions: np.ndarray, targets: np.ndarray) -> np.ndarray:
    spread = ((targets - targets.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    spread = np.where(spread > 0, spread, np.nan)  # undefined where the targets are all alike
    return 1 - ((predictions - targets) ** 2).sum(axis=1) / spread


def _gap(per_group: dict, score: str) -> dict | None:
    """The best and the worst group on `score`, and how far apart they are."""
    values = {g: s[score] for g, s in per_group.items() if s[score] is not None}
    if len(values) < 2:
        return None
    low, high = min(values, key=values.get), max(values, key=values.get)
    if score in ("mse", "mae"):  # lower is better
        low, high = high, low
    return {
        "gap": abs(values[high] - values[low]),
        "best": {"group": high, score: values[high], "support": per_group[high]["support"]},
        "worst": {"group": low, score: values[low], "support": per_group[low]["support"]},
    }


def _natural(value: str) -> tuple:
    """Numbers in numeric order, then text."""
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value)
