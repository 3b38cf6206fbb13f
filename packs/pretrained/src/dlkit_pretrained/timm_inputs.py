"""The `${timm_inputs:<field>,${model.net}}` resolver: the images timm's weights expect.

`model=timm` places it at `data.net_inputs` (size, mean, std), so the config itself says how the
images are prepared and `make train ARGS="--cfg job --resolve"` shows it. Without weights it
gives null: a random start takes the data set's own size and statistics. A name timm does not
know gives null too; the net's constructor then stops the run with the close names.
"""

import functools
from typing import Any

from omegaconf import ListConfig, OmegaConf

FIELDS = ("size", "mean", "std")


def timm_inputs(field: str, net: Any) -> ListConfig | None:
    """One field of the inputs for the net config `net` (name, pretrained, weights); a config
    list, which `OmegaConf.resolve` (Hydra's `--resolve`) can put in place of the interpolation."""
    if field not in FIELDS:
        raise ValueError(f"timm_inputs gives one of {FIELDS}, not {field!r}")
    if not (net.get("pretrained") or net.get("weights")):
        return None
    inputs = _inputs_for(str(net.get("name")))
    return None if inputs is None else OmegaConf.create(list(inputs[field]))


@functools.cache
def _inputs_for(name: str) -> dict[str, tuple] | None:
    """timm's preprocessing for the weights of `name` ([H, W], per-channel mean and std)."""
    from timm.data import resolve_data_config

    from dlkit.errors import ConfigError
    from dlkit_pretrained.timm_net import pretrained_config

    try:
        config = pretrained_config(name)
    except ConfigError:
        return None
    if config is None:
        return None
    data = resolve_data_config({}, pretrained_cfg=config.to_dict())
    return {"size": data["input_size"][1:], "mean": data["mean"], "std": data["std"]}
