"""`make lr-find` and `make batch-size-find`: Lightning's Tuner on a run's own data and model.

- The learning-rate finder (Smith's range test, `Tuner.lr_find`) trains a fresh copy of the model
  for `tuner.lr_find.num_training` steps while the rate grows from `min_lr` to `max_lr`; the
  suggestion is the rate where the loss falls fastest (`range_test.steepest_descent`). It writes
  `lr_find.png` (loss against the rate, the suggestion marked) and the suggestion to its run
  folder and says the `make train` line to use. (To train at once at the suggestion: the
  callback `dlkit_diagnostics.lr_finder`, `make train "callbacks=[default,lr_finder]"`.)
- The batch-size finder (`Tuner.scale_batch_size`) doubles the batch size until a step runs out
  of memory (or the batch holds the whole training split, or reaches `max_val`) and suggests the
  largest that fitted: the most the device holds, not the best batch for learning.

Both work on copies: the model is built for them alone, and the Trainer they use has no
callbacks, loggers or checkpoints of the run.
"""

import copy
import logging
import shlex
from collections.abc import Callable

import lightning.pytorch as L
from hydra.core.hydra_config import HydraConfig
from lightning.pytorch.tuner import Tuner
from omegaconf import DictConfig, open_dict

from dlkit.config.overrides import override_key
from dlkit.config.targets import check_targets
from dlkit.runs.console import quiet_libraries
from dlkit.runs.folder import RunFolder
from dlkit.runs.summary import RunSummary, log_failure
from dlkit.training.build import build_datamodule, build_model, build_trainer
from dlkit_diagnostics.files import LR_FIND_PNG
from dlkit_diagnostics.range_test import lr_find_settings, plot_range_test, suggested_rate

log = logging.getLogger(__name__)


def lr_find_command(cfg: DictConfig) -> None:
    """`make lr-find`: the suggestion in summary.json (`lr_find`), the plot beside it."""
    found = _command(cfg, lambda folder: {"lr_find": find_learning_rate(cfg, folder)})
    print(train_command("optimizer.lr", f"{found['lr_find']['suggestion']:.3g}"))


def batch_size_find_command(cfg: DictConfig) -> None:
    """`make batch-size-find`: the suggestion in summary.json (`batch_size_find`)."""
    found = _command(cfg, lambda folder: {"batch_size_find": find_batch_size(cfg)})
    print(train_command("data.batch_size", found["batch_size_find"]["suggestion"]))


def train_command(key: str, value: object) -> str:
    """The `make train` line that trains with `key=value`: the command's own overrides (the same
    data and model) less the finder's settings, quoted for the shell."""
    given = list(HydraConfig.get().overrides.task) if HydraConfig.initialized() else []
    skipped = ("tuner.", "hydra.", key)
    kept = [o for o in given if not override_key(o).startswith(skipped)]
    return shlex.join(["make", "train", *kept, f"{key}={value}"])


def _command(cfg: DictConfig, work: Callable[[RunFolder], dict]) -> dict:
    """The run folder of a tuning command around `work`: summary.json, config.yaml; the result."""
    quiet_libraries()
    folder = RunFolder(cfg.paths.output_dir)
    summary = RunSummary(folder, task_name=cfg.task_name, seed=cfg.seed)
    try:
        check_targets(cfg)
        L.seed_everything(cfg.seed, workers=True)
        result = work(folder)
        folder.save_config(cfg)
        summary.finish("completed", **result)
    except BaseException as error:
        log_failure(log, summary, error, cfg.task_name)
        raise
    return result


def find_learning_rate(cfg: DictConfig, folder: RunFolder) -> dict:
    """The range test on a fresh model: `lr_find.png` in `folder`, the suggestion returned."""
    settings = lr_find_settings(cfg.tuner.lr_find)  # before the data is loaded
    datamodule = build_datamodule(cfg)
    probe = _probe_config(cfg)
    with open_dict(probe):  # the finder's own steps decide the length, whatever the epochs
        probe.trainer.max_epochs, probe.trainer.max_steps = -1, settings["num_training"]
    finder = Tuner(_probe_trainer(probe)).lr_find(
        build_model(probe, datamodule), datamodule=datamodule, update_attr=False, **settings
    )
    lrs, losses = (finder.results["lr"], finder.results["loss"]) if finder else ([], [])
    suggestion = suggested_rate(lrs, losses)
    plot_range_test(lrs, losses, suggestion, folder.picture(LR_FIND_PNG))
    log.info(
        "learning-rate finder: suggested %.3g (%d steps from %g to %g): %s",
        suggestion, len(lrs), settings["min_lr"], settings["max_lr"], folder.picture(LR_FIND_PNG),
    )  # fmt: skip
    return {"suggestion": suggestion, "steps": len(lrs), **settings}


def find_batch_size(cfg: DictConfig) -> dict:
    """The largest batch size (doubling from `init_val`) whose training steps fit in memory."""
    settings = dict(cfg.tuner.batch_size_find)
    datamodule = build_datamodule(cfg)
    probe = _probe_config(cfg)
    size = Tuner(_probe_trainer(probe)).scale_batch_size(
        build_model(probe, datamodule), datamodule=datamodule, **settings
    )
    train_size = len(datamodule.datasets["train"])
    if size >= train_size:  # Lightning stops doubling past the split, not at it
        size, limit = train_size, "the training split (one batch holds all of it)"
    elif size >= settings["max_val"]:
        limit = "tuner.batch_size_find.max_val"
    elif size >= settings["init_val"] * 2 ** (settings["max_trials"] - 1):
        limit = "tuner.batch_size_find.max_trials"
    else:
        limit = "memory (the next doubling ran out)"
    log.info("batch-size finder: batch size %d fits, limited by %s", size, limit)
    return {"suggestion": size, "limited_by": limit, "train_samples": train_size, **settings}


def _probe_config(cfg: DictConfig) -> DictConfig:
    """The run's config for a throwaway model: no schedule (the learning-rate finder brings its
    own, and a schedule would need the length of a run that never happens)."""
    probe = copy.deepcopy(cfg)
    with open_dict(probe):
        probe.scheduler = None
    return probe


def _probe_trainer(cfg: DictConfig):
    return build_trainer(
        cfg, callbacks=[], loggers=[], enable_checkpointing=False, enable_progress_bar=False
    )
