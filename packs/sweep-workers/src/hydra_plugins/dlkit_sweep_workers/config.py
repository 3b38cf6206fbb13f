"""The workers' sweeper config, registered as `hydra/sweeper: optuna_workers`.

The core's Optuna settings (`hydra/sweeper: optuna`) and the heartbeat that lets workers fail
the trials of a worker that died. The default storage is the core's journal file, which every
worker on this machine shares; a database URL (postgresql://…) shares it across machines.
"""

from dataclasses import dataclass

from hydra.core.config_store import ConfigStore

from hydra_plugins.dlkit_sweepers.config import OptunaSweeperConf


@dataclass
class OptunaWorkersSweeperConf(OptunaSweeperConf):
    """An Optuna search that any number of workers share."""

    _target_: str = "hydra_plugins.dlkit_sweep_workers.workers_sweeper.OptunaWorkersSweeper"
    # a running trial's worker records a heartbeat every heartbeat_interval seconds; a trial
    # whose heartbeat is older than grace_period (a worker killed, a machine lost) is failed by
    # the other workers. null: no heartbeat (an in-memory study has none)
    heartbeat_interval: int | None = 10
    grace_period: int | None = 60


ConfigStore.instance().store(
    group="hydra/sweeper", name="optuna_workers", node=OptunaWorkersSweeperConf, provider="dlkit"
)
