"""`make sweep cv.folds=5 cv.fold=0,1,2,3,4`: one fold per job, aggregated when the sweep ends.

A Hydra callback (`hydra.callbacks.cross_validation`), so it works with every launcher: it reads
each fold job's summary.json and writes their mean ± std to `cv_summary.json` at the multirun
root, one group of folds per combination of the other overrides.
"""

import logging
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from dlkit.config.overrides import override_key
from dlkit.runs.folder import SweepFolder, write_json_atomic

log = logging.getLogger(__name__)


def aggregate_sweep(sweep: SweepFolder) -> list[dict]:
    """Group the sweep's single-fold jobs by their other overrides and aggregate each group.

    Writes `cv_summary.json` at the sweep root (nothing when the sweep ran no folds) and returns
    the groups: [{"overrides": [...], **aggregate_folds(...)}].
    """
    from dlkit.reports.folds import aggregate_folds  # when a sweep ran folds

    groups: dict[tuple[str, ...], list[dict]] = {}
    num_folds: dict[tuple[str, ...], int] = {}
    for folder in sweep.jobs():
        job = folder.read_summary()
        if job.get("fold") is None or job.get("num_folds", 1) < 2:
            continue
        if job.get("status") != "completed":
            log.warning("fold job %s did not complete: left out of the aggregate", folder.root)
            continue
        key = tuple(o for o in folder.overrides() if override_key(o) != "cv.fold")
        groups.setdefault(key, []).append(job)
        num_folds[key] = job["num_folds"]
    aggregates = [
        {"overrides": list(key), **aggregate_folds(jobs, num_folds[key])}
        for key, jobs in groups.items()
    ]
    if aggregates:
        write_json_atomic(sweep.cv_summary, {"groups": aggregates})
    return aggregates


class AggregateFoldJobs(Callback):
    """When a sweep over `cv.fold` ends, write the folds' aggregate at the multirun root."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep = SweepFolder(config.hydra.sweep.dir)
        if not sweep.root.is_dir():
            return
        aggregates = aggregate_sweep(sweep)
        if aggregates:
            from dlkit.runs.console import print_result

            for aggregate in aggregates:
                print_result(aggregate, title=" ".join(aggregate["overrides"]) or None)
            log.info("cross-validation aggregate: %s", sweep.cv_summary)
