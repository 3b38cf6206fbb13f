"""What an entry point does around Hydra, before torch is imported: secrets, resume, checks.

`start` runs an entry point: the command line is prepared before Hydra parses it, and
`check_before_work` runs once the config is composed. Bad input ends a run with one message,
exit code 2 and no traceback (`end_on_bad_input`; in a sweep, only that job fails), whether our
checks or Hydra's own (an unknown option; a misspelled key, with the key meant:
`dlkit.config.unknown_keys`) find it.
"""

import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from dlkit.config.checks import check_config
from dlkit.config.overrides import expand_home, override_key
from dlkit.config.unknown_keys import suggest_on_unknown_keys
from dlkit.errors import BadInput, ConfigError
from dlkit.runs.distributed import is_global_zero_process
from dlkit.runs.folder import RunFolder
from dlkit.runs.secrets import load_dotenv, mask_secrets_in_logs
from dlkit.runs.summary import RunSummary

log = logging.getLogger(__name__)

# Set when Hydra has composed a job: an exit with code 1 before that is Hydra rejecting the
# command line (it prints its own message), which is bad input like any other.
_job_started = False


def start(hydra_main: Callable[[], object], resumable: bool = False) -> None:
    """Run an entry point's Hydra main on the prepared command line."""
    global _job_started
    _job_started = False
    suggest_on_unknown_keys()
    sys.argv[1:] = prepare_command_line(sys.argv[1:], resumable)
    try:
        hydra_main()
    except SystemExit as error:
        if error.code == 1 and not _job_started:
            raise SystemExit(2) from None
        raise


def prepare_command_line(arguments: list[str], resumable: bool = False) -> list[str]:
    """Load `.env`, expand `~` in values and (training) `resume=<run folder>`; a bad resume
    stops here with one message."""
    load_dotenv()
    arguments = [expand_home(a) for a in arguments]
    try:
        if resumable and any(a.startswith("resume=") for a in arguments):
            from dlkit.runs.resume import resume_arguments

            arguments = resume_arguments(arguments)
        if (folder := named_folder(arguments)) is not None and is_global_zero_process():
            from dlkit.runs.folder_lock import hold

            hold(folder)  # before Hydra writes its records and log into it
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    return arguments


def named_folder(arguments: list[str]) -> Path | None:
    """The run (or sweep) folder the command line names, when it names one without
    interpolations; None when Hydra picks it (a new folder, unique by time and id)."""
    key = "hydra.sweep.dir" if {"-m", "--multirun"} & set(arguments) else "hydra.run.dir"
    values = [a.split("=", 1)[1] for a in arguments if override_key(a) == key]
    if not values or "${" in values[-1]:
        return None
    return Path(values[-1].strip("\"'")).expanduser().resolve()


def check_before_work(cfg: DictConfig) -> None:
    """Mask secrets in logs and check the config; a bad one ends the run, marked failed."""
    global _job_started
    _job_started = True
    mask_secrets_in_logs()
    stop_on_sigterm()
    if os.environ.get("SLURM_RESTART_COUNT"):  # a requeued cluster job
        from dlkit.runs.resume import resume_requeued_job

        if resume_requeued_job(cfg):
            log.info("requeued SLURM job: continuing from %s", cfg.ckpt_path)
    try:
        check_config(cfg, command=HydraConfig.get().job.config_name)
        if cfg.get("resume"):
            from dlkit.runs.resume import check_same_config

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
