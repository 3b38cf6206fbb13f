"""How a spectrogram [B, bands, frames] is handed to a net: as a one-channel image
[B, 1, bands, frames] (the 2-D CNN, ResNet, the MLP) or as a sequence of frames [B, frames, bands]
(RNN, LSTM, GRU, Transformer; the 1-D CNN reads the bands as channels).

`auto` asks the net: nets that take images get the image, the others the sequence. A net
declares the data it takes (`modalities`, `dlkit.config.targets`); one that declares nothing
(the MLP) flattens whatever it gets and takes the image.
"""

import torch
from hydra.utils import get_class

from dlkit.config.values import check_choice

LAYOUTS = ("auto", "image", "sequence")


def layout_for(layout: str, net: str | None) -> str:
    """`image` or `sequence`: `layout` itself, or for `auto` the one the net class `net` (a
    `_target_`) takes."""
    check_choice("layout", layout, LAYOUTS)
    if layout != "auto":
        return layout
    takes = getattr(get_class(net), "modalities", None) if net else None
    return "image" if takes is None or "image" in takes else "sequence"


def laid_out(spectrograms: torch.Tensor, layout: str) -> torch.Tensor:
    """[B, bands, frames] as the net takes it."""
    if layout == "image":
        return spectrograms.unsqueeze(1)
    return spectrograms.transpose(1, 2)


def shape_of(bands: int, frames: int, layout: str) -> tuple[int, ...]:
    return (1, bands, frames) if layout == "image" else (frames, bands)
