"""`make sweep-summary study_name=S [storage=URL]`: one table and pictures over a whole study.

Every trial of the study, whichever worker (process or machine) ran it:
`dlkit_sweep_workers.study_summary`. The storage defaults to the Optuna sweepers' own default,
so `study_name=…` alone finds a study that `make sweep hparams_search=…` left in the default
journal file.
"""

import logging

import hydra
from omegaconf import DictConfig

from dlkit.config import CONFIG_DIR
from dlkit.config.checks import check_config
from dlkit.errors import ConfigError
from dlkit.runs.startup import start

log = logging.getLogger(__name__)


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="study_summary")
def main(cfg: DictConfig) -> None:
    from dlkit.sweeps.storage import resolve_storage
    from dlkit_sweep_workers.study_folder import StudyFolder
    from dlkit_sweep_workers.study_summary import load_study, write_study_summary

    try:
        check_config(cfg, command="sweep-summary")
        study = load_study(resolve_storage(cfg.storage, cfg.paths.root_dir), cfg.study_name)
    except ConfigError as error:
        log.error("%s", error)
        raise SystemExit(2) from None
    write_study_summary(study, StudyFolder.of_study(cfg.paths.log_dir, cfg.study_name))


if __name__ == "__main__":
    start(main)
