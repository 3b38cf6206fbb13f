"""Lightning's Tuner on a run's own data and model: a learning rate and a batch size to start from.

- The learning-rate finder (Smith's range test, `Tuner.lr_find`) trains a fresh copy of the model
  for `tuner.lr_find.num_training` steps while the rate grows from `min_lr` to `max_lr`; the
  suggestion is the rate where the loss falls fastest (`steepest_descent`). `make lr-find` writes `lr_find.png` (loss
  against the rate, the suggestion marked) and the suggestion to its run folder;
  `optimizer.lr=auto` runs it at the start of a training run and trains with the suggestion.
- The batch-size finder (`Tuner.scale_batch_size`) doubles the batch size until a step runs out
  of memory (or the batch holds the whole training split, or reaches `max_val`) and suggests the
  largest that fitted: the most the device holds, not the best batch for learning.

Both work on copies: the model is rebuilt afterwards, and the Trainer they use has no callbacks,
loggers or checkpoints of the run.
"""

import copy
import logging
from collections.abc import Callable

import lightning.pytorch as L
from lightning.pytorch.tuner import Tuner
from omegaconf import DictConfig, open_dict

from dlkit.config.arguments import check_arguments
from dlkit.config.compatibility import check_compatible
from dlkit.config.values import AUTO
from dlkit.data.base import BaseDataModule
from dlkit.errors import ConfigError
from dlkit.runs.console import quiet_libraries
from dlkit.runs.folder import RunFolder
from dlkit.runs.summary import RunSummary, log_failure
from dlkit.training.build import build_datamodule, build_model, build_trainer

log = logging.getLogger(__name__)

SKIP_BEGIN = 10  # the finder's first points, left out of the suggestion (as Lightning does)


def lr_find_command(cfg: DictConfig) -> None:
    """`make lr-find`: the suggestion in summary.json (`lr_find`), the plot beside it."""
    _command(cfg, lambda data, folder: {"lr_find": find_learning_rate(cfg, data, folder)})


def batch_size_find_command(cfg: DictConfig) -> None:
    """`make batch-size-find`: the suggestion in summary.json (`batch_size_find`)."""
    _command(cfg, lambda data, folder: {"batch_size_find": find_batch_size(cfg, data)})


def _command(cfg: DictConfig, work: Callable[[BaseDataModule, RunFolder], dict]) -> None:
    """The run folder of a tuning command around `work`: summary.json, config.yaml."""
    quiet_libraries()
    folder = RunFolder(cfg.paths.output_dir)
    summary = RunSummary(folder, task_name=cfg.task_name, seed=cfg.seed)
    try:
        check_arguments(cfg)
        check_compatible(cfg)
        L.seed_everything(cfg.seed, workers=True)
        result = work(build_datamodule(cfg), folder)
        folder.save_config(cfg)
        summary.finish("completed", **result)
    except BaseException as error:
        log_failure(log, summary, error, cfg.task_name)
        raise


def find_learning_rate(cfg: DictConfig, datamodule: BaseDataModule, folder: RunFolder) -> dict:
    """The range test on a fresh model: `lr_find.png` in `folder`, the suggestion returned."""
    settings = dict(cfg.tuner.lr_find)
    probe = _probe_config(cfg, settings["min_lr"])
    with open_dict(probe):  # the finder's own steps decide the length, whatever the epochs
        probe.trainer.max_epochs, probe.trainer.max_steps = -1, settings["num_training"]
    finder = Tuner(_probe_trainer(probe)).lr_find(
        build_model(probe, datamodule), datamodule=datamodule, update_attr=False, **settings
    )
    lrs, losses = (finder.results["lr"], finder.results["loss"]) if finder else ([], [])
    suggestion, steps = steepest_descent(lrs, losses), len(lrs)
    if suggestion is None:
        raise ConfigError(
            f"the learning-rate finder could not suggest a rate: it recorded {steps} steps, too "
            "few to find where the loss falls fastest (it skips the first 10). Give it more "
            "training batches (trainer.limit_train_batches), more steps "
            "(tuner.lr_find.num_training=…) or a lower top rate (tuner.lr_find.max_lr=…)"
        )
    _plot(lrs, losses, suggestion, folder.picture(RunFolder.lr_find_png))
    log.info(
        "learning-rate finder: suggested %.3g (%d steps from %g to %g): %s",
        suggestion, steps, settings["min_lr"], settings["max_lr"],
        folder.picture(RunFolder.lr_find_png),
    )  # fmt: skip
    return {"suggestion": suggestion, "steps": steps, **settings}


