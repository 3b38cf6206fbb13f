"""The Optuna trial this job runs, for callbacks that report to it (`OptunaPruning`).

The sweeper tells each job its trial number (`hydra.sweeper.trial`). A job running in the
sweeper's own process (Hydra's basic launcher) finds the study registered here; a job in another
process or on another machine (joblib, SLURM) loads it from the study's persistent storage.
"""

from hydra.core.hydra_config import HydraConfig
from hydra.utils import instantiate

_STUDIES: dict = {}


def register_study(study) -> None:
    _STUDIES[study.study_name] = study


def trial_number() -> int | None:
    """The trial number the sweeper gave this job; None outside an Optuna sweep."""
    if not HydraConfig.initialized():
        return None
    return HydraConfig.get().sweeper.get("trial")


def current_trial():
    """The running `optuna.Trial` of this job, or None outside an Optuna sweep."""
    number = trial_number()
    if number is None:
        return None
    import optuna

    from dlkit.sweeps.storage import open_storage

    sweeper = HydraConfig.get().sweeper
    study = _STUDIES.get(sweeper.study_name)
    if study is None:
        if sweeper.storage is None:
            raise RuntimeError(
                "pruning a trial that runs in another process needs a persistent study: "
                "set hydra.sweeper.storage (e.g. logs/optuna.journal), or use "
                "hydra.sweeper.pruner=null"
            )
        pruner = instantiate(sweeper.pruner) if sweeper.pruner else optuna.pruners.NopPruner()
        # the sweeper hands each job the storage with its file paths made absolute
        study = optuna.load_study(
            study_name=sweeper.study_name, storage=open_storage(sweeper.storage), pruner=pruner
        )
    # Optuna has no public lookup from trial number to trial id (optuna-integration reads
    # the same private fields)
    trial_id = study._storage.get_trial_id_from_study_id_trial_number(study._study_id, number)
    return optuna.trial.Trial(study, trial_id)
