"""Save `last.ckpt` when the run is stopped by SIGTERM (pre-emption) or Ctrl+C.

Lightning turns SIGTERM into an orderly stop after the current batch; this callback then saves
the state at that point where `make train resume=<run folder>` looks for it. Other exceptions
(a crash, a diverged loss) save nothing: the last checkpoint written before them is the good one.
"""

import logging
from pathlib import Path

import lightning.pytorch as L
from lightning.pytorch.utilities.exceptions import SIGTERMException

log = logging.getLogger(__name__)


class CheckpointOnInterrupt(L.Callback):
    def __init__(self, dirpath: str, filename: str = "last") -> None:
        self.path = Path(dirpath) / f"{filename}.ckpt"

    def on_exception(
        self, trainer: L.Trainer, pl_module: L.LightningModule, exception: BaseException
    ) -> None:
        if not isinstance(exception, (SIGTERMException, KeyboardInterrupt)):
            return
        if trainer.state.fn != "fit" or trainer.global_step == 0:
            return  # nothing learned yet, or not training: no state worth resuming
        trainer.save_checkpoint(self.path)
        log.info("interrupted: saved %s to resume from", self.path)
