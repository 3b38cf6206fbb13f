"""The divergence guard (`dlkit.callbacks.divergence`) step by step, without a run: the verdict
of each loss, the gradients of a bad step, when the host checks, and the message. Fast enough
to be `make mutation`'s tests for the module; the runs it stops are in test_divergence.py."""

from types import SimpleNamespace

import pytest
import torch

from dlkit.callbacks.divergence import DivergenceError, StopOnDivergence

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
        ([2.0, 2e4, 2.0001e4], 1e4, [0, 0, 1]),  # the limit itself is not yet diverged
    ],
)
def test_the_verdict_of_each_step(losses, max_growth, expected):
    assert _verdicts(losses, max_growth) == [bool(e) for e in expected]


def _trainer(step: int = 0, epoch: int = 0, batch: int = 0, lr: float = 0.1, fn: str = "fit"):
    """What the guard reads of Lightning's Trainer, at one step."""
    return SimpleNamespace(
        fit_loop=SimpleNamespace(epoch_loop=SimpleNamespace(batch_idx=batch)),
        optimizers=[SimpleNamespace(param_groups=[{"lr": lr}])],
        global_step=step,
        current_epoch=epoch,
        state=SimpleNamespace(fn=fn),
    )


def _steps(guard: StopOnDivergence, losses: list[float], **where) -> None:
    for step, loss in enumerate(losses):
        guard.on_before_backward(_trainer(step=step, batch=step, **where), None, torch.tensor(loss))


def test_a_bad_steps_gradients_never_reach_the_optimizer():
    module = torch.nn.Linear(2, 1)
    guard = StopOnDivergence()
    guard.on_train_start(_trainer(), module)
    for loss, kept in ((1.0, True), (NAN, False), (2.0, True)):
        for parameter in module.parameters():
            parameter.grad = torch.ones_like(parameter)
        guard.on_before_backward(_trainer(), module, torch.tensor(loss))
        guard.on_before_optimizer_step(_trainer(), module, None)
        assert all(bool((p.grad == float(kept)).all()) for p in module.parameters()), loss


def test_no_step_yet_leaves_the_gradients_alone():
    module = torch.nn.Linear(2, 1)
    guard = StopOnDivergence()
    guard.on_train_start(_trainer(), module)
    module.weight.grad = torch.ones_like(module.weight)
    guard.on_before_optimizer_step(_trainer(), module, None)
    assert bool((module.weight.grad == 1).all())


def test_the_message_names_the_first_bad_step_its_loss_and_rate():
    guard = StopOnDivergence(max_growth=100.0, check_every_n_steps=0)
    _steps(guard, [2.0, 3.0, 500.0, NAN], epoch=4, lr=0.25)
    with pytest.raises(DivergenceError) as error:
        guard.on_train_epoch_end(_trainer(), None)
    assert str(error.value) == (
        "the training loss exploded to 500 (more than 100 times its first value, 2) at step 2 "
        "(epoch 4, batch 2) with learning rate 0.25: the run diverged. Lower the learning rate "
        "(optimizer.lr=…) or clip the gradients (trainer.gradient_clip_val=1.0). Its gradients "
        "never reached the weights, and the checkpoints already saved are intact."
    )


def test_a_loss_that_is_not_finite_is_named_as_it_became():
    guard = StopOnDivergence(check_every_n_steps=0)
    _steps(guard, [2.0, INF])
    with pytest.raises(DivergenceError, match=r"^the training loss became inf at step 1 "):
        guard.on_train_epoch_end(_trainer(), None)


def test_the_host_checks_every_n_steps_and_forgets_the_good_ones():
    guard = StopOnDivergence(check_every_n_steps=3)
    _steps(guard, [1.0, 1.0])
    guard.on_train_batch_end(_trainer())  # two steps pending: no check yet
    assert len(guard._pending) == 2
    _steps(guard, [1.0])
    guard.on_train_batch_end(_trainer())  # three: checked, all good, cleared
    assert guard._pending == []
    _steps(guard, [1.0, NAN])
    guard.on_train_batch_end(_trainer())  # a bad step waits for the next check
    _steps(guard, [1.0])
    with pytest.raises(DivergenceError, match="became nan at step 1"):
        guard.on_train_batch_end(_trainer())


def test_without_a_step_interval_only_validation_and_epoch_end_check():
    guard = StopOnDivergence(check_every_n_steps=0)
    _steps(guard, [1.0, NAN])
    guard.on_train_batch_end(_trainer())
    guard.on_validation_start(_trainer(fn="validate"), None)  # not a fit: nothing to stop
    assert len(guard._pending) == 2
    with pytest.raises(DivergenceError, match="became nan"):
        guard.on_validation_start(_trainer(fn="fit"), None)
    guard.on_train_epoch_end(_trainer(), None)  # checked and cleared: nothing left to raise


def test_by_default_a_loss_10_000_times_its_first_diverged_checked_every_50_steps():
    guard = StopOnDivergence()
    _steps(guard, [1.0, 1e4] + [1.0] * 47)
    guard.on_train_batch_end(_trainer())  # 49 pending: not yet checked
    _steps(guard, [1.0005e4])
    with pytest.raises(DivergenceError, match=r"exploded to 1e\+04 \(more than 10000 times"):
        guard.on_train_batch_end(_trainer())  # the 50th step: checked
