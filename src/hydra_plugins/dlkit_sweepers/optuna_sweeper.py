"""A Hydra sweeper on a current Optuna release: `hydra/sweeper=optuna`.

Why not hydra-optuna-sweeper: it pins optuna<3, its SQL storage breaks under SQLAlchemy 2, it
cannot prune, and a crashed search starts over. Here:

- the study lives in `storage` under `study_name`, so re-running the same command continues it
  (`n_trials` is the number of finished trials the study should reach, old ones included);
- any number of sweeps (workers) on one or many machines share a study: each asks for a trial
  only while the study's finished and running trials are fewer than `n_trials`, counting and
  asking under a lock every worker of the storage shares (`dlkit.sweeps.ask_lock`), and a
  worker that has nothing left to ask waits for the others' trials to end;
- a worker's heartbeat keeps its trials alive; the trials of a worker that died are failed by
  the others once it lapses (`dlkit.sweeps.heartbeat`);
- each job is told its trial number (`hydra.sweeper.trial`), so the `OptunaPruning` callback can
  report intermediate validation scores to that trial and stop it when the pruner says so;
- a failing job is recorded as a failed trial and the search goes on; a pruned one as pruned;
- job folders are named by trial number, so a resumed study's folders continue the numbering.
"""

import logging
import sys
import warnings
from typing import Any

from hydra.core.plugins import Plugins
from hydra.core.utils import JobReturn
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from dlkit.config.overrides import quoted
from dlkit.errors import ConfigError
from hydra_plugins.dlkit_sweepers.search_space import (
    distribution,
    override_value,
    params_as_overrides,
    parse_overrides,
)

log = logging.getLogger(__name__)


