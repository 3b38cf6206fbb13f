"""A run's objects from its config: the one place that instantiates them.

Training, each fold of a cross-validation, `make eval`, `make predict`, `make export` and a
resumed run all build through these functions, so a data module or a model comes out the same
whichever command asks for it. The data module is built first: the model's sizes come from it
(`BaseDataModule.model_kwargs`), as the model's config says.
"""

import inspect
import logging
from pathlib import Path
from typing import Any

import hydra
import lightning.pytorch as L
import torch
from hydra.errors import InstantiationException
from hydra.utils import get_class
from lightning.fabric.plugins import TorchCheckpointIO
from lightning.fabric.utilities.exceptions import MisconfigurationException
from lightning.pytorch.callbacks import LearningRateMonitor
from omegaconf import DictConfig

from dlkit.config.targets import check_fit
from dlkit.data.base import BaseDataModule
from dlkit.errors import BadInput, ConfigError
from dlkit.models.task import TaskModule
from dlkit.runs.folder import write_atomic

log = logging.getLogger(__name__)


def build_datamodule(cfg: DictConfig) -> BaseDataModule:
    """The data module, its splits made and its preprocessing fitted (`setup("fit")`)."""
    datamodule: BaseDataModule = _instantiate(cfg.data)
    datamodule.prepare_data()
    datamodule.setup("fit")
    return datamodule


def build_model(
    cfg: DictConfig, datamodule: BaseDataModule, from_checkpoint: bool = False
) -> TaskModule:
    """The LightningModule of `cfg.model`, sized by the data module, with the run's optimizer and
    schedule (their configs: the module builds them when training starts).

    `from_checkpoint`: a checkpoint's weights come next, so a net that loads weights of its own
    when built (one that takes `from_checkpoint`: a pretrained backbone) skips them.
    """
    module = get_class(cfg.model._target_)
    if getattr(module, "task", datamodule.task) != datamodule.task:
        raise ConfigError(
            f"data.task={datamodule.task}, but the model is a {module.task} module "
            f"({module.__name__}): choose task={datamodule.task}, which sets the data's task, "
            "the LightningModule and the optimized metric together"
        )
    kwargs = datamodule.model_kwargs()
    net = get_class(cfg.model.net._target_)
    given = {"input_shape", "num_outputs", *kwargs.get("net_kwargs", {})}
    check_fit(net, cfg.model.net, datamodule.modality, given)
    if from_checkpoint and "from_checkpoint" in inspect.signature(net).parameters:
        kwargs["net_kwargs"] = {**kwargs.get("net_kwargs", {}), "from_checkpoint": True}
    return _instantiate(
        cfg.model, optimizer=cfg.optimizer, scheduler=cfg.get("scheduler"), **kwargs
    )


def build_loggers(cfg: DictConfig) -> list:
    return _instantiate_named(cfg.get("logger"))


def build_callbacks(cfg: DictConfig, loggers: list) -> list:
    callbacks = _instantiate_named(cfg.get("callbacks"))
    if not loggers:  # the learning-rate monitor writes to loggers only, and refuses to run without
        callbacks = [c for c in callbacks if not isinstance(c, LearningRateMonitor)]
    return callbacks


def build_trainer(cfg: DictConfig, callbacks: list, loggers: list, **settings) -> L.Trainer:
    """The Trainer (`settings` on top of `cfg.trainer`); settings it refuses (a GPU that is not
    there) are bad input, one message."""
    # checkpoints written whole or not at all (unless the config brings its own plugins)
    if not (cfg.trainer.get("plugins") or "plugins" in settings):
        settings["plugins"] = [AtomicCheckpointIO()]
    try:
        return hydra.utils.instantiate(
            cfg.trainer, callbacks=callbacks, logger=loggers or False, **settings
        )
    except InstantiationException as error:
        if isinstance(error.__cause__, ValueError):  # a value it does not know: precision=bf17
            raise ConfigError(
                f"the Trainer refuses its settings (trainer.…, configs/trainer/): "
                f"{str(error.__cause__).rstrip('.')}"
            ) from error
        if not isinstance(error.__cause__, MisconfigurationException):
            raise
        raise ConfigError(
            f"the Trainer cannot start with trainer.accelerator={cfg.trainer.accelerator} "
            f"trainer.devices={cfg.trainer.devices}: {str(error.__cause__).rstrip('.!')}. trainer=gpu and "
            "trainer=ddp need CUDA GPUs, trainer=mps an Apple GPU; without one, use trainer=cpu "
            "(or trainer=ddp_cpu for several processes)"
        ) from error


def _instantiate(config: DictConfig, **kwargs):
    """Hydra's instantiate, letting bad input through as itself: Hydra wraps what a constructor
    raises (a data module's missing folder; a net's bad setting, one level deeper, inside the
    LightningModule that builds it) in InstantiationExceptions, which the entry points would
    print as a traceback."""
    try:
        return hydra.utils.instantiate(config, **kwargs)
    except InstantiationException as error:
        cause = error.__cause__
        while isinstance(cause, InstantiationException):
            cause = cause.__cause__
        if isinstance(cause, BadInput):
            raise cause from None
        raise


def _instantiate_named(group: DictConfig | None) -> list:
    """One object per entry of a named group (`callbacks`, `logger`); null entries are left out."""
    if not group:
        return []
    objects = []
    for name, entry in group.items():
        if isinstance(entry, DictConfig) and "_target_" in entry:
            log.debug("instantiating %s <%s>", name, entry._target_)
            objects.append(_instantiate(entry))
    return objects


class AtomicCheckpointIO(TorchCheckpointIO):
    """Lightning's checkpoint writer, made atomic on local disks: Lightning writes a checkpoint
    straight into its file, so a write cut short (a full disk, a killed process) would leave a
    damaged `last.ckpt` behind. Written through a temporary file and renamed
    (`dlkit.runs.folder.write_atomic`), a checkpoint is whole or absent. Remote paths
    (`s3://…`) keep Lightning's own writer."""

    def save_checkpoint(
        self, checkpoint: dict[str, Any], path: Any, storage_options: Any | None = None
    ) -> None:
        if "://" in str(path):
            super().save_checkpoint(checkpoint, path, storage_options)
            return
        write_atomic(Path(path), lambda file: torch.save(checkpoint, file), binary=True)
