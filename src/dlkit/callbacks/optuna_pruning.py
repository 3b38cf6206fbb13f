"""Stop a hopeless Optuna trial early, from its intermediate validation scores.

optuna-integration's PyTorchLightningPruningCallback does the same but is a separate package
pinned to particular Lightning releases; this is the same idea in a few lines, made safe for
distributed training: rank 0 reports and decides, then every rank learns the decision and stops
together (a rank that raised alone would leave the others waiting forever).
"""

import logging

import lightning.pytorch as L
from lightning.pytorch.trainer.states import TrainerFn

from dlkit.sweeps.trials import current_trial, trial_number

log = logging.getLogger(__name__)


class OptunaPruning(L.Callback):
    """Reports `monitor` after each validation epoch; raises `optuna.TrialPruned` when told to.

    Outside an Optuna sweep it does nothing, so the same config trains on its own too.
    """

    def __init__(self, monitor: str) -> None:
        self.monitor = monitor
        self.trial = None
        self.in_sweep = False

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        self.in_sweep = trial_number() is not None
        if self.in_sweep and trainer.is_global_zero:
            self.trial = current_trial()

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not self.in_sweep or trainer.sanity_checking or trainer.state.fn != TrainerFn.FITTING:
            return
        prune, value = False, None
        if trainer.is_global_zero:
            if self.monitor not in trainer.callback_metrics:
                raise KeyError(
                    f"pruning monitors {self.monitor!r}, which the model does not log; "
                    f"logged: {sorted(trainer.callback_metrics)}"
                )
            value = float(trainer.callback_metrics[self.monitor])
            self.trial.report(value, step=trainer.current_epoch)
            prune = self.trial.should_prune()
        if trainer.strategy.broadcast(prune, src=0):
            import optuna

            raise optuna.TrialPruned(
                f"stopped at epoch {trainer.current_epoch} ({self.monitor}={value})"
            )
