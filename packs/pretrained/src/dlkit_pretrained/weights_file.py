"""Pretrained weights put into a net, key by key: the backbone must fit, the head may start fresh.

A state dict saved from the same architecture for another task (ImageNet's 1,000 classes) fits
everywhere but the classifier, which is left out and keeps its fresh initialization. A first
convolution pretrained on 3 channels is adapted to the data's channel count with timm's
`adapt_input_conv` (1 channel: the sum over RGB, which equals feeding the gray image to all three;
more: RGB repeated, scaled by 3/C), for torchvision and timm nets alike. Anything else that does
not fit means the weights belong to another architecture, and the run stops saying which keys.
"""

import logging
from pathlib import Path

import torch
from torch import nn

from dlkit.errors import ConfigError

log = logging.getLogger(__name__)

# batch norms count their updates; a file without the counters fits all the same
COUNTER = "num_batches_tracked"


def read_weights_file(path: str) -> dict[str, torch.Tensor]:
    """The state dict in `path` (.pth/.pt/.bin via torch.load(weights_only=True), or .safetensors);
    `{"state_dict": …}`/`{"model": …}` wrappers and DDP/compile prefixes are removed (timm's reader)."""
    from timm.models import load_state_dict

    file = Path(path).expanduser()
    if not file.is_file():
        raise ConfigError(
            f"model.net.weights={path}: no such file. Give a state dict saved with "
            "torch.save(net.state_dict(), path) (.pth, .pt) or a .safetensors file"
        )
    try:
        state = load_state_dict(str(file), weights_only=True)
    except Exception as error:  # pickle, zip or safetensors errors: the file is not a state dict
        raise ConfigError(
            f"cannot read model.net.weights={file} ({type(error).__name__}: {error}): it must be a "
            "state dict saved with torch.save(net.state_dict(), path) or a .safetensors file"
        ) from error
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ConfigError(f"model.net.weights={file} holds no state dict of tensors")
    return state


def load_weights(
    net: nn.Module,
    state: dict[str, torch.Tensor],
    *,
    head: tuple[str, ...],
    first_conv: tuple[str, ...],
    source: str,
    architecture: str,
) -> None:
    """Copy `state` into `net` (names as in `net.state_dict()`); `head` and `first_conv` are the
    dotted names of the classifier layers and of the stem convolutions."""
    own = net.state_dict()
    state = dict(state)
    left_out = [k for conv in first_conv for k in _adapt_first_conv(state, own, f"{conv}.weight")]
    for key in [k for k in state if _in(k, head)]:
        if key not in own or state[key].shape != own[key].shape:
            del state[key]  # another task's classifier: the new head starts fresh
            left_out.append(key)
    missing = [k for k in own if k not in state and k not in left_out and not _optional(k, head)]
    unexpected = [k for k in state if k not in own]
    resized = [k for k in state if k in own and state[k].shape != own[k].shape]
    if missing or unexpected or resized:
        raise ConfigError(_mismatch(source, architecture, missing, unexpected, resized, state, own))
    net.load_state_dict(state, strict=False)
    fresh = [k for k in own if k not in state and not k.endswith(COUNTER)]
    log.info(
        "loaded %d tensors from %s into %s; left out, starting fresh: %s",
        len(state),
        source,
        architecture,
        ", ".join(fresh) or "none",
    )


def _in(key: str, modules: tuple[str, ...]) -> bool:
    return any(key.startswith(f"{module}.") for module in modules)


def _optional(key: str, head: tuple[str, ...]) -> bool:
    """Keys the file may lack: batch-norm counters, and the head (it starts fresh)."""
    return key.endswith(COUNTER) or _in(key, head)


def _adapt_first_conv(state: dict, own: dict, key: str) -> list[str]:
    """Adapt the stem to the data's channels; a stem of another kernel (the small-image stem
    under ImageNet weights) is left out. Returns the keys left out."""
    if key not in state or key not in own or state[key].shape == own[key].shape:
        return []
    weight, target = state[key], own[key]
    if (
        weight.ndim == 4
        and weight.shape[0] == target.shape[0]
        and weight.shape[2:] == target.shape[2:]
    ):
        from timm.models import adapt_input_conv

        state[key] = adapt_input_conv(target.shape[1], weight, base_chans=weight.shape[1])
        log.info("adapted %s from %d to %d input channels", key, weight.shape[1], target.shape[1])
        return []
    del state[key]
    log.info(
        "left out %s: %s in the weights, %s in this net's stem",
        key,
        list(weight.shape),
        list(target.shape),
    )
    return [key]


def _mismatch(source, architecture, missing, unexpected, resized, state, own) -> str:
    """One sentence: how many keys do not fit, with examples."""
    parts = []
    if missing:
        parts.append(f"{len(missing)} of its tensors are not in the file (e.g. {_few(missing)})")
    if unexpected:
        parts.append(
            f"{len(unexpected)} of the file's have no place in it (e.g. {_few(unexpected)})"
        )
    if resized:
        key = resized[0]
        parts.append(
            f"{len(resized)} differ in shape (e.g. {key}: {list(state[key].shape)} in the file, "
            f"{list(own[key].shape)} here)"
        )
    return (
        f"the weights in {source} do not fit {architecture}'s backbone: {'; '.join(parts)}. They "
        "were saved from another architecture: give weights saved from this one, or choose the "
        "net they belong to (model.net.depth for model=pretrained_resnet, model.net.name for model=timm)"
    )


def _few(keys: list[str], n: int = 3) -> str:
    return ", ".join(keys[:n]) + (", …" if len(keys) > n else "")
