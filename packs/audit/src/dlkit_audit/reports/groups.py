"""Metrics per group of a column (`make audit audit.group_column=sex`): does the model serve every
group of people, sites or devices alike?

A model can score well overall and poorly on a group the data holds few of; the overall numbers
hide it. The test split's rows are grouped by the values of one column of the table (any column,
also one that is not a feature), and each group gets its own scores, support and confusion matrix;
the largest gap between two groups is named. A gap between small groups is mostly noise, so
groups under `audit.min_group_size` test samples stop the command (with their counts), and each
accuracy carries its 95 % interval (Wilson's, from scipy).
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
    """Stop on groups too small for their scores to mean anything, naming them and their size."""
    values, counts = np.unique(groups, return_counts=True)
    small = {str(v): int(c) for v, c in zip(values, counts, strict=True) if c < min_size}
    if small:
        shown = dict(list(small.items())[:SHOWN])
        more = f" and {len(small) - SHOWN} more" if len(small) > SHOWN else ""
        raise DataError(
            f"audit.group_column={column}: {len(small)} of its {len(values)} groups have fewer "
            f"than audit.min_group_size={min_size} test samples (group: samples {shown}{more}), "
            "too few for their scores to mean much. Merge rare values into one group in the CSV "
            "(or bin a numeric column into a few ranges), or lower audit.min_group_size to "
            "report them anyway"
        )


def group_report(
    predictions: np.ndarray,
    targets: np.ndarray,
    groups: np.ndarray,
    column: str,
    class_names: Sequence[str] | None,
) -> dict:
    """Scores per group (`groups[i]`: the group of test sample i) and the largest gaps."""
    task = "classification" if class_names is not None else "regression"
    per_group = {}
    for value in sorted(np.unique(groups), key=_natural):
        mask = groups == value
        if task == "classification":
            per_group[str(value)] = _classification_scores(
                predictions[mask], targets[mask], len(class_names)
            )
        else:
            per_group[str(value)] = _regression_scores(predictions[mask], targets[mask])
    scores = [k for k in per_group[next(iter(per_group))] if k not in ("support", "acc_interval")]
    gaps = {score: _gap(per_group, score) for score in scores if score != "confusion_matrix"}
    return {
        "column": column,
        "task": task,
        "labels": [str(n) for n in class_names] if class_names is not None else None,
        "groups": per_group,
        "headline": HEADLINE[task],
        "largest_gap": gaps,
    }


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
        "confusion_matrix": metrics.confusion_matrix(
            targets, predicted, labels=np.arange(classes)
        ).tolist(),
    }


def _regression_scores(predictions: np.ndarray, targets: np.ndarray) -> dict:
    predictions = predictions.reshape(len(targets), -1)[:, 0]
    return {
        "support": len(targets),
        "mse": float(metrics.mean_squared_error(targets, predictions)),
        "mae": float(metrics.mean_absolute_error(targets, predictions)),
        # undefined for a group whose targets are all alike
        "r2": float(metrics.r2_score(targets, predictions)) if np.ptp(targets) > 0 else None,
    }


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
