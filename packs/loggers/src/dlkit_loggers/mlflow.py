"""MLflow with the run's pictures: Lightning's logger records metrics and parameters, and the
core hands each picture of the run folder (learning curves, confusion matrix) to `log_picture`,
which stores it as an artifact of the MLflow run, where the MLflow UI shows it."""

from pathlib import Path

from lightning.pytorch import loggers


class MLFlowLogger(loggers.MLFlowLogger):
    """Lightning's MLFlowLogger that also keeps the run's pictures among the run's artifacts."""

    #: the artifact folder of the MLflow run that holds the pictures
    pictures_folder = "pictures"

    def log_picture(self, path: Path) -> None:
        """The file at `path` copied into the run's artifacts, under `pictures/`."""
        self.experiment.log_artifact(self.run_id, str(path), artifact_path=self.pictures_folder)
