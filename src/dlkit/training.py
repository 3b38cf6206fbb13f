"""The training flow of DESIGN.md, called by `train.py` once the config is composed:

seed -> data module (splits, dims) -> model sized by the data -> callbacks, loggers, Trainer
-> fit -> validate and test the best checkpoint -> summary.json -> the optimized metric.
"""

import logging
from pathlib import Path

import hydra
import lightning.pytorch as L
from hydra.core.hydra_config import HydraConfig
from hydra.utils import get_class
from lightning.pytorch.callbacks import LearningRateMonitor
from omegaconf import DictConfig, OmegaConf

from dlkit import cross_validation
from dlkit.baseline import fit_baseline
from dlkit.data.errors import DataError
from dlkit.models.compatibility import check_compatible
from dlkit.sweeps.trials import was_pruned
from dlkit.utils.config_tree import print_config_tree, save_config
from dlkit.utils.distributed import is_global_zero_process, keep_ranks_in_run_folder
from dlkit.utils.instantiate import instantiate_named
from dlkit.utils.loggers import finish_loggers
from dlkit.utils.quiet import quiet_libraries
from dlkit.utils.resume import continue_csv_logs
from dlkit.utils.run_folder import RunSummary
from dlkit.utils.secrets import masked
from dlkit.utils.validation import ConfigError, check_arguments

log = logging.getLogger(__name__)

# The score each task reports and checkpoints select on, unless `optimized_metric` says otherwise.
DEFAULT_METRIC = {"classification": "val/acc", "regression": "val/r2"}
# Bad input, not a bug: one message, no traceback (`make train` exits with code 2).
BAD_INPUT = (ConfigError, DataError)


def train(cfg: DictConfig) -> float | None:
    """Run one training job in its run folder; returns the optimized metric (for sweeps)."""
    output_dir = Path(cfg.paths.output_dir)
    quiet_libraries()
    keep_ranks_in_run_folder()
    rank_zero = is_global_zero_process()  # other ranks of a distributed run write nothing
    if cfg.extras.get("print_config") and rank_zero:
        print_config_tree(cfg)
    summary = RunSummary(output_dir, task_name=cfg.task_name, seed=cfg.seed, tags=list(cfg.tags))
    if cfg.get("resume"):
        summary.update(resumed_from=cfg.ckpt_path)
    try:
        result = cross_validation.run(cfg, output_dir)  # a plain split, one fold, or every fold
        if rank_zero:
            save_config(cfg, output_dir)
        summary.finish("completed", **result)
    except BaseException as error:
        status = summary.fail(error, "pruned" if was_pruned(error) else None)
        if status == "pruned":
            log.info("run pruned: %s", error)
        elif isinstance(error, BAD_INPUT):  # its message names the cause and the fix
            log.error("%s", error)
        else:
            log.exception("run %s: %s", status, error)
        if isinstance(error, SystemExit) and not error.code:  # Lightning's SIGTERM stop
            raise SystemExit(143) from error
        raise
    return result["optimized_metric"]["value"]


def fit_and_test(cfg: DictConfig, output_dir: Path) -> dict:
    check_arguments(cfg)
    check_compatible(cfg.model.net._target_, get_class(cfg.data._target_).modality, _choice("data"))
    L.seed_everything(cfg.seed, workers=True)

    datamodule: L.LightningDataModule = hydra.utils.instantiate(cfg.data)
    datamodule.prepare_data()
    datamodule.setup("fit")
    if cfg.optimized_metric is None:
        cfg.optimized_metric = DEFAULT_METRIC[datamodule.task]

    model = hydra.utils.instantiate(
        cfg.model,
        optimizer=hydra.utils.instantiate(cfg.optimizer),
        scheduler=hydra.utils.instantiate(cfg.scheduler) if cfg.scheduler else None,
        **datamodule.model_kwargs(),
    )
    # the classical baseline on the same split, first: a misfit choice stops before training
    baseline = fit_baseline(cfg.baseline, datamodule, model) if cfg.get("baseline") else None
    loggers = instantiate_named(cfg.get("logger"))
    callbacks = instantiate_named(cfg.get("callbacks"))
    if not loggers:  # the learning-rate monitor writes to loggers only, and refuses to run without
        callbacks = [c for c in callbacks if not isinstance(c, LearningRateMonitor)]
    trainer: L.Trainer = hydra.utils.instantiate(
        cfg.trainer, callbacks=callbacks, logger=loggers or False
    )
    if cfg.get("resume"):  # before the loggers start their files
        continue_csv_logs(loggers, _checkpoint_step(cfg.ckpt_path))
    for logger in loggers:
        logger.log_hyperparams(_hyperparameters(cfg))

    try:
        if cfg.get("train"):
            trainer.fit(model, datamodule=datamodule, ckpt_path=cfg.get("ckpt_path"))
        best = _best_checkpoint(trainer)
        val = _strip(
            trainer.validate(model, datamodule=datamodule, ckpt_path=best, verbose=False), "val/"
        )
        test = (
            _strip(trainer.test(model, datamodule=datamodule, ckpt_path=best), "test/")
            if cfg.get("test")
            else {}
        )
    finally:
        finish_loggers(loggers, output_dir, rank_zero=trainer.is_global_zero)

    metric = cfg.optimized_metric
    result = {
        "task": datamodule.task,
        "val": val,
        "test": test,
        "best_checkpoint": best,
        "optimized_metric": {"name": metric, "value": val.get(metric.split("/", 1)[1])},
        "epochs": trainer.current_epoch,
    }
    reports = [c for c in trainer.callbacks if getattr(c, "test_report", None)]
    if reports:  # per-class scores, confusion matrix, ROC/PR areas of the test split
        result["test_report"] = reports[0].test_report
    if baseline:
        result["baseline"] = baseline
    return result


def _choice(group: str) -> str:
    """The option chosen for a config group (`digits` for data=digits), for messages."""
    try:
        return HydraConfig.get().runtime.choices[group]
    except ValueError:  # no Hydra app around (a plain function call)
        return "?"


def _best_checkpoint(trainer: L.Trainer) -> str | None:
    """The best checkpoint's path; None (the weights in memory) when no checkpoint was kept."""
    callback = trainer.checkpoint_callback
    path = getattr(callback, "best_model_path", "") if callback else ""
    if not path:
        log.warning("no best checkpoint was saved: evaluating the weights in memory")
        return None
    return str(Path(path).resolve())


def _strip(results: list[dict], prefix: str) -> dict[str, float]:
    """Lightning's [{'test/acc': …}] as {'acc': …}."""
    merged = {k: v for result in results for k, v in result.items()}
    return {k.removeprefix(prefix): float(v) for k, v in merged.items() if k.startswith(prefix)}


def _hyperparameters(cfg: DictConfig) -> dict:
    """The config as loggers record it (paths and Hydra internals left out)."""
    container = OmegaConf.to_container(masked(cfg), resolve=True)
    container.pop("paths", None)
    return container


def _checkpoint_step(path: str) -> int:
    import torch

    return torch.load(path, map_location="cpu", weights_only=True)["global_step"]