def steepest_descent(lrs: list[float], losses: list[float]) -> float | None:
    """The rate where the loss falls fastest against the log of the rate; None: too few points.

    Lightning's `suggestion()` takes the slope against the rate itself: the first rates are
    so close together that the noise of a few batches there makes the steepest slope, and it
    suggests a rate barely above `min_lr`. Against log rate (fastai's "steep" point) each step
    of the exponential sweep counts the same. The first `SKIP_BEGIN` points are left out, as
    Lightning does: its smoothed loss is biased low there.
    """
    import numpy as np

    lr, loss = np.asarray(lrs[SKIP_BEGIN:-1], float), np.asarray(losses[SKIP_BEGIN:-1], float)
    finite = np.isfinite(loss) & (lr > 0)
    lr, loss = lr[finite], loss[finite]
    if len(lr) < 3:
        return None
    return float(lr[np.argmin(np.gradient(loss, np.log10(lr)))])


def use_found_learning_rate(cfg: DictConfig, datamodule: BaseDataModule, folder: RunFolder):
    """`optimizer.lr=auto`: the finder's suggestion written into the config; its record for
    summary.json, or None when the rate was given."""
    if cfg.optimizer.get("lr") != AUTO:
        return None
    found = find_learning_rate(cfg, datamodule, folder)
    with open_dict(cfg):
        cfg.optimizer.lr = found["suggestion"]
    return found


def find_batch_size(cfg: DictConfig, datamodule: BaseDataModule) -> dict:
    """The largest batch size (doubling from `init_val`) whose training steps fit in memory."""
    settings = dict(cfg.tuner.batch_size_find)
    probe = _probe_config(cfg, cfg.tuner.lr_find.min_lr)
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
    log.info(
        "batch-size finder: batch size %d fits, limited by %s; make train data.batch_size=%d",
        size, limit, size,
    )  # fmt: skip
    return {"suggestion": size, "limited_by": limit, "train_samples": train_size, **settings}


def _probe_config(cfg: DictConfig, placeholder_lr: float) -> DictConfig:
    """The run's config for a throwaway model: a numeric rate in place of `auto`, no schedule
    (the learning-rate finder brings its own)."""
    probe = copy.deepcopy(cfg)
    with open_dict(probe):
        if probe.optimizer.get("lr") == AUTO:
            probe.optimizer.lr = placeholder_lr
        probe.scheduler = None
    return probe


def _probe_trainer(cfg: DictConfig):
    return build_trainer(
        cfg, callbacks=[], loggers=[], enable_checkpointing=False, enable_progress_bar=False
    )


def _plot(lrs: list[float], losses: list[float], suggestion: float, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    skip = SKIP_BEGIN + 1
    ax.plot(lrs[:skip], losses[:skip], color="0.75", label="smoothing warm-up (not used)")
    ax.plot(lrs[SKIP_BEGIN:], losses[SKIP_BEGIN:], color="tab:blue", label="smoothed training loss")
    loss_at = np.interp(np.log10(suggestion), np.log10(lrs), losses)
    ax.plot([suggestion], [loss_at], "o", color="tab:red", markersize=9, label="suggested")
    ax.axvline(suggestion, color="tab:red", ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate (grows each step)")
    ax.set_ylabel("loss")
    ax.set_title(f"learning-rate finder: suggested rate {suggestion:.2g} (steepest descent)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
