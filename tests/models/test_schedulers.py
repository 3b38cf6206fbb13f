"""The schedule factories of `dlkit.models.schedulers`, called as `configure_optimizers` calls
them: the rate at each step of a planned length, the peak at the optimizer's `lr`, and a
restored schedule replanned for a longer run. Plain functions on a one-weight optimizer: fast
enough to be `make mutation`'s tests for the module."""

import pytest
import torch
from torch.optim import lr_scheduler as schedules

from dlkit.models import schedulers

PEAK = 0.1


def _optimizer(*rates: float, kind=torch.optim.SGD) -> torch.optim.Optimizer:
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in rates or [PEAK]]
    return kind(groups, lr=PEAK)


def _rates(config: dict, steps: int) -> list[float]:
    """The first group's rate before each of `steps` optimizer steps."""
    optimizer, schedule = config["scheduler"].optimizer, config["scheduler"]
    rates = []
    for _ in range(steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    return rates


def test_one_cycle_warms_up_to_the_peak_then_anneals_far_below():
    config = schedulers.onecycle(_optimizer(), total_steps=100)
    assert config["interval"] == "step" and isinstance(config["scheduler"], schedules.OneCycleLR)
    rates = _rates(config, 100)
    assert rates[0] == pytest.approx(PEAK / 25)  # div_factor
    assert max(rates) == pytest.approx(PEAK) and rates.index(max(rates)) == 24  # a quarter
    assert rates[-1] == pytest.approx(PEAK / 25 / 1e4, rel=1e-6)  # final_div_factor
    assert config["scheduler"].total_steps == 100


def test_one_cycle_takes_its_settings():
    optimizer = _optimizer()
    config = schedulers.onecycle(
        optimizer, total_steps=40, pct_start=0.5, div_factor=10.0, final_div_factor=100.0
    )
    rates = _rates(config, 40)
    assert rates[0] == pytest.approx(PEAK / 10)
    assert rates.index(max(rates)) == 19
    assert rates[-1] == pytest.approx(PEAK / 10 / 100, rel=0.1)


def test_one_cycle_with_an_optimizer_without_momentum():
    """Adagrad has no momentum to cycle (OneCycleLR's default refuses it)."""
    config = schedulers.onecycle(_optimizer(kind=torch.optim.Adagrad), total_steps=20)
    assert max(_rates(config, 20)) == pytest.approx(PEAK)


def test_one_cycle_keeps_plain_sgd_plain():
    """OneCycleLR's default would set momentum 0.95 on an SGD that has none."""
    config = schedulers.onecycle(_optimizer(), total_steps=20)
    optimizer = config["scheduler"].optimizer
    for _ in range(20):
        assert optimizer.param_groups[0]["momentum"] == 0
        optimizer.step()
        config["scheduler"].step()


@pytest.mark.parametrize(
    ("kind", "key"),
    [(lambda groups, lr: torch.optim.SGD(groups, lr=lr, momentum=0.9), "momentum"),
     (torch.optim.Adam, "betas")],
)  # fmt: skip
def test_one_cycle_cycles_a_momentum_the_optimizer_has(kind, key):
    """Against the rate: high (0.95) while it is low, low (0.85) at the peak."""
    config = schedulers.onecycle(_optimizer(kind=kind), total_steps=100)
    optimizer = config["scheduler"].optimizer
    momentum = []
    for _ in range(100):
        value = optimizer.param_groups[0][key]
        momentum.append(value[0] if key == "betas" else value)
        optimizer.step()
        config["scheduler"].step()
    assert momentum[0] == pytest.approx(0.95) and momentum[-1] == pytest.approx(0.95, abs=1e-3)
    assert min(momentum) == pytest.approx(0.85) and momentum.index(min(momentum)) == 24


@pytest.mark.parametrize(("total", "planned", "warmup"), [(4, 4, 2), (3, 4, 2), (1, 4, 2)])
def test_one_cycle_in_a_run_too_short_for_its_phases(total, planned, warmup):
    """OneCycleLR divides by each phase's length: at least two warm-up steps and one after."""
    config = schedulers.onecycle(_optimizer(), total_steps=total)
    assert config["scheduler"].total_steps == planned
    rates = _rates(config, planned)
    assert rates.index(max(rates)) == warmup - 1 and max(rates) == pytest.approx(PEAK)


@pytest.mark.parametrize("pct_start", [0.0, 1.0, -0.1, 1.5])
def test_one_cycle_refuses_a_warmup_share_outside_0_1(pct_start):
    with pytest.raises(ValueError, match=rf"^pct_start must lie in \(0, 1\), got {pct_start}$"):
        schedulers.onecycle(_optimizer(), total_steps=100, pct_start=pct_start)


def test_cosine_anneals_from_the_peak_to_its_floor():
    config = schedulers.cosine(_optimizer(), total_steps=10, min_lr_factor=0.1)
    assert config["interval"] == "step"
    assert isinstance(config["scheduler"], schedules.CosineAnnealingLR)
    assert config["scheduler"].T_max == 10 and config["scheduler"].eta_min == pytest.approx(0.01)
    rates = _rates(config, 11)
    assert rates[0] == pytest.approx(PEAK)
    assert rates[5] == pytest.approx((PEAK + 0.01) / 2)  # halfway: the mean of both ends
    assert rates[10] == pytest.approx(0.01)


def test_cosine_floor_is_a_share_of_the_smallest_group_rate():
    config = schedulers.cosine(_optimizer(0.1, 0.02), total_steps=10, min_lr_factor=0.5)
    assert config["scheduler"].eta_min == pytest.approx(0.01)
    assert schedulers.cosine(_optimizer(), total_steps=10)["scheduler"].eta_min == 0.0


def test_cosine_warms_up_linearly_first():
    config = schedulers.cosine(_optimizer(), total_steps=20, warmup_fraction=0.25)
    schedule = config["scheduler"]
    assert config["interval"] == "step"
    assert isinstance(schedule, schedules.SequentialLR) and schedule._milestones == [5]
    warmup, anneal = schedule._schedulers
    assert warmup.total_iters == 5 and warmup.start_factor == pytest.approx(1e-3)
    assert warmup.end_factor == 1.0 and anneal.T_max == 15
    rates = _rates(config, 21)
    assert rates[0] == pytest.approx(PEAK * 1e-3)
    assert rates[5] == pytest.approx(PEAK) and rates[4] < PEAK
    assert rates[20] == pytest.approx(0.0, abs=1e-9)


def test_cosine_with_every_step_warming_up_still_anneals_one():
    config = schedulers.cosine(_optimizer(), total_steps=4, warmup_fraction=0.9)
    warmup, anneal = config["scheduler"]._schedulers
    assert warmup.total_iters == 3 and anneal.T_max == 1
    assert schedulers.cosine(_optimizer(), total_steps=0)["scheduler"].T_max == 1


@pytest.mark.parametrize("fraction", [1.0, -0.1])
def test_cosine_refuses_a_warmup_share_outside_0_1(fraction):
    with pytest.raises(
        ValueError, match=rf"^warmup_fraction must lie in \[0, 1\), got {fraction}$"
    ):
        schedulers.cosine(_optimizer(), total_steps=10, warmup_fraction=fraction)


def test_cyclic_goes_up_and_down_between_a_tenth_of_the_peak_and_the_peak():
    config = schedulers.cyclic(_optimizer(kind=torch.optim.Adam), total_steps=80)
    schedule = config["scheduler"]
    assert config["interval"] == "step" and isinstance(schedule, schedules.CyclicLR)
    assert schedule.mode == "triangular" and schedule.cycle_momentum is False
    assert schedule.total_size == 20  # 80 steps, 4 cycles
    rates = _rates(config, 41)
    assert rates[0] == pytest.approx(PEAK / 10) and rates[10] == pytest.approx(PEAK)
    assert rates[20] == pytest.approx(PEAK / 10) and rates[40] == pytest.approx(PEAK / 10)


def test_cyclic_takes_its_settings():
    config = schedulers.cyclic(
        _optimizer(0.1, 0.2), total_steps=60, cycles=3, base_lr_divisor=4.0, mode="triangular2"
    )
    schedule = config["scheduler"]
    assert schedule.mode == "triangular2" and schedule.total_size == 20
    assert schedule.base_lrs == pytest.approx([0.025, 0.05])
    assert schedule.max_lrs == pytest.approx([0.1, 0.2])
    assert schedulers.cyclic(_optimizer(), total_steps=3)["scheduler"].total_size == 2
    # a whole number of steps up: 90 steps in 4 cycles go up 11 steps, not 11.25
    assert schedulers.cyclic(_optimizer(), total_steps=90)["scheduler"].total_size == 22


def test_step_decay_multiplies_by_gamma_every_step_size_epochs():
    config = schedulers.step(_optimizer(), total_steps=100)
    schedule = config["scheduler"]
    assert config["interval"] == "epoch" and isinstance(schedule, schedules.StepLR)
    assert schedule.step_size == 10 and schedule.gamma == 0.5
    custom = schedulers.step(_optimizer(), total_steps=100, step_size=3, gamma=0.1)["scheduler"]
    assert custom.step_size == 3 and custom.gamma == 0.1


@pytest.mark.parametrize(("monitor", "mode"), [("val/loss", "min"), ("val/acc", "max")])
def test_plateau_watches_its_metric_in_the_right_direction(monitor, mode):
    config = schedulers.plateau(_optimizer(), total_steps=10, monitor=monitor)
    schedule = config["scheduler"]
    assert config["interval"] == "epoch" and config["monitor"] == monitor
    assert isinstance(schedule, schedules.ReduceLROnPlateau) and schedule.mode == mode
    assert schedule.factor == 0.5 and schedule.patience == 3
    custom = schedulers.plateau(_optimizer(), 10, factor=0.2, patience=7)
    assert custom["monitor"] == "val/loss"  # by default
    assert custom["scheduler"].factor == 0.2 and custom["scheduler"].patience == 7


def test_a_restored_schedule_is_replanned_for_the_run_that_resumes_it():
    planned = schedulers.cosine(_optimizer(), total_steps=200)["scheduler"].state_dict()
    restored = schedulers.cosine(_optimizer(), total_steps=100)["scheduler"]
    _rates({"scheduler": restored}, 60)
    state = schedulers.replanned(restored.state_dict(), planned)
    assert state["T_max"] == 200  # the new length
    assert state["last_epoch"] == 60  # where the checkpoint stands
    assert set(state) == set(restored.state_dict())


def test_replanning_reaches_the_phases_inside_a_sequential_schedule():
    def state(total: int) -> dict:
        return schedulers.cosine(_optimizer(), total, warmup_fraction=0.1)["scheduler"].state_dict()

    restored, planned = state(100), state(300)
    restored["last_epoch"] = 42
    replanned = schedulers.replanned(restored, planned)
    assert replanned["_milestones"] == [30] and replanned["last_epoch"] == 42
    warmup, anneal = replanned["_schedulers"]
    assert warmup["total_iters"] == 30 and anneal["T_max"] == 270


def test_one_cycle_replanned_keeps_its_step_and_takes_the_new_phases():
    planned = schedulers.onecycle(_optimizer(), total_steps=400)["scheduler"].state_dict()
    restored = schedulers.onecycle(_optimizer(), total_steps=100)["scheduler"].state_dict()
    restored["last_epoch"] = 77
    state = schedulers.replanned(restored, planned)
    assert state["total_steps"] == 400 and state["last_epoch"] == 77
    assert state["_schedule_phases"] == planned["_schedule_phases"]


def test_replanning_refuses_a_plan_of_another_shape():
    """A restored sequential schedule whose phases do not match the plan's is not this run's."""
    restored = schedulers.cosine(_optimizer(), 100, warmup_fraction=0.1)["scheduler"].state_dict()
    planned = dict(restored, _schedulers=restored["_schedulers"][:1])
    with pytest.raises(ValueError):
        schedulers.replanned(restored, planned)
