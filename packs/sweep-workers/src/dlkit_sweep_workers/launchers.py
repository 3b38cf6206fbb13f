"""Stop a SLURM sweep at once on a machine without SLURM, with one message instead of a traceback.

`hydra/launcher=slurm` (submitit) submits each job with SLURM's commands, which exist only on
a cluster; without them submitit fails deep inside the first launch. The slurm launcher config
(configs/hydra/launcher/slurm.yaml) attaches this check as `hydra.callbacks.check_launcher`.
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
        if shutil.which("srun") is None:
            log.error(
                "hydra/launcher=slurm submits each job to SLURM, but this machine has no `srun`: "
                "start the sweep on the cluster's login node, or leave out hydra/launcher=slurm "
                "(jobs one after another here) or use hydra/launcher=joblib (in parallel here)"
            )
            sys.exit(2)
