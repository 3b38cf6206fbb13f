"""Images as a pretrained net expects them: its input size, and its weights' mean and std.

Weights trained on ImageNet saw 224-pixel RGB images standardized with ImageNet's statistics;
fine-tuning works best when new images look the same, not standardized with statistics fitted
on the new training split. The model's config states what its net expects, as `data.net_inputs`
(a plain dict that config.yaml records and the checkpoint keeps):

    {"size": [224, 224], "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}

The same functions serve training batches, new inputs for `make predict` and the exported model.
"""

from collections.abc import Sequence

import torch
import torch.nn.functional as F


def stats_for_channels(
    mean: Sequence[float], std: Sequence[float], channels: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The weights' per-channel statistics for `channels` channels, shaped [1, C, 1, 1].

    The pretrained stem is adapted to the data's channels as timm's `adapt_input_conv` does:
    for gray images it sums the RGB filters, which matches an RGB image of three equal channels
    when the three channels are standardized alike, hence their mean statistics; for C > 3 it
    repeats the RGB filters, hence the statistics repeated in the same order.
    """
    mean, std = torch.tensor(mean, dtype=torch.float32), torch.tensor(std, dtype=torch.float32)
    if channels == 1:
        mean, std = mean.mean(dim=0, keepdim=True), std.mean(dim=0, keepdim=True)
    elif channels != len(mean):
        order = torch.arange(channels) % len(mean)
        mean, std = mean[order], std[order]
    return mean.view(1, channels, 1, 1), std.view(1, channels, 1, 1)


def resize_batch(x: torch.Tensor, size: Sequence[int] | None) -> torch.Tensor:
    """Float images [N, C, H, W] resized to `size` [H, W] (bilinear, antialiased), when they differ."""
    if size is None or tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=tuple(size), mode="bilinear", antialias=True, align_corners=False)
