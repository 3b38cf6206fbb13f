"""The workers' sweeper (`hydra/sweeper=optuna_workers`), step by step on a journal study: what it
does differently from the core's one-sweep-at-a-time sweeper, because other workers share it."""

import logging
import os
import subprocess
import sys
import time

import optuna
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState

from dlkit.errors import ConfigError
from dlkit_sweep_workers.heartbeat import BEAT
from dlkit_sweep_workers.trial_attrs import BOOT, PID, this_machine
from hydra_plugins.dlkit_sweep_workers.workers_sweeper import OptunaWorkersSweeper
from tests.helpers import compose_config

SPACE = {"optimizer.lr": FloatDistribution(1e-4, 1e-1, log=True)}


def _sweeper(n_trials: int = 4, n_jobs: int = 1, **heartbeat) -> OptunaWorkersSweeper:
    return OptunaWorkersSweeper(
        sampler={"_target_": "optuna.samplers.RandomSampler", "seed": 0},
        pruner=None, direction="maximize", storage=None, study_name="s",
        n_trials=n_trials, n_jobs=n_jobs, params=None, **heartbeat,
    )  # fmt: skip


def _study(tmp_path, sweeper: OptunaWorkersSweeper):
    storage = sweeper.open_storage(str(tmp_path / "o.journal"))
    study = optuna.create_study(storage=storage, study_name="s", direction="maximize")
    return study, storage


def _claim_as(trial, pid: int, machine: dict) -> None:
    for key, value in {**machine, PID: pid}.items():
        trial.set_user_attr(key, value)


def _dead_pid() -> int:
    stopped = subprocess.Popen([sys.executable, "-c", "pass"])
    stopped.wait()  # its pid now belongs to no process
    return stopped.pid


def test_the_workers_sweeper_is_the_optuna_workers_option(tmp_path):
    cfg = compose_config(
        "train", ["hparams_search=digits_mlp_optuna", "hydra/sweeper=optuna_workers"],
        tmp_path, tmp_path,
    )  # fmt: skip
    from hydra.core.hydra_config import HydraConfig

    sweeper = HydraConfig.get().sweeper
    assert sweeper._target_.endswith("workers_sweeper.OptunaWorkersSweeper")
    assert (sweeper.heartbeat_interval, sweeper.grace_period) == (10, 60)
    assert sweeper.storage.endswith("/optuna.journal")  # the file every worker here shares
    assert sweeper.study_name == "digits_mlp" and sweeper.params  # the search's own settings
    assert cfg.optimized_metric == "val/acc"


@pytest.mark.filterwarnings("ignore:Heartbeat of storage:UserWarning")  # asked outside a sweep
def test_trials_of_live_workers_stay_running_those_of_dead_ones_fail(tmp_path):
    sweeper = _sweeper(heartbeat_interval=1, grace_period=60)
    study, _ = _study(tmp_path, sweeper)
    abandoned, live, elsewhere, beating, lapsed = (study.ask(SPACE) for _ in range(5))
    dead = _dead_pid()
    # a worker on another machine of the same host name: its process id means nothing here
    other_machine = {**this_machine(), BOOT: "another-boot-id"}
    _claim_as(abandoned, dead, this_machine())
    _claim_as(live, os.getpid(), this_machine())
    _claim_as(elsewhere, dead, other_machine)
    _claim_as(beating, dead, other_machine)
    _claim_as(lapsed, dead, other_machine)
    storage = study._storage
    storage.set_trial_system_attr(beating._trial_id, BEAT, time.time())
    storage.set_trial_system_attr(lapsed._trial_id, BEAT, time.time() - 120)
    sweeper.prepare(study)
    states = [t.state for t in study.trials]
    assert states == [TrialState.FAIL, *[TrialState.RUNNING] * 3, TrialState.FAIL]


def test_asks_count_the_trials_other_workers_run(tmp_path):
    sweeper = _sweeper(n_trials=4, n_jobs=3)
    study, storage = _study(tmp_path, sweeper)
    study.tell(study.ask(SPACE), 0.5)  # finished
    study.ask(SPACE)  # another worker's, running
    trials = sweeper.ask(study, SPACE, storage)
    assert len(trials) == 2  # 4 - 1 finished - 1 running, though 3 could run at once
    assert sweeper.ask(study, SPACE, storage) == []  # every place taken


def test_workers_that_start_together_draw_different_suggestions(tmp_path):
    first, second = _sweeper(), _sweeper()  # the same seed, as the same command gives
    study, storage = _study(tmp_path, first)
    other_storage = second.open_storage(str(tmp_path / "o.journal"))
    other_study = optuna.load_study(study_name="s", storage=other_storage)
    (mine,) = first.ask(study, SPACE, storage)
    (theirs,) = second.ask(other_study, SPACE, other_storage)
    assert (mine.number, theirs.number) == (0, 1)
    assert mine.params != theirs.params  # seeded by the trials the study held at the first ask


def test_a_trial_another_worker_failed_keeps_its_state(tmp_path, caplog):
    sweeper = _sweeper()
    study, storage = _study(tmp_path, sweeper)
    (trial,) = sweeper.ask(study, SPACE, storage)
    study.tell(trial.number, state=TrialState.FAIL)  # its heartbeat lapsed: another failed it
    with caplog.at_level(logging.WARNING):
        sweeper.tell(study, trial, 0.9, TrialState.COMPLETE)
    assert study.trials[trial.number].state == TrialState.FAIL
    assert f"trial {trial.number} had already been failed by another worker" in caplog.text


@pytest.mark.parametrize(
    ("setting", "value"), [("heartbeat_interval", 0), ("grace_period", -5), ("grace_period", 1.5)]
)
def test_a_heartbeat_setting_out_of_range_is_named(setting, value):
    with pytest.raises(ConfigError, match=f"hydra.sweeper.{setting} must be"):
        _sweeper(**{setting: value})
