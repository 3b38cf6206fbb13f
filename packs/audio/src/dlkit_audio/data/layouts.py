"""How a spectrogram [B, bands, frames] is handed to a net: as a sequence of frames
[B, frames, bands] (RNN, LSTM, GRU, Transformer, the MLP, which flattens it, and the CNN as a 1-D
CNN that reads the bands as channels and convolves over time) or as a one-channel image
[B, 1, bands, frames] (ResNet, the CNN as a 2-D CNN).

`auto` asks the net: nets that take sequences get the frames, the others the image. A net
declares the data it takes (`modalities`, `dlkit.config.targets`); one that declares nothing
takes the image. The CNN takes both: over the frames it
is the cheaper one by far on a CPU (about 10x per batch for 32 bands x 51 frames, as keyword
spotters on phones convolve over time), so `auto` gives it frames and `layout=image` the 2-D view.
"""

import torch
from hydra.utils import get_class

from dlkit.config.values import check_choice

LAYOUTS = ("auto", "image", "sequence")


def layout_for(layout: str, net: str | None) -> str:
    """`image` or `sequence`: `layout` itself, or for `auto` the one the net class `net` (a
    `_target_`) takes, frames first."""
    check_choice("layout", layout, LAYOUTS)
    if layout != "auto":
        return layout
    takes = getattr(get_class(net), "modalities", None) if net else None
    return "sequence" if takes is not None and "sequence" in takes else "image"


def laid_out(spectrograms: torch.Tensor, layout: str) -> torch.Tensor:
    """[B, bands, frames] as the net takes it."""
    if layout == "image":
        return spectrograms.unsqueeze(1)
    return spectrograms.transpose(1, 2)


def spectrograms_of(x: torch.Tensor, layout: str) -> torch.Tensor:
    """What `laid_out` gave a net (or anything of its shape: attributions) back as
    [B, bands, frames]."""
    return x.squeeze(1) if layout == "image" else x.transpose(1, 2)


def shape_of(bands: int, frames: int, layout: str) -> tuple[int, ...]:
    return (1, bands, frames) if layout == "image" else (frames, bands)
