"""Each experiment logger, offline: it writes its own files, with the run's pictures."""

from pathlib import Path

import pytest
from tests.helpers import FEW_BATCHES, TINY_MLP, read_summary

from dlkit.config.resolvers import wandb_offline
from dlkit.training.run import train

TINY = (*TINY_MLP, "trainer.max_epochs=2", *FEW_BATCHES)


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
    assert {"learning_curves", "confusion_matrix"} <= set(accumulator.Tags()["images"])


def _check_wandb(run_dir: Path) -> None:
    (run,) = (run_dir / "wandb").glob("offline-run-*")
    (history,) = run.glob("run-*.wandb")  # what `wandb sync` uploads: config, metrics, media
    records = history.read_bytes()
    assert all(key in records for key in (b"optimizer", b"val/acc", b"test/acc"))
    images = {p.name.split("_")[0] for p in (run / "files" / "media" / "images").glob("*.png")}
    assert {"learning", "confusion"} <= images


def _check_mlflow(tmp_path: Path) -> None:
    import mlflow

    store = tmp_path / "logs" / "mlflow"
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{store / 'mlflow.db'}")
    (run,) = client.search_runs([client.get_experiment_by_name("train").experiment_id])
    assert {"val/acc", "test/acc"} <= set(run.data.metrics)
    assert "optimizer/lr" in run.data.params or any("lr" in k for k in run.data.params)
    pictures = {p.name for p in store.rglob("*.png")}
    assert pictures == {"learning_curves.png", "confusion_matrix.png"}


@pytest.mark.parametrize("logger", ["tensorboard", "wandb"])
def test_logger_writes_its_files(compose_train, tmp_path, logger):
    run_dir = _train(compose_train, tmp_path, f"logger={logger}")
    {"tensorboard": _check_tensorboard, "wandb": _check_wandb}[logger](run_dir)


@pytest.mark.slow  # importing mlflow alone takes seconds
def test_mlflow_logger_writes_a_local_store(compose_train, tmp_path):
    _train(compose_train, tmp_path, "logger=mlflow")
    _check_mlflow(tmp_path)


@pytest.mark.slow
def test_many_loggers_at_once(compose_train, tmp_path):
    run_dir = _train(compose_train, tmp_path, "logger=many")
    assert (run_dir / "metrics.csv").is_file()
    _check_tensorboard(run_dir)
    _check_wandb(run_dir)
    _check_mlflow(tmp_path)


def test_a_chosen_set_of_loggers(compose_train):
    cfg = compose_train("logger=[csv,tensorboard]")
    assert set(cfg.logger) == {"csv", "tensorboard"}


@pytest.mark.parametrize(
    ("env", "offline"),
    [
        ({}, True),
        ({"WANDB_API_KEY": "x"}, False),
        ({"WANDB_API_KEY": "x", "WANDB_MODE": "offline"}, True),
    ],
)
def test_wandb_is_offline_without_an_api_key(monkeypatch, env, offline):
    monkeypatch.delenv("WANDB_MODE", raising=False)
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert wandb_offline() is offline


def test_a_logger_that_cannot_take_the_results_fails_the_run(compose_train, monkeypatch):
    def refuse(loggers, folder):
        raise OSError("the TensorBoard folder is not writable")

    monkeypatch.setattr("dlkit.runs.loggers.log_pictures", refuse)
    cfg = compose_train(*TINY, "logger=tensorboard")
    with pytest.raises(OSError, match="not writable"):
        train(cfg)
    assert read_summary(cfg)["status"] == "failed"
