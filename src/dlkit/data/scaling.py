"""Standardization statistics, fitted on the training part only: no leakage into val and test."""

import torch

from dlkit.data.samples import to_float


def fit_standardization(x: torch.Tensor, feature_axis: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and std per channel/feature (the sample axis `feature_axis`), shaped to broadcast.

    Summed in float64 over chunks, so that large uint8 image sets never exist as one float64
    copy in memory.
    """
    axis = feature_axis % (x.ndim - 1) + 1
    dims = [d for d in range(x.ndim) if d != axis]
    total = total_sq = 0.0
    for chunk in x.split(4096):
        chunk = to_float(chunk).double()
        total = total + chunk.sum(dim=dims, keepdim=True)
        total_sq = total_sq + chunk.square().sum(dim=dims, keepdim=True)
    count = x.numel() / x.shape[axis]
    mean = total / count
    variance = (total_sq - count * mean.square()) / max(count - 1, 1)
    std = variance.clamp_min(0).sqrt().clamp_min(1e-6)
    return mean.float(), std.float()
