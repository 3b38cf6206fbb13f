"""The Optuna sweeper for a study that many workers share: `hydra/sweeper=optuna_workers`.

Any number of sweeps (workers), on this machine or many, started together or later, work on one
study when they name the same `storage` and `study_name`. What sharing changes from the core's
one-sweep-at-a-time sweeper:

- a trial left running is not simply failed at the start (another worker may be running it):
  only those of a dead process on this machine, and those whose heartbeat lapsed;
- a worker asks for a trial only while the study's finished and running trials (every worker's)
  are fewer than `n_trials`, counting and asking under a lock all workers of the storage share
  (`dlkit_sweep_workers.ask_lock`): the study ends with exactly `n_trials`, each run once;
- a worker's heartbeat keeps its trials alive while they run; the trials of a worker that died
  are failed by the others once it lapses (`dlkit_sweep_workers.heartbeat`);
- each trial names the worker (host, process) and the job folder that ran it;
- a worker with nothing left to ask waits for the others' trials, so the study is complete
  when it ends; a result for a trial another worker has already failed is not recorded.
"""

import logging
import warnings
from pathlib import Path

from hydra.core.utils import JobReturn

from dlkit.config.values import integer, optional, require
from hydra_plugins.dlkit_sweepers.optuna_sweeper import OptunaSweeper

log = logging.getLogger(__name__)


class OptunaWorkersSweeper(OptunaSweeper):
    def __init__(
        self,
        heartbeat_interval: int | None = None,
        grace_period: int | None = None,
        **settings,
    ) -> None:
        super().__init__(**settings)
        self.heartbeat_interval = require(
            "hydra.sweeper.heartbeat_interval", heartbeat_interval, optional(integer(1))
        )
        self.grace_period = require(
            "hydra.sweeper.grace_period", grace_period, optional(integer(1))
        )
        self.storage_value: str | None = None  # resolved, as every job of the sweep gets it
        self.seeded = False

    def open_storage(self, value: str | None):
        from dlkit_sweep_workers.storage import open_storage

        self.storage_value = value
        return open_storage(value, self.heartbeat_interval, self.grace_period)

    def prepare(self, study) -> None:
        """Fail the trials that no worker runs any more: those of a dead process on this
        machine at once, those of any other worker once its heartbeat has lapsed."""
        from dlkit_sweep_workers.heartbeat import fail_stale_trials
        from dlkit_sweep_workers.study import fail_abandoned_trials

        fail_abandoned_trials(study)
        fail_stale_trials(study)

    def ask(self, study, space: dict, storage) -> list:
        """The next trials, while every worker's finished and running trials are fewer than
        `n_trials`: counted and asked under the lock the workers share."""
        from dlkit_sweep_workers.ask_lock import ask_lock
        from dlkit_sweep_workers.heartbeat import fail_stale_trials
        from dlkit_sweep_workers.study import count_trials

        fail_stale_trials(study)  # the trials of workers that died end as failed
        with ask_lock(self.storage_value, storage, study.study_name):
            finished, running, total = count_trials(study)
            free = self.n_trials - finished - running
            if free <= 0:
                return []
            if not self.seeded:  # workers starting together each get a sampler seed of their own
                study.sampler, self.seeded = self._sampler(offset=total), True
            with warnings.catch_warnings():  # the heartbeat is this sweeper's, not optimize's
                warnings.filterwarnings("ignore", "Heartbeat of storage", UserWarning)
                return [study.ask(space) for _ in range(min(self.n_jobs, free))]

    def launch(self, storage, trials: list, batch: list[list[str]]) -> list[JobReturn]:
        """Claim the trials, beat for them while their jobs run, record the jobs' folders."""
        from dlkit_sweep_workers.heartbeat import Heartbeat
        from dlkit_sweep_workers.study import claim, set_folder

        for trial in trials:  # the folder as Hydra names it by default; the job's own, once told
            claim(trial, str(Path(self.config.hydra.sweep.dir) / str(trial.number)))
        # optuna-integration reads the same private id: the storage beats for trial ids
        with Heartbeat(storage, [trial._trial_id for trial in trials]):
            results = super().launch(storage, trials, batch)
        for trial, result in zip(trials, results, strict=True):
            if result.hydra_cfg is not None:
                set_folder(trial, result.hydra_cfg.hydra.runtime.output_dir)
        return results

    def tell(self, study, trial, value: float | None, state) -> None:
        """Record the outcome, unless another worker has already failed the trial."""
        from dlkit_sweep_workers.study import tell_once

        tell_once(study, trial, value, state)

    def finish(self, study, storage) -> None:
        """Wait for the trials other workers still run (failing those whose heartbeat lapses)."""
        from dlkit_sweep_workers.study import wait_for_other_workers

        wait_for_other_workers(study, storage, self.n_trials)
