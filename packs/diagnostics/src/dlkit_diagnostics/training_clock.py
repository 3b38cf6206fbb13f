"""Seconds spent training and samples per second, logged once per epoch: loss against time.

`time/train_s` is the training time since fitting began, validation left out, and
`time/samples_per_s` the training samples of the epoch over its training time; both land in the
epoch's row of `metrics.csv`, beside the loss. Lightning's `ThroughputMonitor` measures from the
start of training including validation, logs on logging steps rather than per epoch, and warns
without a FLOP count, so this small clock is the template's own. It reads no device value; on
a GPU the times include work still queued at the epoch's end (the metrics read there waits).
"""

import time

import lightning.pytorch as L


class TrainingClock(L.Callback):
    def __init__(self) -> None:
        self.train_s = 0.0  # over the whole fit, checkpointed for a resumed run
        self._epoch_s = 0.0
        self._samples = 0
        self._since: float | None = None

    def _start(self) -> None:
        self._since = time.perf_counter()

    def _stop(self) -> None:
        if self._since is not None:
            self._epoch_s += time.perf_counter() - self._since
            self._since = None

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._epoch_s, self._samples = 0.0, 0
        self._start()

    def on_train_batch_end(self, trainer: L.Trainer, pl_module, outputs, batch, *args) -> None:
        targets = batch[-1] if isinstance(batch, (list, tuple)) else batch
        self._samples += len(targets)  # the shape, not a value: no wait for the device

    def on_validation_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.state.fn == "fit" and not trainer.sanity_checking:
            self._stop()

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.state.fn == "fit" and not trainer.sanity_checking:
            self._start()

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._stop()
        self.train_s += self._epoch_s
        rate = self._samples / self._epoch_s if self._epoch_s > 0 else 0.0
        pl_module.log("time/train_s", self.train_s, on_step=False, on_epoch=True)
        pl_module.log("time/samples_per_s", rate, on_step=False, on_epoch=True)

    def state_dict(self) -> dict:
        return {"train_s": self.train_s}

    def load_state_dict(self, state_dict: dict) -> None:
        self.train_s = float(state_dict["train_s"])
