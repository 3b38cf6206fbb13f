"""A run's objects from its config: the one place that instantiates them.

Training, each fold of a cross-validation, `make eval`, `make predict`, `make export` and a
resumed run all build through these functions, so a data module or a model comes out the same
whichever command asks for it. The data module is built first: it tells the model its sizes and
task (`BaseDataModule.model_kwargs`), and the task picks the default metric that checkpointing
and early stopping watch.
"""

import logging
from collections.abc import Callable

import hydra
import lightning.pytorch as L
from hydra.errors import InstantiationException
from hydra.utils import get_class
from lightning.fabric.utilities.exceptions import MisconfigurationException
from lightning.pytorch.callbacks import LearningRateMonitor
from omegaconf import DictConfig, OmegaConf, open_dict

from dlkit.config.arguments import BUILDER_KEYS, SWITCH
from dlkit.data.base import BaseDataModule
from dlkit.errors import BadInput, ConfigError
from dlkit.models.nets.backbone import FineTunable
from dlkit.models.task import TaskModule
from dlkit.runs.checkpoint_io import AtomicCheckpointIO
from dlkit.training.no_profiler import NoProfiler

log = logging.getLogger(__name__)

# The score each task reports and checkpoints select on, unless `optimized_metric` says otherwise.
DEFAULT_METRIC = {"classification": "val/acc", "regression": "val/r2"}


def build_datamodule(cfg: DictConfig) -> BaseDataModule:
    """The data module, its splits made and its preprocessing fitted (`setup("fit")`)."""
    describe_net_inputs(cfg)
    datamodule: BaseDataModule = _instantiate(cfg.data)
    datamodule.prepare_data()
    datamodule.setup("fit")
    return datamodule


def describe_net_inputs(cfg: DictConfig) -> None:
    """Tell the data module the images a pretrained net expects (`data.net_inputs`: size, mean,
    std), so the user sets the weights in one place; config.yaml then records what was used.

    The net's class says it (`expected_inputs`, from the weights' metadata, no download),
    before either is built: the data module comes first, since it sizes the net.
    """
    net = OmegaConf.select(cfg, "model.net")
    describe = getattr(get_class(net._target_), "expected_inputs", None) if net else None
    if describe is None:
        return
    settings = OmegaConf.to_container(net, resolve=True)
    inputs = describe(**{k: v for k, v in settings.items() if not k.startswith("_")})
    if inputs:
        log.info("images for the net: %s", inputs)
        with open_dict(cfg):
            cfg.data.net_inputs = inputs


def build_model(
    cfg: DictConfig, datamodule: BaseDataModule, from_checkpoint: bool = False
) -> TaskModule:
    """The task module around the net, sized by the data module. `from_checkpoint`: a
    checkpoint's weights come next, so a pretrained net skips loading its own."""
    optimizer, taken = build_optimizer(cfg)
    if from_checkpoint and issubclass(get_class(cfg.model.net._target_), FineTunable):
        taken["net"] = {"from_checkpoint": True}
    return _instantiate(
        cfg.model,
        optimizer=optimizer,
        scheduler=hydra.utils.instantiate(cfg.scheduler) if cfg.get("scheduler") else None,
        **taken,
        **datamodule.model_kwargs(),
    )


def build_optimizer(cfg: DictConfig) -> tuple[Callable, dict]:
    """The optimizer's partial (called with the parameters by the task module), and the keys
    taken out of its config for the task module (`backbone_lr_factor`)."""
    optimizer = OmegaConf.to_container(cfg.optimizer, resolve=True)
    taken = {key: optimizer.pop(key) for key in BUILDER_KEYS["optimizer"] if key in optimizer}
    return hydra.utils.instantiate(optimizer), taken


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
    # checkpoints written whole or not at all (unless the config brings its own plugins)
    if not (cfg.trainer.get("plugins") or "plugins" in settings):
        settings["plugins"] = [AtomicCheckpointIO()]
    if cfg.trainer.get("profiler") is None and "profiler" not in settings:
        settings["profiler"] = NoProfiler()
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


def _instantiate(config: DictConfig, **kwargs):
    """Hydra's instantiate, letting bad input through as itself: Hydra wraps what a constructor
    raises (a net's offline weights, a data module's missing folder) in an
    InstantiationException, which the entry points would print as a traceback."""
    try:
        return hydra.utils.instantiate(config, **kwargs)
    except InstantiationException as error:
        if isinstance(error.__cause__, BadInput):
            raise error.__cause__ from None
        raise


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