class OptunaSweeper(Sweeper):
    def __init__(
        self,
        sampler: Any,
        pruner: Any,
        direction: str | None,
        storage: str | None,
        study_name: str | None,
        n_trials: int,
        n_jobs: int,
        params: dict[str, str] | None,
        heartbeat_interval: int | None = None,
        grace_period: int | None = None,
        trial: int | None = None,
    ) -> None:
        if n_trials < 1 or n_jobs < 1:
            raise ValueError("hydra.sweeper.n_trials and hydra.sweeper.n_jobs must be at least 1")
        if direction not in (None, "minimize", "maximize"):
            raise ValueError(
                f"hydra.sweeper.direction must be minimize or maximize, not {direction}"
            )
        self.sampler_cfg, self.pruner_cfg = sampler, pruner
        self.direction = direction
        self.storage = storage
        self.study_name = study_name
        self.n_trials = n_trials
        self.n_jobs = n_jobs
        self.params = params
        self.heartbeat_interval, self.grace_period = heartbeat_interval, grace_period
        self.config: DictConfig | None = None
        self.launcher = None
        self.hydra_context: HydraContext | None = None

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        self.config = config
        self.hydra_context = hydra_context
        self.launcher = Plugins.instance().instantiate_launcher(
            config=config, hydra_context=hydra_context, task_function=task_function
        )

    # ------------------------------------------------------------------ the search
    def sweep(self, arguments: list[str]) -> list[JobReturn]:
        """The search; bad input (a storage that cannot be used) ends it with one message."""
        try:
            return self._search(arguments)
        except ConfigError as error:
            log.error("%s", error)
            sys.exit(2)

    def _search(self, arguments: list[str]) -> list[JobReturn]:
        import optuna

        from dlkit.runs.folder import SweepFolder
        from dlkit.sweeps.ask_lock import ask_lock
        from dlkit.sweeps.heartbeat import fail_stale_trials
        from dlkit.sweeps.storage import describe, open_storage, resolve_storage
        from dlkit.sweeps.study import (
            count_trials,
            fail_abandoned_trials,
            open_study,
            wait_for_other_workers,
        )
        from dlkit.sweeps.trials import register_study

        space, fixed = self._search_space(arguments)
        value = resolve_storage(self.storage, self.config.paths.root_dir)
        if value != self.storage:  # each job opens the same file, wherever it runs
            fixed.append(f"hydra.sweeper.storage={quoted(value)}")
        storage = open_storage(value, self.heartbeat_interval, self.grace_period)
        study = open_study(
            storage,
            self.study_name,
            self.direction or self._direction_from_metric(),
            self.config.get("optimized_metric"),
        )
        register_study(study)  # jobs in this process reach it directly (also in memory)
        fail_abandoned_trials(study)
        fail_stale_trials(study)
        study.pruner = (
            instantiate(self.pruner_cfg) if self.pruner_cfg else optuna.pruners.NopPruner()
        )
        finished, running, previous = count_trials(study)
        log.info(
            "study %r (%s, %s): %d trials so far, searching %s",
            study.study_name,
            study.direction.name.lower(),
            describe(value),
            previous,
            ", ".join(space),
        )
        if finished >= self.n_trials:
            log.info(
                "study %r is complete: %d finished trials, hydra.sweeper.n_trials=%d. To search "
                "further, raise it: hydra.sweeper.n_trials=%d",
                study.study_name,
                finished,
                self.n_trials,
                finished + self.n_trials,
            )
            _log_best(study)
            return []
        SweepFolder(self.config.hydra.sweep.dir).save_config(self.config)

        returns: list[JobReturn] = []
        seeded = False
        while True:
            fail_stale_trials(study)  # the trials of workers that died end as failed
            with ask_lock(value, storage, study.study_name):
                finished, running, total = count_trials(study)
                free = self.n_trials - finished - running
                if free <= 0:
                    break
                if not seeded:  # workers starting together each get a sampler seed of their own
                    study.sampler, seeded = self._sampler(offset=total), True
                with warnings.catch_warnings():  # the heartbeat is ours, not Study.optimize's
                    warnings.filterwarnings("ignore", "Heartbeat of storage", UserWarning)
                    trials = [study.ask(space) for _ in range(min(self.n_jobs, free))]
            returns.extend(self._run(study, storage, trials, fixed))
        wait_for_other_workers(study, storage, self.n_trials)
        _log_best(study)
        return returns

    def _run(self, study, storage, trials, fixed: list[str]) -> list[JobReturn]:
        """Launch one batch of trials and tell the study how each ended."""
        from pathlib import Path

        from dlkit.sweeps.heartbeat import Heartbeat
        from dlkit.sweeps.study import claim, tell

        batch = [
            [
                *fixed,
                *(f"{k}={override_value(v)}" for k, v in trial.params.items()),
                f"hydra.sweeper.trial={trial.number}",
            ]
            for trial in trials
        ]
        self.validate_batch_is_legal(batch)
        for trial in trials:  # the folder as Hydra names it by default; the job's own, once told
            claim(trial, str(Path(self.config.hydra.sweep.dir) / str(trial.number)))
        # optuna-integration reads the same private id: the storage beats for trial ids
        with Heartbeat(storage, [trial._trial_id for trial in trials]):
            results = self.launcher.launch(batch, initial_job_idx=trials[0].number)
        for trial, result in zip(trials, results, strict=True):
            tell(study, trial, result)
        return results

    # ------------------------------------------------------------------ helpers
    def _search_space(self, arguments: list[str]) -> tuple[dict, list[str]]:
        """Optuna distributions for the swept keys; the other overrides go to every job as is."""
        space, fixed = {}, []
        for override in parse_overrides(params_as_overrides(self.params) + list(arguments)):
            if override.is_sweep_override():
                space[override.get_key_element()] = distribution(override)
            else:
                fixed.append(override.input_line)
        if not space:
            raise ValueError(
                "nothing to search: give hydra.sweeper.params (see configs/hparams_search/) "
                "or sweep overrides such as optimizer.lr='interval(1e-4,1e-1)'"
            )
        return space, fixed

    def _direction_from_metric(self) -> str:
        from dlkit.config.resolvers import metric_mode

        metric = self.config.get("optimized_metric")
        return "minimize" if metric_mode(metric) == "min" else "maximize"

    def _sampler(self, offset: int):
        """The configured sampler; a seeded one is reseeded by the number of trials the study
        holds when this worker first asks, so that a resumed search does not replay its first
        suggestions, nor do workers that start together repeat each other's."""
        cfg = OmegaConf.to_container(OmegaConf.create(self.sampler_cfg), resolve=True)
        if cfg.get("seed") is not None:
            cfg["seed"] = int(cfg["seed"]) + offset
        return instantiate(cfg)


def _log_best(study) -> None:
    from optuna.trial import TrialState

    if not study.get_trials(states=(TrialState.COMPLETE,)):
        log.warning("study %r has no completed trial yet", study.study_name)
        return
    best = study.best_trial
    params = " ".join(f"{k}={override_value(v)}" for k, v in best.params.items())
    log.info("best trial of the study: %d, value %.6g: %s", best.number, best.value, params)
