"""The start and the end that `make eval`, `make predict` and `make export` share.

Each writes a run folder of its own (`logs/<command>/runs/<time>/`): summary.json says
"running" from the start, "completed" with the command's results at the end, "failed" with the
error otherwise; config.yaml records what was asked.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from omegaconf import DictConfig

from dlkit.runs.console import quiet_libraries
from dlkit.runs.folder import RunFolder
from dlkit.runs.summary import RunSummary, log_failure
from dlkit.saved.load import ckpt_path_of

log = logging.getLogger(__name__)


@dataclass
class CommandRun:
    folder: RunFolder
    ckpt_path: str | None
    #: what the command found; it goes into summary.json when the command completes
    result: dict[str, Any] = field(default_factory=dict)


@contextmanager
def command_run(cfg: DictConfig, **fields: Any) -> Iterator[CommandRun]:
    """The command's run folder and summary around the work done in the `with` block."""
    quiet_libraries()
    run = CommandRun(RunFolder(cfg.paths.output_dir), ckpt_path_of(cfg))
    summary = RunSummary(run.folder, task_name=cfg.task_name, ckpt_path=run.ckpt_path, **fields)
    try:
        yield run
        run.folder.save_config(cfg)
        summary.finish("completed", **run.result)
    except BaseException as error:
        log_failure(log, summary, error, cfg.task_name)
        raise
