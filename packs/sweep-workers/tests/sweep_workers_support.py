"""Test support that a job started by a test reaches by `_target_`: this folder goes on the
job's PYTHONPATH."""

import json
from pathlib import Path

import lightning.pytorch as L
import torch


class RecordTrainedParams(L.Callback):
    """Each rank writes what it trains with: optimizer, rate, decay, dropout, layer widths."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        optimizer = trainer.optimizers[0]
        record = {
            "optimizer": type(optimizer).__name__,
            "lr": optimizer.defaults["lr"],
            "weight_decay": optimizer.defaults["weight_decay"],
            "dropout": sorted(
                {m.p for m in pl_module.modules() if isinstance(m, torch.nn.Dropout)}
            ),
            "widths": [
                m.out_features for m in pl_module.modules() if isinstance(m, torch.nn.Linear)
            ],
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"rank_{trainer.global_rank}.json").write_text(json.dumps(record))
