"""Pictures people would rather look at than read, written into the run folder.

`learning_curves.png` when fitting ends, `confusion_matrix.png` when testing ends (classification).
Every rank takes part in gathering the test predictions; only rank 0 writes files.
"""

from pathlib import Path

import lightning.pytorch as L
import numpy as np

from dlkit.callbacks.history import MetricHistory


class Reports(MetricHistory):
    def __init__(self, output_dir: str) -> None:
        super().__init__()
        self.output_dir = Path(output_dir)

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.is_global_zero and self.epochs:
            from dlkit.callbacks.plots import plot_learning_curves

            self.output_dir.mkdir(parents=True, exist_ok=True)
            plot_learning_curves(self.epochs, self.output_dir / "learning_curves.png")

    def on_test_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if pl_module.test_targets.update_count == 0:
            return
        predictions = pl_module.test_predictions.compute()  # gathered from every rank
        targets = pl_module.test_targets.compute()
        if not trainer.is_global_zero or getattr(pl_module, "num_classes", None) is None:
            return
        from dlkit.callbacks.plots import plot_confusion_matrix

        num_classes = pl_module.num_classes
        predicted = predictions.argmax(dim=-1).cpu().numpy()
        true = targets.long().cpu().numpy()
        matrix = np.bincount(true * num_classes + predicted, minlength=num_classes**2).reshape(
            num_classes, num_classes
        )
        names = getattr(trainer.datamodule, "class_names", None) or [
            str(c) for c in range(num_classes)
        ]
        self.output_dir.mkdir(parents=True, exist_ok=True)
        plot_confusion_matrix(matrix, names, self.output_dir / "confusion_matrix.png")
