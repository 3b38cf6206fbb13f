"""Hydra's basic sweeper, except that every job's config is checked before the first starts
(`dlkit.sweeps.job_checks`: a bad one ends the sweep with exit code 2, nothing run), and a job
failing later is logged while the remaining jobs still run.

Hydra's own re-raises the first failure after each batch, which ends the sweep and skips the
`on_multirun_end` callbacks (the sweep summary among them).
"""

import logging
import sys
from collections.abc import Sequence
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.utils import JobReturn, JobStatus

from dlkit.runs.folder import SweepFolder
from dlkit.sweeps.job_checks import bad_jobs

log = logging.getLogger(__name__)


def log_failed_jobs(results: Sequence[JobReturn]) -> int:
    """Log each failed job with its overrides and error; returns how many failed."""
    failed = [r for r in results if r.status == JobStatus.FAILED]
    for result in failed:
        error = result._return_value  # JobReturn.return_value would re-raise it
        log.error(
            "job failed (%s: %s) with overrides %s; the sweep goes on",
            type(error).__name__,
            error,
            " ".join(result.overrides or []),
        )
    return len(failed)


class GridSweeper(BasicSweeper):
    def sweep(self, arguments: list[str]) -> Any:
        assert self.config is not None and self.launcher is not None
        params = self._parse_config()
        params.extend(arguments)
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        self.overrides = self.split_arguments(parser.parse_overrides(params), self.max_batch_size)
        jobs = [job for batch in self.overrides for job in batch]
        if problems := bad_jobs(self.hydra_context.config_loader, self.config, jobs):
            log.error(
                "%d of the sweep's %d jobs would be refused; no job has started:\n%s",
                len(problems),
                len(jobs),
                "\n".join(f"  - {p}" for p in problems),
            )
            sys.exit(2)
        SweepFolder(self.config.hydra.sweep.dir).save_config(self.config)

        returns, job_idx, failed = [], 0, 0
        while not self.is_done():
            batch = self.get_job_batch()
            self.validate_batch_is_legal(batch)
            results = self.launcher.launch(batch, initial_job_idx=job_idx)
            failed += log_failed_jobs(results)
            job_idx += len(batch)
            returns.append(results)
        if failed:
            log.warning("%d of %d jobs failed", failed, job_idx)
        return returns
