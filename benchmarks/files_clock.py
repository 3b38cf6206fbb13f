"""The clock of `bench_files`: when the first training step starts, when the epoch's last one
ends (before validation) and how many images they took, written to $FILES_CLOCK (a callback the benchmark adds by
`+callbacks.files_clock._target_=files_clock.FilesClock`)."""

import json
import os
import time

import lightning.pytorch as L


class FilesClock(L.Callback):
    def __init__(self) -> None:
        self.first_step: float | None = None
        self.last_step: float | None = None
        self.images = 0

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if self.first_step is None:
            self.first_step = time.time()
        self.images += len(batch[0])

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.last_step = time.time()

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        if os.environ.get("FILES_CLOCK") and trainer.is_global_zero:
            times = {
                "first_step": self.first_step,
                "epoch_end": self.last_step,
                "images": self.images,
            }
            with open(os.environ["FILES_CLOCK"], "w") as file:
                json.dump(times, file)
