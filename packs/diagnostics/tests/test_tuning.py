"""The learning-rate finder, as a callback of a run (`callbacks=[default,lr_finder]`) and as
`make lr-find`, and the batch-size finder (`make batch-size-find`): Lightning's own, read as
the template reads them (the steepest descent against the log of the rate)."""

import json
from pathlib import Path

import pandas as pd
import pytest
import torch

from dlkit.errors import ConfigError
from dlkit.training.build import build_callbacks
from dlkit.training.run import train
from dlkit_diagnostics import tuning
from dlkit_diagnostics.range_test import steepest_descent
from tests.helpers import (
    FEW_BATCHES,
    TINY,
    TINY_MLP,
    compose_config,
    folders,
    output,
    read_summary,
    run,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WITH_FINDER = "callbacks=[default,lr_finder]"
FINDER_STEPS = "tuner.lr_find.num_training=20"
# one epoch, a constant rate: the rate the run trains at is the one the monitor logs
ONE_EPOCH = (*TINY_MLP, "trainer.max_epochs=1", *FEW_BATCHES, "scheduler=none")


def test_steepest_descent_is_taken_against_the_log_of_the_rate():
    rates = [10 ** (-6 + 6 * i / 59) for i in range(60)]
    # flat, a little noise at the smallest rates, then a steep fall around 1e-2
    losses = [
        2.3 + (0.01 if i % 2 else 0) if r < 1e-3 else 2.3 - (r / 1e-2) for i, r in enumerate(rates)
    ]
    losses = [max(loss, 0.1) for loss in losses]
    found = steepest_descent(rates, losses)
    assert 1e-3 < found < 0.1
    assert steepest_descent(rates[:12], losses[:12]) is None  # too few points after the warm-up


def test_the_finder_callback_trains_at_its_suggestion(compose_train, tmp_path, data_dir):
    cfg = compose_train(*ONE_EPOCH, WITH_FINDER, FINDER_STEPS)
    train(cfg)
    summary = read_summary(cfg)
    assert summary["status"] == "completed"
    found = summary["lr_find"]
    assert found["steps"] == 20 and 1e-6 <= found["suggestion"] <= 1.0
    folder = Path(cfg.paths.output_dir)
    assert (folder / "lr_find.png").read_bytes()[:8] == PNG_MAGIC
    assert not list(folder.glob(".lr_find_*.ckpt"))  # Lightning's temporary checkpoint is gone
    metrics = pd.read_csv(folder / "metrics.csv")
    assert metrics["lr-Adam"].dropna().tolist() == [pytest.approx(found["suggestion"])]
    best = torch.load(summary["best_checkpoint"], weights_only=False)
    assert best["hyper_parameters"]["optimizer"]["lr"] == found["suggestion"]
    # from the initial weights: a run given the suggested rate trains exactly the same
    given = compose_config(
        "train", [*ONE_EPOCH, f"optimizer.lr={found['suggestion']!r}"], tmp_path / "given", data_dir
    )
    train(given)
    assert read_summary(given)["val"] == pytest.approx(summary["val"], rel=1e-6)


def test_too_few_finder_steps_say_what_to_change(compose_train):
    cfg = compose_train(WITH_FINDER, "tuner.lr_find.num_training=5")
    with pytest.raises(ConfigError, match=r"tuner\.lr_find\.num_training must be at least 14"):
        build_callbacks(cfg, loggers=[])


def test_a_rate_range_upside_down_is_named(compose_train):
    cfg = compose_train(WITH_FINDER, "tuner.lr_find.min_lr=0.1", "tuner.lr_find.max_lr=0.01")
    with pytest.raises(ConfigError, match=r"tuner\.lr_find\.max_lr must be greater than 0\.1"):
        build_callbacks(cfg, loggers=[])


def test_batch_size_find_suggests_what_fits(tmp_path, data_dir, capsys):
    cfg = compose_config(
        "batch_size_find",
        [*TINY_MLP, "tuner.batch_size_find.max_trials=4"],
        tmp_path / "run",
        data_dir,
    )
    tuning.batch_size_find_command(cfg)
    found = json.loads((tmp_path / "run" / "summary.json").read_text())["batch_size_find"]
    assert found["suggestion"] == 16  # 2, 4, 8, 16: four trials, all of which fitted
    assert found["limited_by"] == "tuner.batch_size_find.max_trials"
    printed = capsys.readouterr().out
    assert "make train model=mlp 'model.net.hidden_sizes=[32]' data.batch_size=16" in printed


@pytest.mark.slow
def test_make_lr_find_writes_the_plot_and_prints_the_train_line(tmp_path):
    run_dir = tmp_path / "lr_find"
    result = run(
        "make", "lr-find", *TINY, *folders(tmp_path), FINDER_STEPS, f"hydra.run.dir={run_dir}"
    )
    assert result.returncode == 0, output(result)[-3000:]
    summary = read_summary(run_dir)
    assert summary["status"] == "completed" and summary["task_name"] == "lr_find"
    found = summary["lr_find"]
    assert found["steps"] == 20 and 1e-6 <= found["suggestion"] <= 1.0
    assert (run_dir / "lr_find.png").read_bytes()[:8] == PNG_MAGIC
    assert not list(run_dir.glob(".lr_find_*.ckpt"))  # Lightning's temporary checkpoint is gone
    line = "make train model=mlp 'model.net.hidden_sizes=[32]' trainer.max_epochs=2"
    assert line in result.stdout and f"optimizer.lr={found['suggestion']:.3g}" in result.stdout
    assert FINDER_STEPS not in result.stdout  # the finder's settings stay out of it


def test_lr_find_with_too_few_steps_fails_before_the_data_is_read(tmp_path, data_dir, monkeypatch):
    def no_data(cfg):
        raise AssertionError("the data was read before the settings were checked")

    monkeypatch.setattr(tuning, "build_datamodule", no_data)
    cfg = compose_config("lr_find", ["tuner.lr_find.num_training=5"], tmp_path / "run", data_dir)
    with pytest.raises(ConfigError, match=r"tuner\.lr_find\.num_training must be at least 14"):
        tuning.lr_find_command(cfg)
    assert read_summary(tmp_path / "run")["status"] == "failed"


@pytest.mark.slow
def test_make_lr_find_with_too_few_steps_ends_with_one_message(tmp_path):
    result = run("make", "lr-find", *folders(tmp_path), "tuner.lr_find.num_training=5")
    assert result.returncode == 2
    assert "tuner.lr_find.num_training must be at least 14, got 5" in output(result)
    assert "Traceback" not in output(result)
