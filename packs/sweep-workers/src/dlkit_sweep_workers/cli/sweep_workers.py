"""`make sweep-workers n=4 [overrides…]`: n workers of one Optuna study on this machine.

The overrides are those of `make sweep`; each worker runs them with the workers' sweeper
(`hydra/sweeper=optuna_workers`), and the study (its name and storage) must be one that workers
can share. When they are done, the study summary covers every worker's trials.
"""

import logging
import sys

from dlkit.config.overrides import override_key
from dlkit.errors import ConfigError
from dlkit.runs.startup import prepare_command_line

log = logging.getLogger("sweep-workers")


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="[%(asctime)s][sweep-workers] %(message)s")
    arguments = prepare_command_line(sys.argv[1:])
    try:
        from dlkit_sweep_workers.workers import with_workers_sweeper

        n, overrides = _workers(arguments)
        overrides = with_workers_sweeper(overrides)
        cfg, swept = _compose(overrides)
        from dlkit.sweeps.storage import describe
        from dlkit_sweep_workers.storage import open_storage
        from dlkit_sweep_workers.study_folder import StudyFolder
        from dlkit_sweep_workers.study_summary import load_study, write_study_summary
        from dlkit_sweep_workers.workers import check_shared_study, run_workers

        storage, study_name = check_shared_study(cfg, n, swept)
        open_storage(storage, heartbeat_interval=None, grace_period=None)  # reachable, or why not
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    log.info("%d workers of study %r in %s", n, study_name, describe(storage))
    code = run_workers(n, overrides)
    try:
        study = load_study(storage, study_name)
    except ConfigError as error:  # every worker failed before creating it
        log.error("%s", error)
        return code or 2
    write_study_summary(study, StudyFolder.of_study(cfg.paths.log_dir, study_name))
    return code


def _workers(arguments: list[str]) -> tuple[int, list[str]]:
    """`n=<workers>` and the other arguments (the overrides every worker gets)."""
    given = [a for a in arguments if override_key(a) == "n"]
    if not given:
        raise ConfigError("give the number of workers: make sweep-workers n=4 hparams_search=…")
    text = given[-1].split("=", 1)[1]
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"n={text}: the number of workers must be a whole number, at least 1")
    return int(text), [a for a in arguments if override_key(a) != "n"]


def _compose(overrides: list[str]):
    """The config each worker will compose, and whether the overrides sweep any key (sweep
    overrides are left out: they are the search's)."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    import dlkit  # noqa: F401  (registers the config resolvers)
    from dlkit.config import CONFIG_DIR

    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
        plain = [o.input_line for o in parsed if not o.is_sweep_override()]
        GlobalHydra.instance().clear()
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = compose(config_name="train", overrides=plain, return_hydra_config=True)
        return cfg, len(plain) < len(parsed)
    except (HydraException, OmegaConfBaseException) as error:
        raise ConfigError(str(error).strip().splitlines()[0]) from None


if __name__ == "__main__":
    sys.exit(main())
