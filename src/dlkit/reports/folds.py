"""Cross-validation summed up: every fold's results, and the mean and std of their metrics.

No torch here: the same aggregate serves `cv.folds=k` in one run (`dlkit.training.folds`) and
the fold jobs of a sweep, gathered from their summary.json files (`dlkit.sweeps.fold_jobs`).
"""

import math
from collections.abc import Sequence
from typing import Any

from dlkit.runs.summary import split_metrics

FOLD_KEYS = ("fold", "val", "test", "best_checkpoint", "epochs", "baseline")


def aggregate_folds(results: Sequence[dict], num_folds: int) -> dict:
    """The run summary of a cross-validation: every fold, mean and std of their metrics.

    `val`, `test` and `optimized_metric` are the means over folds, so a reader (or a sweep) that
    knows plain runs reads a cross-validated run the same way. The standard deviation is the
    population one (ddof=0), as scikit-learn's search `cv_results_` (`std_test_score`) report it.
    """
    results = sorted(results, key=lambda r: r["fold"])
    fold_metrics = [_flat_metrics(r) for r in results]
    mean, std = _mean_std(fold_metrics)
    metric = results[0]["optimized_metric"]["name"]
    summary: dict[str, Any] = {
        "task": results[0].get("task"),
        "num_folds": num_folds,
        "folds": [{k: r[k] for k in FOLD_KEYS if k in r} for r in results],
        "cv": {"mean": mean, "std": std},
        "val": split_metrics(mean, "val"),
        "test": split_metrics(mean, "test"),
        "optimized_metric": {"name": metric, "value": mean.get(metric)},
    }
    baselines = [r["baseline"] for r in results if r.get("baseline")]
    if baselines:
        summary["baseline"] = {
            "name": baselines[0]["name"],
            "test": split_metrics(mean, "baseline/test"),
            "fit_s": round(sum(b["fit_s"] for b in baselines) / len(baselines), 3),
        }
    missing = sorted(set(range(num_folds)) - {r["fold"] for r in results})
    if missing:
        summary["missing_folds"] = missing
    return summary


def _flat_metrics(result: dict) -> dict[str, float]:
    """{'val/acc': …, 'test/acc': …, 'baseline/test/acc': …} of one fold."""
    flat = {f"val/{k}": v for k, v in result.get("val", {}).items()}
    flat.update({f"test/{k}": v for k, v in result.get("test", {}).items()})
    if result.get("baseline"):
        flat.update({f"baseline/test/{k}": v for k, v in result["baseline"]["test"].items()})
    return flat


def _mean_std(rows: Sequence[dict[str, float]]) -> tuple[dict[str, float], dict[str, float]]:
    mean, std = {}, {}
    for key in sorted({k for row in rows for k in row}):
        values = [row[key] for row in rows if row.get(key) is not None]
        if not values:
            continue
        mean[key] = sum(values) / len(values)
        std[key] = math.sqrt(sum((v - mean[key]) ** 2 for v in values) / len(values))
    return mean, std
