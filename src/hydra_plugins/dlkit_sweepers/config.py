"""The sweepers' configs, registered as `hydra/sweeper: grid` and `hydra/sweeper: optuna`."""

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore


@dataclass
class GridSweeperConf:
    """Hydra's basic (cartesian product) sweeper that records a failing job and goes on."""

    _target_: str = "hydra_plugins.dlkit_sweepers.grid_sweeper.GridSweeper"
    # jobs handed to the launcher at once; null: all of them
    max_batch_size: int | None = None
    # the search space as overrides, e.g. {optimizer.lr: "1e-3,1e-2"}
    params: dict[str, str] | None = None


@dataclass
class OptunaSweeperConf:
    """A search on a current Optuna release: persistent, resumable, with pruning."""

    _target_: str = "hydra_plugins.dlkit_sweepers.optuna_sweeper.OptunaSweeper"
    # sampler and pruner stay configs until the study exists (the sampler's seed depends on it)
    _recursive_: bool = False
    # the sampler (`_target_` + arguments); its seed is offset by the trials already in the study.
    # constant_liar: TPE treats the trials still running as bad, not as absent, so parallel
    # trials (n_jobs) spread out instead of all sampling next to the same point.
    # Another class: hydra.sweeper.sampler=null 'hydra.sweeper.sampler={_target_: …, …}'
    sampler: Any = field(
        default_factory=lambda: {
            "_target_": "optuna.samplers.TPESampler",
            "seed": "${seed}",
            "constant_liar": True,
        }
    )
    # stops hopeless trials from their intermediate validation scores; null: no pruning
    # (the job needs the OptunaPruning callback, see configs/hparams_search/)
    pruner: Any = field(
        default_factory=lambda: {
            "_target_": "optuna.pruners.MedianPruner",
            "n_startup_trials": 5,
            "n_warmup_steps": 3,
        }
    )
    # minimize | maximize; null: from the optimized metric (min for losses and errors)
    direction: str | None = None
    # where the study lives (dlkit.sweeps.storage): a journal file (a path ending in .journal),
    # a database URL (sqlite:///….db), or null: in memory (lost when the sweep ends). A relative
    # path is taken from the project root (paths.root_dir).
    storage: str | None = "${paths.log_dir}/optuna.journal"
    # re-running with the same storage and study name continues the study
    study_name: str | None = "${task_name}"
    # the number of finished trials the study should reach (a resumed study counts its old ones)
    n_trials: int = 20
    # trials launched at once (in parallel with hydra/launcher=joblib or slurm)
    n_jobs: int = 1
    # the search space: interval(…), choice(…), range(…), tag(log, interval(…)), or a, b, c.
    # Another space: hydra.sweeper.params=null 'hydra.sweeper.params={key: "choice(…)"}'
    params: Any = None
    # set by the sweeper for each job: the Optuna trial number it runs
    trial: int | None = None


ConfigStore.instance().store(
    group="hydra/sweeper", name="grid", node=GridSweeperConf, provider="dlkit"
)
ConfigStore.instance().store(
    group="hydra/sweeper", name="optuna", node=OptunaSweeperConf, provider="dlkit"
)
