"""The core's experiment loggers, offline: W&B writes its own files, with the run's pictures;
a set of loggers is chosen on the command line; a logger that fails fails the run."""

from pathlib import Path

import pytest

from dlkit.config.resolvers import wandb_offline
from dlkit.runs.folder import RunFolder
from dlkit.training.run import train
from tests.helpers import FEW_BATCHES, TINY_MLP, read_summary

TINY = (*TINY_MLP, "trainer.max_epochs=2", *FEW_BATCHES)


def test_wandb_logger_writes_an_offline_run(compose_train, tmp_path):
    cfg = compose_train(*TINY, f"paths.log_dir={tmp_path / 'logs'}", "logger=wandb")
    train(cfg)
    run_dir = Path(cfg.paths.output_dir)
    assert read_summary(run_dir)["status"] == "completed"
    (run,) = (run_dir / "wandb").glob("offline-run-*")
    (history,) = run.glob("run-*.wandb")  # what `wandb sync` uploads: config, metrics, media
    records = history.read_bytes()
    assert all(key in records for key in (b"optimizer", b"val/acc", b"test/acc"))
    images = {p.name for p in (run / "files" / "media" / "images").glob("*.png")}
    for name in RunFolder.logged_pictures:
        assert any(image.startswith(f"{Path(name).stem}_") for image in images), name


def test_a_chosen_set_of_loggers(compose_train):
    cfg = compose_train("logger=[csv,wandb]")
    assert set(cfg.logger) == {"csv", "wandb"}


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
        raise OSError("the logger's folder is not writable")

    monkeypatch.setattr("dlkit.runs.loggers.log_pictures", refuse)
    cfg = compose_train(*TINY, "logger=csv")
    with pytest.raises(OSError, match="not writable"):
        train(cfg)
    assert read_summary(cfg)["status"] == "failed"
