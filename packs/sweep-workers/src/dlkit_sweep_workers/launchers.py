"""Stop a sweep at once when its launcher cannot run here, with one message instead of a traceback.

`hydra/launcher=slurm` (submitit) submits each job with SLURM's commands, which exist only on
a cluster; without them submitit fails deep inside the first launch.
"""

import logging
import shutil
import sys
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger(__name__)


class CheckLauncher(Callback):
    """Before any job starts: the SLURM launcher needs `srun` (submitit looks for it)."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        target = str(config.hydra.launcher.get("_target_", ""))
        if "submitit" in target and "Slurm" in target and shutil.which("srun") is None:
            log.error(
                "hydra/launcher=slurm submits each job to SLURM, but this machine has no `srun`: "
                "start the sweep on the cluster's login node, or leave out hydra/launcher=slurm "
                "(jobs one after another here) or use hydra/launcher=joblib (in parallel here)"
            )
            sys.exit(2)
