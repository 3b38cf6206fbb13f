"""The learning-rate finder as a callback: `make train "callbacks=[default,lr_finder]"` runs the
range test when fitting starts and trains at the rate it suggests.

Lightning's `LearningRateFinder` runs the range test from the model's initial weights and
restores them afterwards; this subclass reads the test as `make lr-find` does (the steepest
descent against the log of the rate, `dlkit_diagnostics.range_test`), writes `lr_find.png`,
rebuilds the optimizer and its schedule at the suggested rate (the schedule's peak is the
optimizer's rate, so a one-cycle schedule rises to the suggestion), and gives `lr_find` to the
run's summary.json (`run_summary`). The run then trains from the same initial weights as a run
given that rate. The run's config.yaml keeps the rate it was given; the checkpoints' own copy of
the optimizer's settings has the suggestion.

A resumed run does not search again: its checkpoint holds the optimizer at the rate found when
the run started, and this callback's record of the search.
"""

import logging
from collections.abc import Mapping
from typing import Any

import lightning.pytorch as L
from lightning.pytorch.callbacks import LearningRateFinder as RangeTest

from dlkit.runs.folder import RunFolder
from dlkit_diagnostics.files import LR_FIND_PNG
from dlkit_diagnostics.range_test import lr_find_settings, plot_range_test, suggested_rate

log = logging.getLogger(__name__)


class LearningRateFinder(RangeTest):
    """Args: `output_dir` (the run folder, for lr_find.png) and `settings` (`tuner.lr_find`:
    min_lr, max_lr, num_training, mode, early_stop_threshold)."""

    def __init__(self, output_dir: str, settings: Mapping[str, Any]) -> None:
        self.settings = lr_find_settings(settings)
        super().__init__(
            min_lr=self.settings["min_lr"],
            max_lr=self.settings["max_lr"],
            num_training_steps=self.settings["num_training"],
            mode=self.settings["mode"],
            early_stop_threshold=self.settings["early_stop_threshold"],
            update_attr=False,  # the rate is in the optimizer's config: set below
        )
        self.folder = RunFolder(output_dir)
        self.found: dict[str, Any] | None = None

    @property
    def run_summary(self) -> dict[str, Any]:
        """`lr_find` for summary.json: the suggestion, the steps recorded, the settings."""
        return {"lr_find": self.found} if self.found else {}

    def lr_find(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Lightning's range test for `num_training` steps, whatever `trainer.max_epochs` says
        (a short run's epochs would end it before it has points enough)."""
        max_epochs = trainer.fit_loop.max_epochs
        trainer.fit_loop.max_epochs = -1
        try:
            super().lr_find(trainer, pl_module)
        finally:
            trainer.fit_loop.max_epochs = max_epochs

    def on_fit_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.ckpt_path:  # resumed: the optimizer's state comes from the checkpoint
            return
        self.lr_find(trainer, pl_module)
        if self.optimal_lr is None:  # Lightning skips it (fast_dev_run) and says so
            return
        lrs, losses = self.optimal_lr.results["lr"], self.optimal_lr.results["loss"]
        suggestion = suggested_rate(lrs, losses)
        if trainer.is_global_zero:
            plot_range_test(lrs, losses, suggestion, self.folder.picture(LR_FIND_PNG))
        train_at(trainer, pl_module, suggestion)
        self.found = {"suggestion": suggestion, "steps": len(lrs), **self.settings}
        log.info(
            "learning-rate finder: training at the suggested rate %.3g (%d steps from %g to %g): %s",
            suggestion, len(lrs), self.settings["min_lr"], self.settings["max_lr"],
            self.folder.picture(LR_FIND_PNG),
        )  # fmt: skip

    def state_dict(self) -> dict[str, Any]:
        return {"found": self.found}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.found = state_dict.get("found")


def train_at(trainer: L.Trainer, pl_module: L.LightningModule, rate: float) -> None:
    """The module's optimizer config set to `rate`, its optimizer and schedule built anew."""
    pl_module.hparams.optimizer["lr"] = rate
    trainer.strategy.setup_optimizers(trainer)
