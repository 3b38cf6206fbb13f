"""`train` end to end: through Hydra's compose API (as `make train` composes) and through `make`."""

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from dlkit.training.run import train
from tests.helpers import FEW_BATCHES, TINY_MLP, read_summary, run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _tested_samples(summary: dict) -> int:
    return int(np.sum(summary["test_report"]["confusion_matrix"]["counts"]))


def test_debug_fdr_runs_one_batch_of_each_split(compose_train):
    cfg = compose_train("debug=fdr")
    train(cfg)
    summary = read_summary(cfg)
    assert summary["status"] == "completed"
    assert set(summary["test"]) >= {"acc", "loss", "f1"}
    assert _tested_samples(summary) == cfg.data.batch_size  # one test batch
    assert summary["best_checkpoint"] is None  # Lightning's fast_dev_run saves nothing


def test_debug_limit_runs_three_epochs_on_a_fifth_of_each_split(compose_train):
    cfg = compose_train("debug=limit", *TINY_MLP, "callbacks.rich_progress_bar=null")
    train(cfg)
    summary = read_summary(cfg)
    assert summary["status"] == "completed" and summary["epochs"] == 3
    # digits: 270 test images in batches of 64, a fifth of the 5 batches
    assert _tested_samples(summary) == cfg.data.batch_size


def test_debug_profiler_reports_the_time_per_hook(compose_train, caplog):
    cfg = compose_train("debug=profiler", *TINY_MLP, *FEW_BATCHES)
    with caplog.at_level(logging.INFO):
        train(cfg)
    assert read_summary(cfg)["status"] == "completed"
    assert "FIT Profiler Report" in caplog.text and "run_training_epoch" in caplog.text


def test_short_default_run_writes_a_complete_run_folder(compose_train):
    cfg = compose_train("trainer.max_epochs=4")
    value = train(cfg)
    run_dir = Path(cfg.paths.output_dir)

    summary = read_summary(run_dir)
    assert summary["status"] == "completed"
    assert summary["task"] == "classification"
    assert summary["test"]["acc"] > 0.8  # ten classes: chance is 0.1
    assert summary["optimized_metric"] == {"name": "val/acc", "value": summary["val"]["acc"]}
    assert value == summary["val"]["acc"]
    assert summary["seed"] == 42 and summary["duration_s"] > 0

    best = Path(summary["best_checkpoint"])
    assert best.is_file() and best.parent == run_dir / "checkpoints"
    assert (run_dir / "checkpoints" / "last.ckpt").is_file()

    saved = OmegaConf.load(run_dir / "config.yaml")
    assert saved.trainer.max_epochs == 4 and saved.optimized_metric == "val/acc"

    metrics = pd.read_csv(run_dir / "metrics.csv")
    assert {"train/loss", "val/loss", "val/acc", "test/acc"} <= set(metrics.columns)
    assert metrics["train/loss"].notna().sum() == 4  # one row per epoch

    for picture in ("learning_curves.png", "confusion_matrix.png"):
        assert (run_dir / picture).read_bytes()[:8] == PNG_MAGIC


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_each_model_with_sgd_and_step_schedule(compose_train, model):
    cfg = compose_train(f"model={model}", "optimizer=sgd", "scheduler=step", "trainer.max_epochs=2")
    train(cfg)
    assert read_summary(cfg)["test"]["acc"] > 0.5


def test_a_failing_run_says_failed(compose_train):
    cfg = compose_train("data.batch_size=0")
    with pytest.raises(Exception, match="batch_size"):
        train(cfg)
    summary = read_summary(cfg)
    assert summary["status"] == "failed"
    assert "batch_size" in summary["error"]


def test_make_train_passes_overrides_to_hydra(tmp_path):
    run_dir = tmp_path / "run"
    result = run(
        "make",
        "train",
        "model=mlp",
        "trainer.max_epochs=1",
        "extras.print_config=false",
        f"hydra.run.dir={run_dir}",
        f"paths.data_dir={tmp_path / 'data'}",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    saved = OmegaConf.load(run_dir / "config.yaml")
    assert saved.model.net._target_ == "dlkit.models.nets.mlp.MLP"
    assert saved.trainer.max_epochs == 1
    assert read_summary(run_dir)["status"] == "completed"


def test_make_train_args_reach_hydra():
    result = run("make", "train", "model=mlp", "ARGS=--cfg job")
    assert result.returncode == 0, result.stderr[-3000:]
    printed = OmegaConf.create(result.stdout)
    assert printed.model.net._target_ == "dlkit.models.nets.mlp.MLP"


def test_debug_overfit_learns_its_few_batches(compose_train):
    """`make train debug=overfit`: the same three batches every epoch, learned by heart (the
    batch-per-index loaders must survive Lightning's switch to in-order sampling)."""
    cfg = compose_train(
        "debug=overfit", "trainer.max_epochs=15", "callbacks.rich_progress_bar=null"
    )
    train(cfg)
    assert read_summary(cfg)["status"] == "completed"
    metrics = pd.read_csv(Path(cfg.paths.output_dir) / "metrics.csv")
    assert metrics["train/acc"].dropna().iloc[-1] > 0.95
