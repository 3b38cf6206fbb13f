"""Save `last.ckpt` when the run is stopped by SIGTERM (pre-emption) or Ctrl+C.

Lightning turns SIGTERM into an orderly stop after the current batch; this callback then saves
the state at that point where `make train resume=<run folder>` looks for it. Other exceptions
(a crash, a diverged loss) save nothing: the last checkpoint written before them is the good one.

A stop in the middle of validation saves nothing either: the validation metrics gathered so far
live only in memory (torchmetrics states are not in checkpoints), so a run resumed from there
would judge the epoch on part of the validation split, and early stopping and the best
checkpoint could choose otherwise than in an uninterrupted run. Resuming from the checkpoint
before it repeats the epoch instead, exactly.
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
        if trainer.validating or trainer.sanity_checking:
            log.info("interrupted during validation: a resumed run repeats this epoch")
            return
        trainer.save_checkpoint(self.path)
        log.info("interrupted: saved %s to resume from", self.path)
