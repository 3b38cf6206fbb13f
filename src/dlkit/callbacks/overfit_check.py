"""`debug=overfit`'s verdict: did the net learn its few batches by heart?

Lightning's `overfit_batches` trains (and validates) on the same few batches; a net that cannot
drive their loss near zero has a bug (labels, loss, a frozen layer), too little capacity or a
learning rate too low, and should not be trained on more. Lightning runs the batches but says
nothing about the outcome: this callback compares the training loss of the first and the last
epoch (and, for classification, the last epoch's accuracy); the verdict goes to summary.json
(`overfit_check`) and is the run's last line in the console (`dlkit.training.run`).
"""

import math

import lightning.pytorch as L


class OverfitCheck(L.Callback):
    """Args:
    min_accuracy: a classifier has overfit when its training accuracy reaches this.
    max_loss_share: otherwise (regression), when its last training loss is at most this share
        of its first.
    """

    def __init__(self, min_accuracy: float = 0.99, max_loss_share: float = 0.05) -> None:
        self.min_accuracy, self.max_loss_share = min_accuracy, max_loss_share
        self.losses: list[float] = []
        self.accuracy: float | None = None
        self.run_summary: dict = {}

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        metrics = trainer.callback_metrics
        if "train/loss" in metrics:
            self.losses.append(float(metrics["train/loss"]))
        if "train/acc" in metrics:
            self.accuracy = float(metrics["train/acc"])

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not self.losses:
            return
        batches, first, last = trainer.overfit_batches, self.losses[0], self.losses[-1]
        if self.accuracy is not None:
            overfit = self.accuracy >= self.min_accuracy
            reached = f"training accuracy {self.accuracy:.1%}, "
        else:
            overfit = math.isfinite(last) and last <= self.max_loss_share * first
            reached = ""
        measured = f"{reached}loss {first:.3g} -> {last:.3g} in {len(self.losses)} epochs"
        if overfit:
            verdict = (
                f"overfit check passed: the net learned its {batches} batches by heart "
                f"({measured}); it can learn, train it on the whole data set"
            )
        else:
            verdict = (
                f"overfit check FAILED: the net did not learn its {batches} batches by heart "
                f"({measured}); a net that cannot has a bug (labels, loss, a frozen layer), too "
                "little capacity or too low a learning rate: fix that before training on more "
                "(more epochs: trainer.max_epochs=…)"
            )
        self.run_summary = {
            "overfit_check": {
                "overfit": overfit,
                "batches": batches,
                "first_loss": first,
                "last_loss": last,
                "accuracy": self.accuracy,
                "verdict": verdict,
            }
        }
