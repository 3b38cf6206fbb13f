"""Distributed training with Hydra: which process is rank 0, where the other ranks run, and what
they gather from each other (`every_rank`).

Two things Lightning gets wrong for a Hydra app, fixed here:

- Rank 0 of a multi-process run writes the run folder's files (summary.json, config.yaml);
  the other ranks compute but write nothing. Before the Trainer exists the rank is only known
  from the environment variables the launchers set (Lightning, torchrun, SLURM).
- Lightning starts ranks 1..N-1 by re-running the command line (`_hydra_subprocess_cmd`). Under
  `--multirun` that command is the whole sweep again, so every rank re-ran every job in run
  folders of its own. Here each rank re-runs exactly this job's overrides as a single run into
  this job's folder (`hydra.output_subdir=null`: rank 0 alone keeps Hydra's `.hydra/`).
"""

import os
import sys
from collections.abc import Sequence
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from dlkit.config.overrides import quoted

# Set by Lightning's launcher, torchrun and SLURM: any of them non-zero means "not rank 0".
RANK_VARIABLES = ("RANK", "LOCAL_RANK", "NODE_RANK", "GROUP_RANK", "SLURM_PROCID")
# Command-line flags of a Hydra app that take a value.
HYDRA_FLAGS_WITH_VALUE = ("-cn", "--config-name", "-cp", "--config-path", "-cd", "--config-dir")
# Hydra overrides that would turn a rank's single run back into a sweep or move its folder.
RANK_OWN_OVERRIDES = ("hydra.mode=", "hydra.run.dir=", "hydra.job.name=", "hydra.output_subdir=")


def is_global_zero_process() -> bool:
    """True in the process that writes the run folder (rank 0, or the only process)."""
    return all(os.environ.get(name, "0") in ("", "0") for name in RANK_VARIABLES)


def every_rank(value: Any) -> list[Any]:
    """`value` of each process of the distributed run, in rank order ([value] in a single process).

    Every rank must call it at the same point. Lightning's strategies gather tensors only
    (`strategy.all_gather`); lists of strings (the files each rank skipped) go through
    torch.distributed's own `all_gather_object`.
    """
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return [value]
    gathered: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, value)
    return gathered


def rank_command(local_rank: int) -> tuple[list[str], str]:
    """The command (and working directory) that starts `local_rank` of this Hydra job."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.utils import get_original_cwd

    import __main__

    spec = getattr(__main__, "__spec__", None)
    if spec is None:
        command = [sys.executable, os.path.abspath(sys.argv[0])]
    elif spec.name.startswith(("joblib.", "submitit.", "loky.")):
        raise RuntimeError(
            f"multi-process training (trainer.devices > 1) cannot start its ranks from a "
            f"{spec.name.split('.')[0]} worker: sweep with the default launcher (one job at a "
            "time on all devices) or on SLURM (hydra/launcher=slurm, one task per device)"
        )
    else:
        command = [sys.executable, "-m", spec.name]
    hydra_cfg = HydraConfig.get()
    hydra_overrides = [o for o in hydra_cfg.overrides.hydra if not o.startswith(RANK_OWN_OVERRIDES)]
    command += [
        *_flags(sys.argv[1:]),
        *hydra_cfg.overrides.task,
        *hydra_overrides,
        "hydra.mode=RUN",
        f"hydra.run.dir={quoted(hydra_cfg.runtime.output_dir)}",
        f"hydra.job.name={hydra_cfg.job.name}_rank_{local_rank}",
        "hydra.output_subdir=null",
    ]
    return command, get_original_cwd()


def keep_ranks_in_run_folder() -> None:
    """Make Lightning start each rank with `rank_command` (for `strategy=ddp`, the default of
    `devices > 1`). Lightning offers no hook for this, so its function is replaced."""
    from lightning.pytorch.strategies.launchers import subprocess_script

    subprocess_script._hydra_subprocess_cmd = rank_command


def _flags(argv: Sequence[str]) -> list[str]:
    """The Hydra flags of a command line (config name/path), without `--multirun` and overrides."""
    flags, take_next = [], False
    for arg in argv:
        if take_next:
            flags.append(arg)
            take_next = False
        elif arg in ("-m", "--multirun") or not arg.startswith("-"):
            continue
        else:
            flags.append(arg)
            take_next = arg in HYDRA_FLAGS_WITH_VALUE
    return flags


class SeparateDistributedJobs(Callback):
    """Each job of a sweep starts its distributed processes afresh.

    Lightning's launcher leaves its process group and environment variables (MASTER_PORT,
    LOCAL_RANK, WORLD_SIZE, …) behind when training ends; the next job of a sweep in the same
    process would then take itself for an already-launched rank and talk to processes that are
    gone. Hydra calls this around each job: the group is closed and the environment restored.
    """

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._environment = dict(os.environ)

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        if "torch.distributed" in sys.modules:
            import torch.distributed

            if torch.distributed.is_available() and torch.distributed.is_initialized():
                torch.distributed.destroy_process_group()
        saved = getattr(self, "_environment", None)
        if saved is not None:
            for name in set(os.environ) - set(saved):
                del os.environ[name]
            os.environ.update(saved)
