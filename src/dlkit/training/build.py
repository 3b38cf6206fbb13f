"""A run's objects from its config: the one place that instantiates them.

Training, each fold of a cross-validation, `make eval`, `make predict`, `make export` and a
resumed run all build through these functions, so a data module or a model comes out the same
whichever command asks for it. The data module is built first: it tells the model its sizes and
task (`BaseDataModule.model_kwargs`), and the task picks the default metric that checkpointing
and early stopping watch.
"""

import logging

import hydra
import lightning.pytorch as L
from hydra.errors import InstantiationException
from lightning.fabric.utilities.exceptions import MisconfigurationException
from lightning.pytorch.callbacks import LearningRateMonitor
from omegaconf import DictConfig, OmegaConf, open_dict

from dlkit.config.arguments import SWITCH
from dlkit.data.base import BaseDataModule
from dlkit.errors import ConfigError
from dlkit.models.task import TaskModule

log = logging.getLogger(__name__)

# The score each task reports and checkpoints select on, unless `optimized_metric` says otherwise.
DEFAULT_METRIC = {"classification": "val/acc", "regression": "val/r2"}


def build_datamodule(cfg: DictConfig) -> BaseDataModule:
    """The data module, its splits made and its preprocessing fitted (`setup("fit")`)."""
    datamodule: BaseDataModule = hydra.utils.instantiate(cfg.data)
    datamodule.prepare_data()
    datamodule.setup("fit")
    return datamodule


def build_model(cfg: DictConfig, datamodule: BaseDataModule) -> TaskModule:
    """The task module around the net, sized by the data module."""
    return hydra.utils.instantiate(
        cfg.model,
        optimizer=hydra.utils.instantiate(cfg.optimizer),
        scheduler=hydra.utils.instantiate(cfg.scheduler) if cfg.get("scheduler") else None,
        **datamodule.model_kwargs(),
    )


def choose_optimized_metric(cfg: DictConfig, task: str) -> str:
    """`optimized_metric`, or the task's default score when it is null.

    Written into the config before the callbacks are built: their `monitor` (checkpointing,
    pruning) interpolates `${optimized_metric}`, which only the data's task can decide.
    """
    if cfg.get("optimized_metric") is None:
        with open_dict(cfg):
            cfg.optimized_metric = DEFAULT_METRIC[task]
    return cfg.optimized_metric


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
    try:
        return hydra.utils.instantiate(
            cfg.trainer, callbacks=callbacks, logger=loggers or False, **settings
        )
    except InstantiationException as error:
        if not isinstance(error.__cause__, MisconfigurationException):
            raise
        raise ConfigError(
            f"the Trainer cannot start with trainer.accelerator={cfg.trainer.accelerator} "
            f"trainer.devices={cfg.trainer.devices}: {str(error.__cause__).rstrip('.!')}. trainer=gpu and "
            "trainer=ddp need CUDA GPUs, trainer=mps an Apple GPU; without one, use trainer=cpu "
            "(or trainer=ddp_cpu for several processes)"
        ) from error


def _instantiate_named(group: DictConfig | None) -> list:
    """One object per entry of a named group (`callbacks`, `logger`); null entries are removed,
    and so are entries switched off (`enabled: false`, e.g. `callbacks.gradient_flow`)."""
    if not group:
        return []
    objects = []
    for name, entry in group.items():
        if not (isinstance(entry, DictConfig) and "_target_" in entry):
            continue
        if SWITCH in entry:
            if not entry[SWITCH]:
                continue
            entry = OmegaConf.create(OmegaConf.to_container(entry, resolve=True))
            del entry[SWITCH]
        log.debug("instantiating %s <%s>", name, entry._target_)
        objects.append(hydra.utils.instantiate(entry))
    return objects
