"""What every variant trains on: the `train` config as `make train` composes it, the template's
own split of its data as tensors on the device, and a fresh net for it.

One place for these so that the raw loop, the template run and the plain-Lightning run cannot
drift apart in what they are given.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import hydra
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import open_dict

import dlkit  # noqa: F401  (registers the config resolvers that composing needs)
from tasks import CONFIG_DIR


def compose_train(overrides: list[str], output_dir: Path):
    """The `train` config exactly as `make train <overrides>` composes it, run folder at output_dir."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="train", overrides=overrides, return_hydra_config=True)
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        cfg.paths.output_dir = str(output_dir)
        cfg.extras.print_config = False  # a one-off cost; the `make train` row includes it
        del cfg["hydra"]
    return cfg


@dataclass
class Split:
    """The template's own split, standardized as it standardizes it, as tensors on the device."""

    x: dict
    y: dict
    input_shape: tuple
    num_classes: int
    steps_per_epoch: int
    batch_size: int


def load_split(cfg, device: str) -> Split:
    datamodule = hydra.utils.instantiate(cfg.data)
    datamodule.prepare_data()
    datamodule.setup("fit")
    xs, ys = {}, {}
    for split in ("train", "val", "test"):
        x, y = datamodule.datasets[split].tensors
        xs[split] = datamodule.transform_batch(x.to(device))
        ys[split] = y.to(device)
    loader = datamodule.train_dataloader()
    return Split(
        xs,
        ys,
        tuple(datamodule.input_shape),
        datamodule.num_classes,
        len(loader),
        datamodule.batch_size,
    )


def build_net(cfg, split: Split):
    return hydra.utils.instantiate(
        cfg.model.net, input_shape=split.input_shape, num_outputs=split.num_classes
    )


def build_optimizer(cfg, params):
    """The optimizer of the run's config (`_partial_`), on `params`."""
    return hydra.utils.instantiate(cfg.optimizer)(params=params)
