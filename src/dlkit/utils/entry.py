"""What an entry point does around Hydra, before torch is imported: secrets, resume, checks."""

import logging
import signal
import sys
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from dlkit.utils.resume import check_same_config, resume_arguments, resume_requeued_job
from dlkit.utils.run_folder import RunSummary
from dlkit.utils.secrets import load_dotenv, mask_secrets_in_logs
from dlkit.utils.validation import ConfigError, check_config

log = logging.getLogger(__name__)


def prepare_command_line(arguments: list[str]) -> list[str]:
    """Load `.env`, expand `resume=<run folder>`; a bad resume stops here with one message."""
    load_dotenv()
    try:
        return resume_arguments(arguments)
    except ConfigError as error:
        sys.exit(f"error: {error}")


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
        RunSummary(cfg.paths.output_dir, task_name=cfg.task_name, seed=cfg.get("seed")).finish(
            "failed", error=f"ConfigError: {error}"
        )
        end_on_bad_input(error)


def end_on_bad_input(error: ValueError) -> None:
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
    overrides = list(HydraConfig.get().overrides.task)
    saved = Path(HydraConfig.get().runtime.output_dir) / ".hydra" / "overrides.yaml"
    original = set(OmegaConf.load(saved)) if saved.is_file() else set()
    return [o for o in overrides if o not in original]
