"""A NaN or infinite loss stops the run at once, names the step, and keeps the good checkpoints
(the guard's steps one by one, without a run: test_divergence_guard.py)."""

from pathlib import Path

import pytest
import torch

from dlkit.callbacks.divergence import DivergenceError
from dlkit.training.run import train
from tests.helpers import FEW_BATCHES, read_summary

LIMITS = ("trainer.max_epochs=3", *FEW_BATCHES)


def test_huge_learning_rate_stops_at_the_first_bad_step(compose_train):
    cfg = compose_train("optimizer.lr=1e6", "scheduler=none", *LIMITS)
    with pytest.raises(DivergenceError) as error:
        train(cfg)
    message = str(error.value)
    assert "at step" in message
    assert "optimizer.lr" in message and "trainer.gradient_clip_val" in message
    run = read_summary(Path(cfg.paths.output_dir))
    assert run["status"] == "failed" and "DivergenceError" in run["error"]


def test_divergence_after_an_epoch_keeps_the_last_good_checkpoint(compose_train):
    # a sane first epoch, then the step schedule multiplies the learning rate by 1e9
    cfg = compose_train("scheduler=step", "scheduler.step_size=1", "scheduler.gamma=1e9", *LIMITS)
    with pytest.raises(DivergenceError, match=r"at step (\d+) \(epoch 1"):
        train(cfg)
    run_dir = Path(cfg.paths.output_dir)
    assert read_summary(run_dir)["status"] == "failed"
    last = torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)
    assert last["epoch"] == 0
    weights = last["state_dict"].values()
    assert all(torch.isfinite(w).all() for w in weights if w.is_floating_point())


def test_a_nan_loss_is_named_as_such(compose_train):
    cfg = compose_train("optimizer=sgd", "optimizer.lr=1e30", "scheduler=none", *LIMITS)
    cfg.callbacks.divergence.max_growth = None  # only NaN / inf count
    with pytest.raises(DivergenceError, match=r"became (nan|inf) at step \d+"):
        train(cfg)
