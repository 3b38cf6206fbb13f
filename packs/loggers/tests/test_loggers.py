"""TensorBoard and MLflow, offline: each writes its own files, with the run's pictures, alone or
beside the core's CSV logger and W&B (`logger=many`)."""

from pathlib import Path

import pytest

from dlkit.runs.folder import RunFolder
from dlkit.training.run import train
from tests.helpers import FEW_BATCHES, TINY_MLP, read_summary

TINY = (*TINY_MLP, "trainer.max_epochs=2", *FEW_BATCHES)
PICTURES = {Path(name).stem for name in RunFolder.logged_pictures}


def _train(compose_train, tmp_path: Path, *overrides: str) -> Path:
    cfg = compose_train(*TINY, f"paths.log_dir={tmp_path / 'logs'}", *overrides)
    train(cfg)
    run_dir = Path(cfg.paths.output_dir)
    assert read_summary(run_dir)["status"] == "completed"
    return run_dir


def _check_tensorboard(run_dir: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(run_dir / "tensorboard"), size_guidance={"images": 0})
    accumulator.Reload()
    assert {"train/loss", "val/acc", "test/acc"} <= set(accumulator.Tags()["scalars"])
    assert set(accumulator.Tags()["images"]) == PICTURES
    for tag in PICTURES:
        (image,) = accumulator.Images(tag)
        assert image.width > 100 and image.height > 100


def _check_mlflow(tmp_path: Path) -> None:
    import mlflow

    store = tmp_path / "logs" / "mlflow"
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{store / 'mlflow.db'}")
    (run,) = client.search_runs([client.get_experiment_by_name("train").experiment_id])
    assert {"val/acc", "test/acc"} <= set(run.data.metrics)
    assert "optimizer/lr" in run.data.params
    pictures = client.list_artifacts(run.info.run_id, "pictures")
    assert {Path(artifact.path).name for artifact in pictures} == set(RunFolder.logged_pictures)
    assert {p.name for p in (store / "artifacts").rglob("*.png")} == set(RunFolder.logged_pictures)


def _check_wandb_pictures(run_dir: Path) -> None:
    (run,) = (run_dir / "wandb").glob("offline-run-*")
    images = {p.name for p in (run / "files" / "media" / "images").glob("*.png")}
    assert all(any(image.startswith(f"{stem}_") for image in images) for stem in PICTURES)


def test_tensorboard_logger_writes_metrics_and_pictures(compose_train, tmp_path):
    _check_tensorboard(_train(compose_train, tmp_path, "logger=tensorboard"))


@pytest.mark.slow  # importing mlflow alone takes seconds
def test_mlflow_logger_writes_a_local_store(compose_train, tmp_path):
    _train(compose_train, tmp_path, "logger=mlflow")
    _check_mlflow(tmp_path)


@pytest.mark.slow
def test_many_loggers_at_once(compose_train, tmp_path):
    run_dir = _train(compose_train, tmp_path, "logger=many")
    assert "val/acc" in RunFolder(run_dir).metrics.read_text().splitlines()[0]
    _check_tensorboard(run_dir)
    _check_wandb_pictures(run_dir)
    _check_mlflow(tmp_path)


def test_a_chosen_set_of_loggers(compose_train):
    from hydra.utils import instantiate
    from lightning.pytorch.loggers import CSVLogger

    from dlkit_loggers.tensorboard import TensorBoardLogger

    cfg = compose_train("logger=[csv,tensorboard]")
    assert set(cfg.logger) == {"csv", "tensorboard"}
    assert isinstance(instantiate(cfg.logger.csv), CSVLogger)
    assert isinstance(instantiate(cfg.logger.tensorboard), TensorBoardLogger)


def test_a_tensorboard_that_cannot_take_the_pictures_fails_the_run(compose_train, monkeypatch):
    def refuse(self, path):
        raise OSError("the TensorBoard folder is not writable")

    monkeypatch.setattr("dlkit_loggers.tensorboard.TensorBoardLogger.log_picture", refuse)
    cfg = compose_train(*TINY, "logger=tensorboard")
    with pytest.raises(OSError, match="not writable"):
        train(cfg)
    assert read_summary(cfg)["status"] == "failed"
