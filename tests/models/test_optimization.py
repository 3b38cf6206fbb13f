"""Optimizers and learning-rate schedules: each one fits, and the learning rate the
LearningRateMonitor logs has the schedule's shape."""

from pathlib import Path

import hydra
import numpy as np
import pandas as pd
import pytest
import torch

from dlkit.models import schedulers
from dlkit.training.run import train
from tests.models.probes import GradientNormProbe
from tests.models.synthetic import synthetic_data

EPOCHS = 4
LR_LOGGING = ["callbacks.lr_monitor.logging_interval=step", "trainer.log_every_n_steps=1"]
# what these tests do not look at, left out to keep them fast
LEAN = [
    "~callbacks.reports",
    "~callbacks.rich_progress_bar",
    "~callbacks.model_checkpoint",
    "~callbacks.last_checkpoint",
]


def _fit(compose_train, *overrides: str) -> pd.DataFrame:
    """A short fit of a small MLP on a fabricated table; returns metrics.csv."""
    cfg = compose_train(
        "model=mlp",
        "model.net.hidden_sizes=[32]",
        *synthetic_data("table"),
        f"trainer.max_epochs={EPOCHS}",
        "~callbacks.early_stopping",
        *LEAN,
        *LR_LOGGING,
        *overrides,
    )
    train(cfg)
    return pd.read_csv(Path(cfg.paths.output_dir) / "metrics.csv")


def _learning_rates(metrics: pd.DataFrame, optimizer_name: str) -> np.ndarray:
    """The learning rate logged at each step (LearningRateMonitor names it after the optimizer)."""
    column = f"lr-{optimizer_name}"
    assert column in metrics, f"no {column} in {list(metrics.columns)}"
    return metrics[column].dropna().to_numpy()


def _train_losses(metrics: pd.DataFrame) -> np.ndarray:
    return metrics["train/loss"].dropna().to_numpy()


@pytest.mark.parametrize("name", ["sgd", "momentum", "rmsprop", "adam", "adamw"])
def test_every_optimizer_takes_weight_decay(compose_train, name):
    cfg = compose_train(f"optimizer={name}", "optimizer.weight_decay=0.01")
    optimizer = hydra.utils.instantiate(cfg.optimizer)(params=[torch.nn.Parameter(torch.zeros(2))])
    assert optimizer.param_groups[0]["weight_decay"] == 0.01
    assert optimizer.param_groups[0]["lr"] == cfg.optimizer.lr


# Each optimizer is fitted once, each time with another schedule; the learning rate's shape
# shows the schedule ran, the monitor's column name shows which optimizer did.
def test_sgd_with_step_decay_halves_the_rate_every_epoch(compose_train):
    metrics = _fit(compose_train, "optimizer=sgd", "scheduler=step", "scheduler.step_size=1")
    rates = _learning_rates(metrics, "SGD")
    per_epoch = np.unique(rates)[::-1]
    np.testing.assert_allclose(per_epoch, 0.05 * 0.5 ** np.arange(EPOCHS), rtol=1e-6)
    assert _train_losses(metrics)[-1] < _train_losses(metrics)[0]


def test_nesterov_momentum_without_schedule_keeps_the_rate(compose_train):
    metrics = _fit(compose_train, "optimizer=momentum", "optimizer.nesterov=true", "scheduler=none")
    np.testing.assert_allclose(_learning_rates(metrics, "SGD"), 0.05)
    assert _train_losses(metrics)[-1] < _train_losses(metrics)[0]


def test_adam_with_one_cycle_rises_then_falls(compose_train):
    metrics = _fit(compose_train, "optimizer=adam", "optimizer.lr=0.01", "scheduler=onecycle")
    rates = _learning_rates(metrics, "Adam")
    peak = rates.argmax()
    assert 0 < peak < len(rates) - 1
    assert np.all(np.diff(rates[: peak + 1]) > 0) and np.all(np.diff(rates[peak:]) < 0)
    assert rates.max() == pytest.approx(0.01)
    # the last step reaches the schedule's floor: its length came from the trainer's step count
    assert rates[-1] == pytest.approx(0.01 / 25 / 1e4, rel=1e-3)
    assert _train_losses(metrics)[-1] < _train_losses(metrics)[0]


