"""Pictures people would rather look at than read, written into the run folder.

`learning_curves.png` when fitting ends; when testing ends, the held-out report of
`dlkit.reports.held_out` (confusion matrix, per-class scores, ROC/PR curves for two classes;
predicted-vs-true and residual plots for regression), kept in `test_report` for summary.json;
for text, also the test texts most confidently misclassified (`dlkit.reports.misclassified_texts`).
Every rank takes part in gathering the test predictions; only rank 0 writes files.
"""

import lightning.pytorch as L

from dlkit.callbacks.history import MetricHistory
from dlkit.runs.folder import RunFolder


class ReportWriter(MetricHistory):
    def __init__(self, output_dir: str) -> None:
        super().__init__()
        self.folder = RunFolder(output_dir)
        self.test_report: dict | None = None

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.is_global_zero and self.epochs:
            from dlkit.reports.learning_curves import plot_learning_curves  # matplotlib

            self.folder.root.mkdir(parents=True, exist_ok=True)
            plot_learning_curves(self.epochs, self.folder.picture(self.folder.learning_curves_png))

    def on_test_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if pl_module.test_targets.update_count == 0:
            return
        predictions = pl_module.test_predictions.compute().float().cpu().numpy()  # every rank's
        targets = pl_module.test_targets.compute().cpu().numpy()
        if not trainer.is_global_zero:
            return
        from dlkit.reports import held_out  # matplotlib, scikit-learn

        num_classes = getattr(pl_module, "num_classes", None)
        if num_classes is None:
            self.test_report = held_out.regression_report(predictions, targets, self.folder)
            return
        names = getattr(trainer.datamodule, "class_names", None) or [
            str(c) for c in range(num_classes)
        ]
        self.test_report = held_out.classification_report(
            predictions, targets.astype(int), names, self.folder
        )
        if getattr(trainer.datamodule, "modality", None) == "text":
            from dlkit.reports.misclassified_texts import write_misclassified_texts

            texts = trainer.datamodule.texts["test"]
            write_misclassified_texts(
                predictions, targets.astype(int), texts, names, self.folder, trainer.world_size
            )
