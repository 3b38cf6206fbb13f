"""A Hydra sweeper on a current Optuna release: `hydra/sweeper=optuna`.

Why not hydra-optuna-sweeper: it pins optuna<3, its SQL storage breaks under SQLAlchemy 2, it
cannot prune, and a crashed search starts over. Here:

- the study lives in `storage` under `study_name`, so re-running the same command continues it
  (`n_trials` is the number of finished trials the study should reach, old ones included);
- each job is told its trial number (`hydra.sweeper.trial`), so the `OptunaPruning` callback can
  report intermediate validation scores to that trial and stop it when the pruner says so;
- a failing job is recorded as a failed trial and the search goes on; a pruned one as pruned;
- job folders are named by trial number, so a resumed study's folders continue the numbering.
"""

import logging
import math
import os
import socket
from typing import Any

from hydra.core.plugins import Plugins
from hydra.core.utils import JobReturn, JobStatus
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from hydra_plugins.dlkit_sweepers.search_space import (
    distribution,
    override_value,
    params_as_overrides,
    parse_overrides,
)

log = logging.getLogger(__name__)

# user attributes that say which sweep process runs a trial (to spot trials a crash left behind)
HOST, PID = "sweeper_host", "sweeper_pid"


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
        import optuna

        from dlkit.runs.folder import SweepFolder
        from dlkit.sweeps.trials import register_study

        space, fixed = self._search_space(arguments)
        _create_sqlite_folder(self.storage)
        study = optuna.create_study(
            storage=self.storage,
            study_name=self.study_name,
            direction=self.direction or self._direction_from_metric(),
            load_if_exists=True,
        )
        register_study(study)  # jobs in this process reach it directly (also in memory)
        _fail_abandoned_trials(study)
        previous = len(study.trials)
        study.sampler = self._sampler(offset=previous)
        study.pruner = (
            instantiate(self.pruner_cfg) if self.pruner_cfg else optuna.pruners.NopPruner()
        )
        log.info(
            "study %r (%s, %s): %d trials so far, searching %s",
            study.study_name,
            study.direction.name.lower(),
            self.storage or "in memory",
            previous,
            ", ".join(space),
        )
        if _finished(study) >= self.n_trials:
            log.info(
                "study %r is complete: %d finished trials, hydra.sweeper.n_trials=%d. To search "
                "further, raise it: hydra.sweeper.n_trials=%d",
                study.study_name,
                _finished(study),
                self.n_trials,
                _finished(study) + self.n_trials,
            )
            _log_best(study)
            return []
        SweepFolder(self.config.hydra.sweep.dir).save_config(self.config)

        returns: list[JobReturn] = []
        while (remaining := self.n_trials - _finished(study)) > 0:
            trials = [study.ask(space) for _ in range(min(self.n_jobs, remaining))]
            batch = [
                [
                    *fixed,
                    *(f"{k}={override_value(v)}" for k, v in trial.params.items()),
                    f"hydra.sweeper.trial={trial.number}",
                ]
                for trial in trials
            ]
            for trial in trials:
                trial.set_user_attr(HOST, socket.gethostname())
                trial.set_user_attr(PID, os.getpid())
            self.validate_batch_is_legal(batch)
            results = self.launcher.launch(batch, initial_job_idx=trials[0].number)
            for trial, result in zip(trials, results, strict=True):
                _tell(study, trial, result)
            returns.extend(results)
        _log_best(study)
        return returns

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
        already holds, so a resumed search does not replay its first suggestions."""
        cfg = OmegaConf.to_container(OmegaConf.create(self.sampler_cfg), resolve=True)
        if cfg.get("seed") is not None:
            cfg["seed"] = int(cfg["seed"]) + offset
        return instantiate(cfg)


def _create_sqlite_folder(storage: str | None) -> None:
    """SQLite creates its file but not the folder around it (logs/ in a fresh clone)."""
    if storage and storage.startswith("sqlite:///"):
        from pathlib import Path

        from sqlalchemy.engine import make_url

        database = make_url(storage).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)


def _finished(study) -> int:
    from optuna.trial import TrialState

    return len(study.get_trials(states=(TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)))


def _fail_abandoned_trials(study) -> None:
    """Trials left running by a sweep on this machine whose process is gone are failed."""
    from optuna.trial import TrialState

    host = socket.gethostname()
    for trial in study.get_trials(states=(TrialState.RUNNING,)):
        pid = trial.user_attrs.get(PID)
        if trial.user_attrs.get(HOST) == host and pid is not None and not _alive(pid):
            log.warning("trial %d was left running by a stopped sweep: failed", trial.number)
            study.tell(trial.number, state=TrialState.FAIL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _tell(study, trial, result: JobReturn) -> None:
    """Record a job's outcome: its value, pruned, or failed (the search goes on either way)."""
    import optuna
    from optuna.trial import TrialState

    if result.status == JobStatus.COMPLETED:
        value = result.return_value
        if value is None or not math.isfinite(float(value)):
            log.error("trial %d returned %r instead of a number: failed", trial.number, value)
            study.tell(trial, state=TrialState.FAIL)
        else:
            study.tell(trial, float(value))
        return
    error = result._return_value  # JobReturn.return_value would re-raise it
    if isinstance(error, optuna.TrialPruned):
        log.info("trial %d pruned: %s", trial.number, error)
        study.tell(trial, state=TrialState.PRUNED)
    else:
        log.error(
            "trial %d failed (%s: %s); the search goes on",
            trial.number,
            type(error).__name__,
            error,
        )
        study.tell(trial, state=TrialState.FAIL)


def _log_best(study) -> None:
    from optuna.trial import TrialState

    if not study.get_trials(states=(TrialState.COMPLETE,)):
        log.warning("study %r has no completed trial yet", study.study_name)
        return
    best = study.best_trial
    params = " ".join(f"{k}={override_value(v)}" for k, v in best.params.items())
    log.info("best trial of the study: %d, value %.6g: %s", best.number, best.value, params)
