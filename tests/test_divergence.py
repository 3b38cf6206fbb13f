"""A NaN or infinite loss stops the run at once, names the step, and keeps the good checkpoints."""

from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from dlkit.callbacks.divergence import DivergenceError, StopOnDivergence
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


INF, NAN = float("inf"), float("nan")


def _verdicts(losses: list[float], max_growth: float | None) -> list[bool]:
    """The guard's per-step verdicts (True: diverged) for a run whose losses are `losses`."""
    guard = StopOnDivergence(max_growth=max_growth)
    trainer = SimpleNamespace(
        fit_loop=SimpleNamespace(epoch_loop=SimpleNamespace(batch_idx=0)),
        optimizers=[SimpleNamespace(param_groups=[{"lr": 0.1}])],
        global_step=0,
        current_epoch=0,
    )
    verdicts = []
    for loss in losses:
        guard.on_before_backward(trainer, None, torch.tensor(loss))
        verdicts.append(bool(guard._bad))
    return verdicts


@pytest.mark.parametrize(
    ("losses", "max_growth", "expected"),
    [
        ([2.0, 3.0, 1.9e4, 2.1e4, NAN, INF, -INF], 1e4, [0, 0, 0, 1, 1, 1, 1]),
        ([0.5, 9e3, 1.1e4], 1e4, [0, 0, 1]),  # the limit grows from a first loss of at least 1
        ([INF, 1.0], 1e4, [1, 1]),  # a first step that diverged leaves no limit to trust
        ([NAN, 1.0], 1e4, [1, 1]),
        ([1e36, 1e38, INF], 1e4, [0, 0, 1]),  # a limit past the largest float still stops inf
        ([2.0, 1e30, INF, NAN], None, [0, 0, 1, 1]),  # without max_growth: only NaN and inf
    ],
)
def test_the_verdict_of_each_step(losses, max_growth, expected):
    assert _verdicts(losses, max_growth) == [bool(e) for e in expected]
