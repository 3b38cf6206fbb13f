"""Epoch-level metric history, kept by a callback so that plots work with any logger (or none)."""

import lightning.pytorch as L


class MetricHistory(L.Callback):
    """Records `trainer.callback_metrics` after each training epoch (validation has run by then)."""

    def __init__(self) -> None:
        self.epochs: list[dict[str, float]] = []

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.sanity_checking:
            return
        row = {"epoch": trainer.current_epoch}
        row.update({k: float(v) for k, v in trainer.callback_metrics.items() if v.numel() == 1})
        self.epochs.append(row)

    def state_dict(self) -> dict:
        return {"epochs": self.epochs}

    def load_state_dict(self, state_dict: dict) -> None:
        self.epochs = list(state_dict["epochs"])
