"""k-fold cross-validation around the training flow: `cv.folds=5` in one command, or one fold per job.

The test split is held out once; the train+val part is divided into `cv.folds` stratified folds by
the data module (`dlkit.data.splits`). Each fold is a complete run of its own in `fold_<k>/`
(fresh model, Trainer, callbacks, checkpoints, config.yaml, summary.json), and the run folder's
summary gathers the folds with their mean and standard deviation. The optimized metric returned
to a sweep is the mean validation score over the folds, so Optuna tunes on cross-validated score.

`cv.fold=<k>` runs fold k alone in the run folder; `make sweep cv.folds=5 cv.fold=0,1,2,3,4`
runs the folds as parallel jobs and `AggregateFoldJobs` (a Hydra callback) writes their aggregate
at the multirun root when the sweep ends.

Torch and Lightning are imported inside functions: Hydra imports this module for its callback
before the config is composed.
"""

import copy
import json
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf, open_dict

from dlkit.utils.run_folder import SUMMARY_FILE, RunSummary, write_json_atomic

log = logging.getLogger(__name__)

CV_SUMMARY_FILE = "cv_summary.json"


def check_cv_settings(folds: int, fold: int | None, ckpt_path: str | None = None) -> None:
    """Stop before any work on `cv` settings that cannot give folds."""
    if not isinstance(folds, int) or folds < 1:
        raise ValueError(f"cv.folds must be 1 (a plain split) or more, got {folds!r}")
    if fold is None:
        if folds > 1 and ckpt_path:
            raise ValueError(
                f"ckpt_path resumes one model, but cv.folds={folds} trains {folds}: resume the "
                f"fold it belongs to alone, e.g. `make train cv.folds={folds} cv.fold=<k> "
                "ckpt_path=<run>/fold_<k>/checkpoints/last.ckpt`"
            )
        return
    if folds == 1:
        raise ValueError(
            f"cv.fold={fold} needs folds to choose from: add cv.folds=<k> (k >= 2), "
            "e.g. `make sweep cv.folds=5 cv.fold=0,1,2,3,4`"
        )
    if not isinstance(fold, int) or not 0 <= fold < folds:
        raise ValueError(
            f"cv.fold={fold!r} is out of range for cv.folds={folds}: choose 0..{folds - 1}"
        )


def run(cfg: DictConfig, output_dir: Path) -> dict:
    """The training flow for the `cv` settings: a plain split, one fold, or every fold in turn."""
    from dlkit.training import fit_and_test

    cv = cfg.get("cv") or {}
    folds, fold = cv.get("folds", 1), cv.get("fold")
    check_cv_settings(folds, fold, cfg.get("ckpt_path"))
    if folds == 1:
        result = fit_and_test(cfg, output_dir)
    elif fold is not None:  # one fold in this run folder (a job of a parallel-fold sweep)
        _select_fold(cfg, folds, fold)
        result = {"fold": fold, "num_folds": folds, **fit_and_test(cfg, output_dir)}
    else:
        result = cross_validate(cfg, output_dir, folds)
    from dlkit.reports.tables import print_result

    print_result(result)
    return result


def cross_validate(cfg: DictConfig, output_dir: Path, folds: int) -> dict:
    """Train and test one fresh model per fold, each in `fold_<k>/`; the aggregate over folds."""
    from dlkit.training import fit_and_test
    from dlkit.utils.config_tree import save_config

    results = []
    for fold in range(folds):
        log.info("cross-validation: fold %d of %d", fold + 1, folds)
        fold_cfg = copy.deepcopy(cfg)
        fold_dir = output_dir / f"fold_{fold}"
        with open_dict(fold_cfg):
            fold_cfg.paths.output_dir = str(fold_dir)
        _select_fold(fold_cfg, folds, fold)
        summary = RunSummary(fold_dir, task_name=cfg.task_name, seed=cfg.seed, fold=fold)
        try:
            result = fit_and_test(fold_cfg, fold_dir)
            save_config(fold_cfg, fold_dir)  # `make eval ckpt_path=fold_<k>/…` rebuilds this fold
            summary.finish("completed", num_folds=folds, **result)
        except BaseException as error:
            summary.fail(error)
            raise
        results.append({"fold": fold, **result})
    with open_dict(cfg):  # the fold runs chose the task's default metric
        cfg.optimized_metric = results[0]["optimized_metric"]["name"]
    return aggregate_folds(results, folds)


def _select_fold(cfg: DictConfig, folds: int, fold: int) -> None:
    """The data module splits train+val into `folds` and validates on fold `fold`."""
    with open_dict(cfg):
        cfg.data.num_folds = folds
        cfg.data.fold = fold


# ------------------------------------------------------------------ aggregation (no torch)
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
        "val": _split(mean, "val"),
        "test": _split(mean, "test"),
        "optimized_metric": {"name": metric, "value": mean.get(metric)},
    }
    baselines = [r["baseline"] for r in results if r.get("baseline")]
    if baselines:
        summary["baseline"] = {
            "name": baselines[0]["name"],
            "test": _split(mean, "baseline/test"),
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


def _split(metrics: dict[str, float], prefix: str) -> dict[str, float]:
    """{'acc': …} from {'val/acc': …} for prefix 'val'."""
    return {
        k.removeprefix(f"{prefix}/"): v for k, v in metrics.items() if k.startswith(f"{prefix}/")
    }


# ------------------------------------------------------------------ parallel folds (a sweep)
def aggregate_sweep(sweep_dir: Path) -> list[dict]:
    """Group the sweep's single-fold jobs by their other overrides and aggregate each group.

    Writes `cv_summary.json` at the sweep root (nothing when the sweep ran no folds) and returns
    the groups: [{"overrides": [...], **aggregate_folds(...)}].
    """
    groups: dict[tuple[str, ...], list[dict]] = {}
    num_folds: dict[tuple[str, ...], int] = {}
    for summary_path in sorted(sweep_dir.glob(f"*/{SUMMARY_FILE}")):
        job = json.loads(summary_path.read_text())
        if job.get("fold") is None or job.get("num_folds", 1) < 2:
            continue
        if job.get("status") != "completed":
            log.warning(
                "fold job %s did not complete: left out of the aggregate", summary_path.parent
            )
            continue
        key = tuple(o for o in _job_overrides(summary_path.parent) if not o.startswith("cv.fold="))
        groups.setdefault(key, []).append(job)
        num_folds[key] = job["num_folds"]
    aggregates = [
        {"overrides": list(key), **aggregate_folds(jobs, num_folds[key])}
        for key, jobs in groups.items()
    ]
    if aggregates:
        write_json_atomic(sweep_dir / CV_SUMMARY_FILE, {"groups": aggregates})
    return aggregates


def _job_overrides(job_dir: Path) -> list[str]:
    path = job_dir / ".hydra" / "overrides.yaml"
    return [str(o) for o in OmegaConf.load(path)] if path.is_file() else []


class AggregateFoldJobs(Callback):
    """When a sweep over `cv.fold` ends, write the folds' aggregate at the multirun root."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        if not sweep_dir.is_dir():
            return
        aggregates = aggregate_sweep(sweep_dir)
        if aggregates:
            from dlkit.reports.tables import print_result

            for aggregate in aggregates:
                print_result(aggregate, title=" ".join(aggregate["overrides"]) or None)
            log.info("cross-validation aggregate: %s", sweep_dir / CV_SUMMARY_FILE)