def test_adamw_with_cosine_warms_up_then_anneals(compose_train):
    metrics = _fit(
        compose_train, "optimizer=adamw", "scheduler=cosine", "scheduler.warmup_fraction=0.25"
    )
    rates = _learning_rates(metrics, "AdamW")
    peak = rates.argmax()
    assert peak == int(0.25 * len(rates))  # linear warm-up over a quarter of the steps
    assert np.all(np.diff(rates[: peak + 1]) > 0) and np.all(np.diff(rates[peak:]) < 0)
    assert rates.max() == pytest.approx(0.003)
    assert rates[-1] < 0.05 * rates.max()
    assert _train_losses(metrics)[-1] < _train_losses(metrics)[0]


def test_rmsprop_with_cyclic_goes_back_and_forth(compose_train):
    metrics = _fit(compose_train, "optimizer=rmsprop", "scheduler=cyclic", "scheduler.cycles=2")
    rates = _learning_rates(metrics, "RMSprop")
    turns = np.diff(np.sign(np.diff(rates)))
    assert (turns < 0).sum() >= 2 and (turns > 0).sum() >= 1  # at least two peaks, a trough between
    assert rates.min() == pytest.approx(0.001 / 10, rel=0.05)
    assert rates.max() == pytest.approx(0.001, rel=0.05)


def test_plateau_cuts_the_rate_when_validation_loss_stalls(compose_train):
    # a step size so small that the validation loss cannot improve: a plateau every epoch
    # (no batch norm, whose running statistics alone would move the validation loss)
    metrics = _fit(
        compose_train,
        "model.net.norm=false",
        "optimizer=sgd",
        "optimizer.lr=1e-7",
        "scheduler=plateau",
        "scheduler.patience=0",
    )
    # the first validation sets the best loss; each later one without improvement halves the rate
    per_epoch = np.unique(_learning_rates(metrics, "SGD"))[::-1]
    np.testing.assert_allclose(per_epoch, 1e-7 * 0.5 ** np.arange(EPOCHS - 1), rtol=1e-6)


def test_plateau_monitors_validation_loss():
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    config = schedulers.plateau(optimizer, total_steps=10)
    assert config["monitor"] == "val/loss" and config["scheduler"].mode == "min"


@pytest.mark.parametrize("name", ["onecycle", "cosine", "cyclic"])
@pytest.mark.parametrize("total_steps", [1, 2, 3, 4, 5, 8])
def test_step_schedules_survive_tiny_runs(name, total_steps):
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=0.1)
    options = {"warmup_fraction": 0.25} if name == "cosine" else {}
    config = getattr(schedulers, name)(optimizer, total_steps=total_steps, **options)
    assert config["interval"] == "step"
    for _ in range(total_steps):
        optimizer.step()
        config["scheduler"].step()
    assert all(np.isfinite(group["lr"]) for group in optimizer.param_groups)


def test_one_cycle_in_a_four_step_run(compose_train):
    """Four steps in all: the run length at which OneCycleLR itself divides by zero. The run
    trains, and its rate still makes one cycle: up to the peak, then down."""
    metrics = _fit(
        compose_train,
        "scheduler=onecycle",
        "trainer.max_epochs=1",
        "++trainer.limit_train_batches=4",
    )
    rates = _learning_rates(metrics, "Adam")
    peak = 0.003  # configs/optimizer/adam.yaml
    assert len(rates) == 4 and np.isfinite(rates).all()
    assert rates[0] == pytest.approx(peak / 25)  # div_factor
    top = int(rates.argmax())
    assert rates[top] == pytest.approx(peak) and 0 < top < 3
    assert np.all(np.diff(rates[: top + 1]) > 0) and np.all(np.diff(rates[top:]) < 0)
    assert np.isfinite(_train_losses(metrics)).all()


def test_an_endless_run_cannot_have_a_schedule(compose_train):
    cfg = compose_train(
        "model=mlp", *synthetic_data("table"), "scheduler=cosine", "trainer.max_epochs=-1"
    )
    with pytest.raises(ValueError, match="max_epochs=-1"):
        train(cfg)


def test_gradient_clipping_from_the_trainer_config(compose_train):
    GradientNormProbe.before_clipping, GradientNormProbe.after_clipping = [], []
    probe = f"+callbacks.probe._target_={GradientNormProbe.__module__}.GradientNormProbe"
    _fit(compose_train, "trainer.gradient_clip_val=0.01", "trainer.max_epochs=1", probe)
    before = np.array(GradientNormProbe.before_clipping)
    after = np.array(GradientNormProbe.after_clipping)
    assert len(before) == len(after) > 0
    assert before.min() > 0.1  # backward's gradients are far larger than the clip value
    np.testing.assert_allclose(after, 0.01, rtol=1e-3)  # the optimizer saw them clipped
