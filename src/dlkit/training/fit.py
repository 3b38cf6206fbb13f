"""One model trained and tested: what each run, and each fold of a cross-validation, does.

seed -> data module (splits, dims) -> model sized by the data -> classical baseline (optional)
-> loggers, callbacks, Trainer -> fit -> validate and test the best checkpoint -> the result
that goes into summary.json (with what callbacks add to it: the test report, ...).
"""

import logging
from pathlib import Path

import lightning.pytorch as L
from omegaconf import DictConfig

from dlkit.config.targets import check_targets
from dlkit.runs.distributed import every_rank
from dlkit.runs.folder import RunFolder
from dlkit.runs.loggers import finish_loggers, log_hyperparameters
from dlkit.runs.summary import split_metrics
from dlkit.training.build import (
    build_callbacks,
    build_datamodule,
    build_loggers,
    build_model,
    build_trainer,
)

log = logging.getLogger(__name__)


def fit_and_test(cfg: DictConfig, folder: RunFolder) -> dict:
    """Train on the train split, then score the best checkpoint on val and test."""
    check_targets(cfg)
    L.seed_everything(cfg.seed, workers=True)

    datamodule = build_datamodule(cfg)
    datamodule.write_files(folder)  # what it fitted (text: tokenizer.json)
    model = build_model(cfg, datamodule)
    # the classical baseline on the same split, first: a misfit choice stops before training
    baseline = None
    if cfg.get("baseline"):
        from dlkit.models.baseline import fit_baseline  # scikit-learn's models: when asked for

        baseline = fit_baseline(cfg.baseline, datamodule, model)
    loggers = build_loggers(cfg)
    trainer = build_trainer(cfg, build_callbacks(cfg, loggers), loggers)
    if cfg.get("resume"):  # before the loggers start their files
        from dlkit.runs.resume import continue_csv_logs

        continue_csv_logs(loggers, cfg.ckpt_path)
    log_hyperparameters(loggers, cfg)

    try:
        if cfg.get("train"):
            trainer.fit(model, datamodule=datamodule, ckpt_path=cfg.get("ckpt_path"))
        best = _best_checkpoint(trainer)
        val = trainer.validate(model, datamodule=datamodule, ckpt_path=best, verbose=False)
        test = trainer.test(model, datamodule=datamodule, ckpt_path=best) if cfg.get("test") else []
    except BaseException:
        finish_loggers(loggers, folder, rank_zero=trainer.is_global_zero, failed=True)
        raise
    finish_loggers(loggers, folder, rank_zero=trainer.is_global_zero, failed=False)

    val_scores = split_metrics(_merged(val), "val")
    metric = cfg.optimized_metric
    result = {
        "task": datamodule.task,
        "val": val_scores,
        "test": split_metrics(_merged(test), "test"),
        "best_checkpoint": best,
        "optimized_metric": {"name": metric, "value": val_scores.get(metric.split("/", 1)[1])},
        "epochs": trainer.current_epoch,
        # the samples of each split (the training split after data.train_fraction)
        "samples": {split: len(data) for split, data in datamodule.datasets.items()},
        "storage": datamodule.storage_used,
    }
    # data.skip_bad_files: what was left out, by any rank (each reads the files of its share)
    skipped = list(
        dict.fromkeys(f for files in every_rank(datamodule.skipped_files) for f in files)
    )
    if skipped:
        result["skipped_files"] = {"count": len(skipped), "files": skipped[:20]}
    for callback in trainer.callbacks:  # the test report, a learning-rate finder's suggestion
        result.update(getattr(callback, "run_summary", None) or {})
    if baseline:
        result["baseline"] = baseline
    return result


def _best_checkpoint(trainer: L.Trainer) -> str | None:
    """The best checkpoint's path; None (the weights in memory) when no checkpoint was kept."""
    callback = trainer.checkpoint_callback
    path = getattr(callback, "best_model_path", "") if callback else ""
    if not path:
        log.warning("no best checkpoint was saved: evaluating the weights in memory")
        return None
    return str(Path(path).resolve())


def _merged(results: list[dict]) -> dict:
    """Lightning's [{'test/acc': …}, …] (one dict per data loader) as one dict."""
    return {k: v for result in results for k, v in result.items()}
