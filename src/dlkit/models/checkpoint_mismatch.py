"""Say in one sentence why a checkpoint does not fit a model, instead of a wall of key errors.

Called from `TaskModule.on_load_checkpoint`, which Lightning runs before it loads the weights,
whether a run resumes (`ckpt_path=…`), tests its best checkpoint or a user calls
`load_from_checkpoint`. Checkpoints hold only tensors and plain values, so they load with
`torch.load(weights_only=True)`, which Lightning uses by default: no code runs on loading.
"""

from typing import Any

from torch import nn
from torch.nn.parameter import is_lazy

from dlkit.errors import BadInput

HINT = (
    "Use the data and model options the checkpoint was trained with (its run folder's "
    "config.yaml), or start without ckpt_path."
)


class CheckpointMismatchError(BadInput):
    """A checkpoint saved from another architecture or for another number of outputs."""


def check_fits(module: nn.Module, checkpoint: dict[str, Any]) -> None:
    saved = checkpoint.get("state_dict", {})
    own = {k: v for k, v in module.state_dict().items() if not is_lazy(v)}
    missing = [k for k in own if k not in saved]
    unexpected = [k for k in saved if k not in own and k not in module.state_dict()]
    resized = [
        (k, tuple(saved[k].shape), tuple(own[k].shape))
        for k in own
        if k in saved
        and hasattr(saved[k], "shape")
        and tuple(saved[k].shape) != tuple(own[k].shape)
    ]
    if not (missing or unexpected or resized):
        return
    model = f"{type(module).__name__} with net {type(getattr(module, 'net', module)).__name__}"
    if missing or unexpected:
        raise CheckpointMismatchError(
            f"the checkpoint was saved from another architecture than this model ({model}): "
            f"{len(missing)} of this model's tensors are not in it (e.g. {_few(missing)}) and "
            f"{len(unexpected)} of its tensors are not in this model (e.g. {_few(unexpected)}). "
            + HINT
        )
    _, then, now = resized[-1]
    outputs = ""
    if then[1:] == now[1:] and then[:1] != now[:1]:
        outputs = (
            f" The last of them ends in {then[0]} outputs in the checkpoint and {now[0]} here: "
            "it was trained for a different number of classes (or targets)."
        )
    shapes = "; ".join(
        f"{k}: {list(a)} in the checkpoint, {list(b)} here" for k, a, b in resized[:3]
    )
    raise CheckpointMismatchError(
        f"the checkpoint's tensors have other shapes than this model's ({model}): {shapes}."
        f"{outputs} {HINT}"
    )


def _few(keys: list[str], n: int = 3) -> str:
    return ", ".join(keys[:n]) + (", …" if len(keys) > n else "") if keys else "none"
