"""Stop at the first diverged training step, before it reaches the weights.

Diverged means a NaN or infinite loss, or a loss that exploded past `max_growth` times its value
at the run's first step (with Adam a learning rate far too high drives the loss to 1e10 and
beyond while it stays finite). Lightning's `EarlyStopping(check_finite=True)` looks only at
validation metrics once per epoch, and `detect_anomaly` slows every step down; this check costs
one scalar per step and runs before the backward pass, so the weights in memory and every
checkpoint on disk stay as they were after the last good step.
"""

import math

import lightning.pytorch as L
import torch

from dlkit.errors import BadInput


class DivergenceError(BadInput):
    """The training loss diverged: settings to change (the learning rate), not a bug to debug,
    so the run ends with this message alone and exit code 2."""


class StopOnDivergence(L.Callback):
    def __init__(self, max_growth: float | None = 1e4) -> None:
        self.max_growth = max_growth
        self.first_loss: float | None = None

    def on_before_backward(
        self, trainer: L.Trainer, pl_module: L.LightningModule, loss: torch.Tensor
    ) -> None:
        value = loss.detach().float().item()
        if self.first_loss is None and math.isfinite(value):
            self.first_loss = value
        if math.isfinite(value):
            limit = None if self.max_growth is None else self.max_growth * max(self.first_loss, 1)
            if limit is None or abs(value) <= limit:
                return
            what = f"exploded to {value:.3g} (more than {self.max_growth:g} times its first value)"
        else:
            what = f"became {value}"
        lr = ", ".join(f"{group['lr']:.3g}" for group in trainer.optimizers[0].param_groups)
        raise DivergenceError(
            f"the training loss {what} at step {trainer.global_step} (epoch "
            f"{trainer.current_epoch}, batch {trainer.fit_loop.epoch_loop.batch_idx}) with "
            f"learning rate {lr}: the run diverged. Lower the learning rate (optimizer.lr=…) or "
            "clip the gradients (trainer.gradient_clip_val=1.0). The checkpoints already saved "
            "are intact."
        )
