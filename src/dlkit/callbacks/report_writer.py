"""Pictures people would rather look at than read, written into the run folder.

`learning_curves.png` when fitting ends; when testing ends, the held-out report of
`dlkit.reports.held_out` (confusion matrix, per-class scores, ROC/PR curves for two classes;
predicted-vs-true and residual plots for regression), kept in `test_report` for summary.json.
Every rank takes part in gathering the test predictions and which test rows they are
(`test_outputs`, for reports that go further); only rank 0 writes files.
"""

from dataclasses import dataclass

import lightning.pytorch as L
import numpy as np
import torch
from torchmetrics import CatMetric

from dlkit.data.sampling import ShardedBatchSampler
from dlkit.runs.folder import RunFolder


@dataclass
class TestOutputs:
    """The test split's predictions and targets; `rows[i]`: the test-split row of sample i."""

    predictions: np.ndarray
    targets: np.ndarray
    rows: np.ndarray


class ReportWriter(L.Callback):
    """Keeps each epoch's metrics (`trainer.callback_metrics` after validation, so that the
    curves work with any logger, or none) and writes the pictures from them and the test split."""

    def __init__(self, output_dir: str) -> None:
        self.epochs: list[dict[str, float]] = []
        self.folder = RunFolder(output_dir)
        self.test_report: dict | None = None
        self.test_outputs: TestOutputs | None = None
        self._rows = CatMetric()
        self._batches: list[list[int]] | None = None
        self._offset = 0

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.sanity_checking:
            return
        row = {"epoch": trainer.current_epoch}
        row.update({k: float(v) for k, v in trainer.callback_metrics.items() if v.numel() == 1})
        self.epochs.append(row)

    def state_dict(self) -> dict:
        return {"epochs": self.epochs}  # a resumed run's curves go on from the checkpoint

    def load_state_dict(self, state_dict: dict) -> None:
        self.epochs = list(state_dict["epochs"])

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.is_global_zero and self.epochs:
            from dlkit.reports.learning_curves import plot_learning_curves  # matplotlib

            self.folder.root.mkdir(parents=True, exist_ok=True)
            plot_learning_curves(self.epochs, self.folder.picture(self.folder.learning_curves_png))

    def on_test_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        # which rows each test batch holds: this rank's share, in order (a plain loader: in turn)
        loader = trainer.test_dataloaders
        loader = loader[0] if isinstance(loader, list) else loader
        # in-memory batches: the sampler's items; streamed files: the batch sampler's
        sampler = getattr(loader, "batch_sampler", None)
        if not isinstance(sampler, ShardedBatchSampler):
            sampler = getattr(loader, "sampler", None)
        self._batches = list(sampler) if isinstance(sampler, ShardedBatchSampler) else None
        self._rows = CatMetric().to(pl_module.device)
        self._offset = 0

    def on_test_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0):
        if self._batches is not None:
            rows = self._batches[batch_idx]
            if len(rows) != len(batch[-1]):  # streamed files skipped (data.skip_bad_files)
                rows = trainer.datamodule.served_rows("test", rows)
            rows = torch.as_tensor(rows, dtype=torch.long)
        else:  # a plain loader in one process: the batches in turn
            rows = torch.arange(self._offset, self._offset + len(batch[-1]))
        self._offset += len(rows)
        self._rows.update(rows.to(pl_module.device))

    def on_test_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if pl_module.test_targets.update_count == 0:
            return
        predictions = pl_module.test_predictions.compute().float().cpu().numpy()  # every rank's
        targets = pl_module.test_targets.compute().cpu().numpy()
        rows = self._rows.compute().long().cpu().numpy()  # gathered in the same rank order
        if not trainer.is_global_zero:
            return
        from dlkit.reports import held_out  # matplotlib, scikit-learn

        self.test_outputs = TestOutputs(predictions, targets, rows)
        num_classes = getattr(pl_module, "num_classes", None)
        if num_classes is None:
            self.test_report = held_out.regression_report(predictions, targets, self.folder)
        else:
            names = getattr(trainer.datamodule, "class_names", None) or [
                str(c) for c in range(num_classes)
            ]
            self.test_report = held_out.classification_report(
                predictions, targets.astype(int), names, self.folder
            )

    @property
    def run_summary(self) -> dict:
        """What summary.json gets from it: the test report."""
        return {"test_report": self.test_report} if self.test_report else {}
