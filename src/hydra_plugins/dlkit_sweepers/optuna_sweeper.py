"""A Hydra sweeper on a current Optuna release: `hydra/sweeper=optuna`.

Why not hydra-optuna-sweeper: it pins optuna<3, its SQL storage breaks under SQLAlchemy 2, it
cannot prune, and a crashed search starts over. Here:

- the study lives in `storage` under `study_name`, so re-running the same command continues it
  (`n_trials` is the number of finished trials the study should reach, old ones included);
- each job is told its trial number (`hydra.sweeper.trial`), so the `OptunaPruning` callback can
  report intermediate validation scores to that trial and stop it when the pruner says so;
- a failing job is recorded as a failed trial and the search goes on; a pruned one as pruned;
- job folders are named by trial number, so a resumed study's folders continue the numbering;
- `n_jobs` trials run at once with a parallel launcher (`hydra/launcher=joblib`).

Hydra imports every plugin module whenever a command starts, so what only a search needs
(Optuna, the search space) is imported when a search runs.

One sweep works on a study at a time. The steps a shared study needs differently (opening the
storage, the trials left by others, asking, launching, the end) are the methods between
`open_storage` and `finish`, which a sweeper for a study that workers share overrides.
"""

import logging
import math
import sys
from typing import Any

from hydra.core.plugins import Plugins
from hydra.core.utils import JobReturn, JobStatus
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from dlkit.config.overrides import quoted
from dlkit.errors import ConfigError

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
        self.config: DictConfig | None = None
        self.hydra_context: HydraContext | None = None
        self.launcher = None

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
        from dlkit.sweeps.storage import describe, resolve_storage
        from dlkit.sweeps.trials import register_study

        space, fixed = self._search_space(arguments)
        value = resolve_storage(self.storage, self.config.paths.root_dir)
        if value != self.storage:  # each job opens the same file, wherever it runs
            fixed.append(f"hydra.sweeper.storage={quoted(value)}")
        storage = self.open_storage(value)
        study = optuna.create_study(
            storage=storage,
            study_name=self.study_name,
            direction=self.direction or self._direction_from_metric(),
            load_if_exists=True,
        )
        metric = self.config.get("optimized_metric")
        if metric and "optimized_metric" not in study.user_attrs:
            study.set_user_attr("optimized_metric", metric)  # names the values in summaries
        register_study(study)  # jobs in this process reach it directly (also in memory)
        self.prepare(study)
        study.pruner = (
            instantiate(self.pruner_cfg) if self.pruner_cfg else optuna.pruners.NopPruner()
        )
        log.info(
            "study %r (%s, %s): %d trials so far, searching %s",
            study.study_name,
            study.direction.name.lower(),
            describe(value),
            len(study.trials),
            ", ".join(space),
        )
        finished = sum(t.state.is_finished() for t in study.get_trials(deepcopy=False))
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
        study.sampler = self._sampler(offset=len(study.trials))
        returns: list[JobReturn] = []
        while trials := self.ask(study, space, storage):
            returns.extend(self._run(study, storage, trials, fixed))
        self.finish(study, storage)
        _log_best(study)
        return returns

    def _run(self, study, storage, trials, fixed: list[str]) -> list[JobReturn]:
        """Launch one batch of trials and tell the study how each ended."""
        from hydra_plugins.dlkit_sweepers.search_space import override_value

        batch = [
            [
                *fixed,
                *(f"{k}={override_value(v)}" for k, v in trial.params.items()),
                f"hydra.sweeper.trial={trial.number}",
            ]
            for trial in trials
        ]
        self.validate_batch_is_legal(batch)
        results = self.launch(storage, trials, batch)
        for trial, result in zip(trials, results, strict=True):
            value, state = outcome(result, trial.number)
            self.tell(study, trial, value, state)
        return results

    # ------------------------------------------------------------------ what sharing changes
    def open_storage(self, value: str | None):
        from dlkit.sweeps.storage import open_storage

        return open_storage(value)

    def prepare(self, study) -> None:
        """Trials still running belong to a sweep that stopped (one sweep at a time): failed."""
        from optuna.trial import TrialState

        for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            log.warning("trial %d was left running by a stopped sweep: failed", trial.number)
            study.tell(trial.number, state=TrialState.FAIL)

    def ask(self, study, space: dict, storage) -> list:
        """The next trials, while the study has fewer than `n_trials` finished and running."""
        free = self.n_trials - len(study.get_trials(deepcopy=False))  # none runs between asks
        return [study.ask(space) for _ in range(min(self.n_jobs, max(free, 0)))]

    def launch(self, storage, trials: list, batch: list[list[str]]) -> list[JobReturn]:
        return self.launcher.launch(batch, initial_job_idx=trials[0].number)

    def tell(self, study, trial, value: float | None, state) -> None:
        study.tell(trial, value, state=state)

    def finish(self, study, storage) -> None:
        """The search is over for this sweep."""

    # ------------------------------------------------------------------ helpers
    def _search_space(self, arguments: list[str]) -> tuple[dict, list[str]]:
        """Optuna distributions for the swept keys; the other overrides go to every job as is."""
        from hydra_plugins.dlkit_sweepers.search_space import (
            distribution,
            params_as_overrides,
            parse_overrides,
        )

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
        holds, so that a resumed search does not replay its first suggestions."""
        cfg = OmegaConf.to_container(OmegaConf.create(self.sampler_cfg), resolve=True)
        if cfg.get("seed") is not None:
            cfg["seed"] = int(cfg["seed"]) + offset
        return instantiate(cfg)


def outcome(result: JobReturn, number: int) -> tuple[float | None, Any]:
    """How trial `number`'s job ended, as Optuna records it: (value, state); said in the log."""
    import optuna
    from optuna.trial import TrialState

    if result.status == JobStatus.COMPLETED:
        value = result.return_value
        if value is not None and math.isfinite(float(value)):
            return float(value), TrialState.COMPLETE
        log.error("trial %d returned %r instead of a number: failed", number, value)
        return None, TrialState.FAIL
    error = result._return_value  # JobReturn.return_value would re-raise it
    if isinstance(error, optuna.TrialPruned):
        log.info("trial %d pruned: %s", number, error)
        return None, TrialState.PRUNED
    log.error("trial %d failed (%s: %s); the search goes on", number, type(error).__name__, error)
    return None, TrialState.FAIL


def _log_best(study) -> None:
    from optuna.trial import TrialState

    from hydra_plugins.dlkit_sweepers.search_space import override_value

    if not study.get_trials(states=(TrialState.COMPLETE,)):
        log.warning("study %r has no completed trial yet", study.study_name)
        return
    best = study.best_trial
    params = " ".join(f"{k}={override_value(v)}" for k, v in best.params.items())
    log.info("best trial of the study: %d, value %.6g: %s", best.number, best.value, params)
