"""Lightning's rich progress bar, minus the work it does after every training batch for nothing.

Lightning's `RichProgressBar` (2.6) fetches and re-renders the logged metrics after every
training batch. This template logs its metrics once per epoch, so between epochs those values
cannot change: fetching them per batch costs a fraction of a millisecond per step (a few percent
of a small net's step on a CPU) and shows nothing new. This bar advances its counter per batch
(rich redraws it `refresh_rate` times a second, in its own thread) and refreshes the metrics when
an epoch ends, as Lightning's bar does then too.
"""

from lightning.pytorch.callbacks import RichProgressBar as LightningRichProgressBar


class RichProgressBar(LightningRichProgressBar):
    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        if not self.is_disabled and self.train_progress_bar_id is None:
            self._initialize_train_progress_bar_id()  # after a mid-epoch restart, as Lightning does
        self._update(self.train_progress_bar_id, batch_idx + 1)
