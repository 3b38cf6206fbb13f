"""One training job in its run folder: what `make train` runs once the config is composed.

    train(cfg)                        this file: the run folder's summary, how the run ended
      -> run_folds(cfg)               folds.py: a plain split, one fold, or every fold in turn
        -> fit_and_test(cfg)          fit.py: seed, data, model, Trainer, fit, test
          -> build_*(cfg)             build.py: the objects, from the config

It returns the optimized metric, which a sweep (grid or Optuna) compares across jobs.
"""

import logging

from omegaconf import DictConfig

from dlkit.runs.console import print_config_tree, print_result, quiet_libraries
from dlkit.runs.distributed import is_global_zero_process, keep_ranks_in_run_folder
from dlkit.runs.folder import RunFolder
from dlkit.runs.summary import RunSummary, log_failure
from dlkit.training.folds import run_folds

log = logging.getLogger(__name__)


def train(cfg: DictConfig) -> float | None:
    """Run one training job in its run folder; returns the optimized metric (for sweeps)."""
    folder = RunFolder(cfg.paths.output_dir)
    quiet_libraries()
    keep_ranks_in_run_folder()
    if cfg.extras.get("print_config") and is_global_zero_process():
        print_config_tree(cfg)
    summary = RunSummary(folder, task_name=cfg.task_name, seed=cfg.seed, tags=list(cfg.tags))
    if cfg.get("resume"):
        summary.update(resumed_from=cfg.ckpt_path)
    try:
        result = run_folds(cfg, folder)
        print_result(result)
        if check := result.get("overfit_check"):  # debug=overfit: its verdict, last
            log.info("%s", check["verdict"])
        folder.save_config(cfg)
        summary.finish("completed", **result)
    except BaseException as error:
        from dlkit.runs.disk_space import out_of_space

        if full := out_of_space(error, folder):
            log_failure(log, summary, full, "run")
            raise full from error
        log_failure(log, summary, error, "run")
        if isinstance(error, SystemExit) and not error.code:  # Lightning's SIGTERM stop
            raise SystemExit(143) from error
        raise
    return result["optimized_metric"]["value"]
