"""Every `model=` option of the core, the data it fits, and its net built as `make train`
composes it: what the net tests share."""

import functools

import hydra
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf

from tests.helpers import CONFIG_DIR
from tests.models.synthetic import SHAPES


@functools.cache
def net_config(model: str, *switches: str) -> DictConfig:
    """`model.net` as `make train model=<model> [switches…]` composes it (options build on others)."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose("train", overrides=[f"model={model}", *switches]).model.net


def _modalities(model: str) -> tuple[str, ...]:
    """The data a model option's net takes, as it declares (`modalities`); a net that declares
    none (a user's own, README's `tiny`) is tried on every modality of the synthetic data."""
    net = hydra.utils.get_class(net_config(model)._target_)
    return tuple(m for m in getattr(net, "modalities", SHAPES) if m in SHAPES)


# every model= option of the core (a user's added net included, with no registration) and the
# data modalities of the synthetic data sets it fits
COMPATIBLE = {
    path.stem: _modalities(path.stem) for path in sorted((CONFIG_DIR / "model").glob("*.yaml"))
}
PAIRS = [(model, modality) for model, modalities in COMPATIBLE.items() for modality in modalities]
INCOMPATIBLE = [
    (model, modality)
    for model in COMPATIBLE
    for modality in SHAPES
    if modality not in COMPATIBLE[model]
]


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
