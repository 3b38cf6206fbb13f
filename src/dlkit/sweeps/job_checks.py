"""Every job of a grid sweep checked before the first one starts.

A single run stops on a bad config before any work; a sweep checked job by job would train the
good jobs first and report the bad one among the failures, exit code 0
(`make sweep optimizer.lr=1e-3,abc`). So the grid sweeper composes each job's config, as the
launcher will, and runs the checks a run does (the values, then the classes the `_target_`s
name) on all of them first: one message names each bad job, and nothing has run.
"""

from collections.abc import Sequence

from hydra.core.config_loader import ConfigLoader
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from omegaconf import DictConfig, open_dict

from dlkit.config.checks import check_config
from dlkit.errors import BadInput


def bad_jobs(
    config_loader: ConfigLoader, sweep_config: DictConfig, jobs: Sequence[Sequence[str]]
) -> list[str]:
    """One line per job whose config a run would refuse: its number, what sets it apart from the
    other jobs (the values swept) and the reason."""
    from dlkit.config.targets import check_targets  # imports the classes: after the value checks

    previous = HydraConfig.instance().cfg
    shared = set.intersection(*map(set, jobs)) if len(jobs) > 1 else set()
    problems = []
    try:
        for number, overrides in enumerate(jobs):
            try:
                cfg = config_loader.load_sweep_config(sweep_config, list(overrides))
                HydraConfig.instance().set_config(cfg)  # the job's choices, for the messages
                with open_dict(cfg):  # the job's config as its run sees it: no `hydra` node
                    del cfg["hydra"]
                check_config(cfg, command="sweep")
                check_targets(cfg)
            except (BadInput, HydraException) as error:
                swept = " ".join(o for o in overrides if o not in shared)
                problems.append(f"job {number} ({swept}): {error}")
    finally:
        HydraConfig.instance().cfg = previous
    return problems
