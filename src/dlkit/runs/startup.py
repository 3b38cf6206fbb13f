"""What an entry point does around Hydra, before torch is imported: secrets, resume, checks.

`prepare_command_line` runs before Hydra parses the command line, `check_before_work` once the
config is composed; bad input from then on ends with `end_on_bad_input`: one message, exit
code 2, no traceback (in a sweep, only that job fails).
"""

import logging
import signal
import sys

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from dlkit.config.checks import check_config
from dlkit.errors import BadInput, ConfigError
from dlkit.runs.folder import RunFolder
from dlkit.runs.resume import check_same_config, resume_arguments, resume_requeued_job
from dlkit.runs.secrets import load_dotenv, mask_secrets_in_logs
from dlkit.runs.summary import RunSummary

log = logging.getLogger(__name__)


def prepare_command_line(arguments: list[str]) -> list[str]:
    """Load `.env`, expand `resume=<run folder>`; a bad resume stops here with one message."""
    load_dotenv()
    try:
        return resume_arguments(arguments)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)


def check_before_work(cfg: DictConfig) -> None:
    """Mask secrets in logs and check the config; a bad one ends the run, marked failed."""
    mask_secrets_in_logs()
    stop_on_sigterm()
    if resume_requeued_job(cfg):
        log.info("requeued SLURM job: continuing from %s", cfg.ckpt_path)
    try:
        check_config(cfg)
        if cfg.get("resume"):
            check_same_config(cfg, _resume_overrides())
    except ConfigError as error:
        log.error("%s", error)
        if not cfg.get("resume"):  # a refused resume leaves the stopped run resumable
            folder = RunFolder(cfg.paths.output_dir)
            summary = RunSummary(folder, task_name=cfg.task_name, seed=cfg.get("seed"))
            summary.finish("failed", error=f"ConfigError: {error}")
        end_on_bad_input(error)


def end_on_bad_input(error: BadInput) -> None:
    """Bad input (its message already logged) ends a single run with exit code 2 and no
    traceback; in a sweep it is raised, so the sweeper records that job as failed and goes on."""
    if HydraConfig.get().mode == RunMode.MULTIRUN:
        raise error
    sys.exit(2)


def stop_on_sigterm() -> None:
    """SIGTERM (pre-emption) ends the run as an exception, so it is marked `interrupted`.

    While Lightning trains, its own handler takes over (it calls this one too, which then
    steps aside): it stops after the current batch and the run saves `last.ckpt`.
    """
    signal.signal(signal.SIGTERM, _on_sigterm)


def _on_sigterm(signum: int, frame) -> None:
    if signal.getsignal(signal.SIGTERM) is not _on_sigterm:
        return
    raise SystemExit(128 + signum)


def _resume_overrides() -> list[str]:
    """The overrides given besides those the resumed run started with (see resume_arguments)."""
    hydra_cfg = HydraConfig.get()
    original = set(RunFolder(hydra_cfg.runtime.output_dir).overrides())
    return [o for o in hydra_cfg.overrides.task if o not in original]
