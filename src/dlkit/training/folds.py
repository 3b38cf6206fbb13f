"""k-fold cross-validation around `fit_and_test`: `cv.folds=5` in one command, or one fold per job.

The test split is held out once; the train+val part is divided into `cv.folds` stratified folds by
the data module (`dlkit.data.splits`). Each fold is a complete run of its own in `fold_<k>/`
(fresh model, Trainer, callbacks, checkpoints, config.yaml, summary.json), and the run folder's
summary gathers the folds with their mean and standard deviation (`dlkit.reports.folds`). The
optimized metric returned to a sweep is the mean validation score over the folds, so Optuna
tunes on the cross-validated score.

`cv.fold=<k>` runs fold k alone in the run folder; `make sweep cv.folds=5 cv.fold=0,1,2,3,4`
runs the folds as parallel jobs, aggregated when the sweep ends (`dlkit.sweeps.fold_jobs`).
"""

import copy
import logging

from omegaconf import DictConfig, open_dict

from dlkit.config.checks import cv_problems, message
from dlkit.errors import ConfigError
from dlkit.runs.folder import RunFolder
from dlkit.runs.summary import RunSummary
from dlkit.training.fit import fit_and_test

log = logging.getLogger(__name__)


def run_folds(cfg: DictConfig, folder: RunFolder) -> dict:
    """The training flow for the `cv` settings: a plain split, one fold, or every fold in turn."""
    cv = cfg.get("cv") or {}
    if problems := cv_problems(cv, cfg.get("ckpt_path")):
        raise ConfigError(message(problems))
    folds, fold = cv.get("folds", 1), cv.get("fold")
    if folds == 1:
        return fit_and_test(cfg, folder)
    if fold is not None:  # one fold in this run folder (a job of a parallel-fold sweep)
        _select_fold(cfg, folds, fold)
        return {"fold": fold, "num_folds": folds, **fit_and_test(cfg, folder)}
    return cross_validate(cfg, folder, folds)


def cross_validate(cfg: DictConfig, folder: RunFolder, folds: int) -> dict:
    """Train and test one fresh model per fold, each in `fold_<k>/`; the aggregate over folds."""
    from dlkit.reports.folds import aggregate_folds

    results = []
    for fold in range(folds):
        log.info("cross-validation: fold %d of %d", fold + 1, folds)
        fold_cfg = copy.deepcopy(cfg)
        fold_folder = folder.fold(fold)
        with open_dict(fold_cfg):
            fold_cfg.paths.output_dir = str(fold_folder.root)
        _select_fold(fold_cfg, folds, fold)
        summary = RunSummary(fold_folder, task_name=cfg.task_name, seed=cfg.seed, fold=fold)
        try:
            result = fit_and_test(fold_cfg, fold_folder)
            fold_folder.save_config(fold_cfg)  # `make eval ckpt_path=fold_<k>/…` rebuilds this fold
            summary.finish("completed", num_folds=folds, **result)
        except BaseException as error:
            summary.fail(error)
            raise
        results.append({"fold": fold, **result})
    return aggregate_folds(results, folds)


def _select_fold(cfg: DictConfig, folds: int, fold: int) -> None:
    """The data module splits train+val into `folds` and validates on fold `fold`."""
    with open_dict(cfg):
        cfg.data.num_folds = folds
        cfg.data.fold = fold
