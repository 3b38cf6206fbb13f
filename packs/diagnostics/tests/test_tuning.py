"""Lightning's Tuner as make targets: `make lr-find`, `make batch-size-find`, and
`optimizer.lr=auto` training with the learning-rate finder's suggestion."""

import json
from pathlib import Path

import pytest
from dlkit_diagnostics.tuning import batch_size_find_command, steepest_descent
from omegaconf import OmegaConf
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

from dlkit.config.checks import check_config
from dlkit.errors import ConfigError
from dlkit.training.run import train

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FINDER_STEPS = "tuner.lr_find.num_training=30"


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


@pytest.mark.slow
def test_make_lr_find_writes_the_plot_and_the_suggestion(tmp_path):
    run_dir = tmp_path / "lr_find"
    result = run(
        "make", "lr-find", *TINY, *folders(tmp_path), FINDER_STEPS, f"hydra.run.dir={run_dir}"
    )
    assert result.returncode == 0, output(result)[-3000:]
    summary = read_summary(run_dir)
    assert summary["status"] == "completed" and summary["task_name"] == "lr_find"
    found = summary["lr_find"]
    assert found["steps"] == 30 and 1e-6 <= found["suggestion"] <= 1.0
    assert (run_dir / "lr_find.png").read_bytes()[:8] == PNG_MAGIC
    assert "learning-rate finder: suggested" in output(result)
    assert not list(run_dir.glob(".lr_find_*.ckpt"))  # Lightning's temporary checkpoint is gone


def test_lr_auto_passes_the_config_checks(compose_train):
    check_config(compose_train("optimizer.lr=auto"))


@pytest.mark.slow
def test_lr_auto_trains_with_the_suggestion(compose_train):
    cfg = compose_train(
        *TINY_MLP, "trainer.max_epochs=1", *FEW_BATCHES, FINDER_STEPS, "optimizer.lr=auto"
    )
    train(cfg)
    summary = read_summary(cfg)
    assert summary["status"] == "completed"
    suggestion = summary["lr_find"]["suggestion"]
    saved = OmegaConf.load(f"{cfg.paths.output_dir}/config.yaml")
    assert saved.optimizer.lr == suggestion  # the run trained with it
    assert (Path(cfg.paths.output_dir) / "lr_find.png").read_bytes()[:8] == PNG_MAGIC


def test_lr_auto_with_too_few_steps_says_what_to_change(compose_train):
    cfg = compose_train(
        *TINY_MLP, *FEW_BATCHES, "tuner.lr_find.num_training=5", "optimizer.lr=auto"
    )
    with pytest.raises(ConfigError, match=r"tuner\.lr_find\.num_training"):
        train(cfg)
    assert read_summary(cfg)["status"] == "failed"


@pytest.mark.slow
def test_batch_size_find_suggests_what_fits(tmp_path, data_dir):
    cfg = compose_config(
        "batch_size_find",
        [*TINY_MLP, "tuner.batch_size_find.max_trials=4"],
        tmp_path / "run",
        data_dir,
    )
    batch_size_find_command(cfg)
    found = json.loads((tmp_path / "run" / "summary.json").read_text())["batch_size_find"]
    assert found["suggestion"] == 16  # 2, 4, 8, 16: four trials, all of which fitted
    assert found["limited_by"] == "tuner.batch_size_find.max_trials"
