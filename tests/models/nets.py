"""Every `model=` option of the core, the data it fits, and its net built as `make train`
composes it: what the net tests share."""

import functools

import hydra
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf

from tests.helpers import CONFIG_DIR
from tests.models.synthetic import SHAPES

# every model= option of the core and the data modalities it fits
COMPATIBLE = {
    "mlp": ("image", "sequence", "table"),
    "cnn": ("image", "sequence"),
    "resnet": ("image",),
    "rnn": ("sequence",),
    "lstm": ("sequence",),
    "gru": ("sequence",),
    "transformer": ("sequence",),
}
PAIRS = [(model, modality) for model, modalities in COMPATIBLE.items() for modality in modalities]
INCOMPATIBLE = [
    (model, modality)
    for model in COMPATIBLE
    for modality in SHAPES
    if modality not in COMPATIBLE[model]
]


@functools.cache
def net_config(model: str, *switches: str) -> DictConfig:
    """`model.net` as `make train model=<model> [switches…]` composes it (options build on others)."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose("train", overrides=[f"model={model}", *switches]).model.net


def build_net(
    model: str,
    input_shape: tuple[int, ...],
    num_outputs: int = 3,
    switches: tuple[str, ...] = (),
    **overrides,
):
    """The net of `model=<model> [switches…]`, sized as the task module sizes it (its class
    called directly: a constructor's own error reaches the test unwrapped)."""
    config = OmegaConf.to_container(net_config(model, *switches))
    net = hydra.utils.get_class(config.pop("_target_"))
    return net(**{**config, **overrides}, input_shape=input_shape, num_outputs=num_outputs)
