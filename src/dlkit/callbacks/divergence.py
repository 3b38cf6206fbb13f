"""Stop a diverged run, without the host ever waiting on the device during a training step.

Diverged means a NaN or infinite loss, or a loss that exploded past `max_growth` times its value
at the run's first step (with Adam a learning rate far too high drives the loss to 1e10 and
beyond while it stays finite). Lightning's `EarlyStopping(check_finite=True)` looks only at
validation metrics once per epoch, and `detect_anomaly` slows every step down.

Reading the loss on the host at every step (`loss.item()`) would make a GPU wait for each step
to finish. So, as mixed precision's gradient scaler does, the test runs on the device: a bad
step's gradients are zeroed before the optimizer sees them (they never reach the weights), and
the first bad step is remembered in device tensors. The host reads that record every
`check_every_n_steps` steps and at the end of each epoch, before the checkpoints are written,
and stops the run there with the step, the loss and the learning rate of the first bad step.
"""

import lightning.pytorch as L
import torch

from dlkit.errors import BadInput


class DivergenceError(BadInput):
    """The training loss diverged: settings to change (the learning rate), not a bug to debug,
    so the run ends with this message alone and exit code 2."""


class StopOnDivergence(L.Callback):
    def __init__(self, max_growth: float | None = 1e4, check_every_n_steps: int = 50) -> None:
        self.max_growth = max_growth
        self.check_every_n_steps = check_every_n_steps
        self._first_loss: torch.Tensor | None = None  # the run's first loss, on the device
        self._limit: torch.Tensor | None = None  # the largest loss that is not diverged
        self._bad: torch.Tensor | None = None  # this step's verdict, on the device
        self._parameters: list[torch.Tensor] = []
        # steps since the last check: (bad, loss) on the device, (step, epoch, batch, lr) on the host
        self._pending: list[tuple[torch.Tensor, torch.Tensor, int, int, int, float]] = []

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._parameters = list(pl_module.parameters())

    def on_before_backward(
        self, trainer: L.Trainer, pl_module: L.LightningModule, loss: torch.Tensor
    ) -> None:
        value = loss.detach().float()
        if self._limit is None or self._limit.device != value.device:
            self._first_loss, self._limit = value, self._limit_from(value)
        # one comparison a step: NaN compares false, and the limit is finite, so a NaN, an
        # infinite and an exploded loss all fail it
        bad = (value.abs() <= self._limit).logical_not_()
        self._bad = bad
        epoch_loop = trainer.fit_loop.epoch_loop
        lr = trainer.optimizers[0].param_groups[0]["lr"]
        self._pending.append(
            (bad, value, trainer.global_step, trainer.current_epoch, epoch_loop.batch_idx, lr)
        )

    def _limit_from(self, first: torch.Tensor) -> torch.Tensor:
        """max_growth x the first loss (at least 1), at most the largest float; NaN (every loss
        fails) when the first loss was not finite, since that step itself diverged."""
        largest = torch.finfo(torch.float32).max
        if self.max_growth is None:
            limit = torch.full_like(first, largest)
        else:
            limit = (first.clamp(min=1.0) * self.max_growth).clamp(max=largest)
        return torch.where(torch.isfinite(first), limit, float("nan"))

    def on_before_optimizer_step(
        self, trainer: L.Trainer, pl_module: L.LightningModule, optimizer
    ) -> None:
        if self._bad is None:
            return
        for parameter in self._parameters:
            if parameter.grad is not None:  # a bad step's gradients never reach the weights
                parameter.grad.masked_fill_(self._bad, 0.0)

    def on_train_batch_end(self, trainer: L.Trainer, *args, **kwargs) -> None:
        if self.check_every_n_steps and len(self._pending) >= self.check_every_n_steps:
            self._stop_if_diverged()

    # before validation and at the end of an epoch: before a checkpoint could save bad weights
    def on_validation_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.state.fn == "fit":
            self._stop_if_diverged()

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._stop_if_diverged()

    def _stop_if_diverged(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        verdicts = torch.stack([bad for bad, *_ in pending]).tolist()  # the one read of the device
        if not any(verdicts):
            return
        _, value, step, epoch, batch, lr = pending[verdicts.index(True)]
        value = float(value)
        if torch.isfinite(torch.tensor(value)):
            first = float(self._first_loss)
            what = (
                f"exploded to {value:.3g} (more than {self.max_growth:g} times its first value, "
                f"{first:.3g})"
            )
        else:
            what = f"became {value}"
        raise DivergenceError(
            f"the training loss {what} at step {step} (epoch {epoch}, batch {batch}) with "
            f"learning rate {lr:.3g}: the run diverged. Lower the learning rate (optimizer.lr=…) "
            "or clip the gradients (trainer.gradient_clip_val=1.0). Its gradients never reached "
            "the weights, and the checkpoints already saved are intact."
        )
