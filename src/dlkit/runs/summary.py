"""The run folder's `summary.json`: the one file that says how a run ended.

It is rewritten atomically at each change of state, so a reader never sees half a file, and it
says "completed" only once every step of the run has finished: a run that died says "running",
"failed" or "interrupted", never a fake "completed".
"""

import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dlkit.errors import BadInput
from dlkit.runs.folder import RunFolder


class RunSummary:
    """Accumulates a run's results and keeps `summary.json` in step with them."""

    def __init__(self, folder: RunFolder | str | Path, **fields: Any) -> None:
        self.folder = folder if isinstance(folder, RunFolder) else RunFolder(folder)
        self._start = time.perf_counter()
        self.data: dict[str, Any] = {"status": "running", **fields}
        self.folder.write_summary(self.data)

    def update(self, **fields: Any) -> None:
        self.data.update(fields)
        self.folder.write_summary(self.data)

    def finish(self, status: str, **fields: Any) -> None:
        self.data.update(fields, status=status)
        self.data["duration_s"] = round(time.perf_counter() - self._start, 3)
        self.folder.write_summary(self.data)

    def fail(self, error: BaseException) -> str:
        """Record how the run ended on `error`: pruned (by an Optuna sweep), interrupted (Ctrl-C,
        SIGTERM) or failed."""
        if was_pruned(error):
            status = "pruned"
        elif isinstance(error, (KeyboardInterrupt, SystemExit)):
            status = "interrupted"
        else:
            status = "failed"
        self.finish(status, error=f"{type(error).__name__}: {error}")
        return status


def log_failure(log: logging.Logger, summary: RunSummary, error: BaseException, what: str) -> str:
    """Mark the run as ended by `error` and say why: bad input by its message alone (it names
    the cause and the fix), a bug with its traceback. Returns the status."""
    try:
        status = summary.fail(error)
    except OSError as unwritable:  # a full disk, say: the error itself matters more
        status = "failed"
        log.warning("could not record the ending in %s: %s", summary.folder.summary, unwritable)
    if status == "pruned":
        log.info("%s pruned: %s", what, error)
    elif isinstance(error, BadInput):
        log.error("%s", error)
    else:
        log.exception("%s %s: %s", what, status, error)
    return status


def was_pruned(error: BaseException) -> bool:
    """True when an Optuna sweep stopped this run early (a normal ending, not a failure)."""
    return type(error).__name__ == "TrialPruned" and type(error).__module__.startswith("optuna")


def split_metrics(metrics: Mapping[str, Any], split: str) -> dict[str, float]:
    """{'acc': …} of the `split` ('val', 'test') from Lightning's flat {'val/acc': …, …}."""
    prefix = f"{split}/"
    return {k.removeprefix(prefix): float(v) for k, v in metrics.items() if k.startswith(prefix)}
