"""Augmentation of training batches on their device, with random settings drawn per sample.

The data module applies it in `on_after_batch_transfer` to training batches only (validation and
test see the data as it is), before standardization: images are floats in [0, 1] here.

Own code rather than torchvision's transforms v2: those draw one random setting per call, so a
whole batch would be flipped or rotated alike; calling them once per sample would cost a Python
loop per sample. Here every sample gets its own draw, for a whole batch in a few tensor ops.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from dlkit.errors import DataError


def check_augmentation_fits(augmentation: nn.Module | None, modality: str, owner: str) -> None:
    """Stop before training when `augmentation` is made for other data than `owner`'s."""
    accepted = getattr(augmentation, "modalities", None)
    if accepted is not None and modality not in accepted:
        raise DataError(
            f"{type(augmentation).__name__} augments {' or '.join(accepted)} data, but "
            f"{owner} holds {modality} data: choose an augmentation for "
            f"{modality} data (configs/augmentation/) or none (augmentation=null)"
        )


def _check_probability(name: str, p: float) -> None:
    if not 0 <= p <= 1:
        raise ValueError(f"augmentation {name} must lie in [0, 1], got {p}")


def _uniform(n: int, low: float, high: float, like: torch.Tensor) -> torch.Tensor:
    return torch.empty(n, device=like.device, dtype=like.dtype).uniform_(low, high)


class ImageAugmentation(nn.Module):
    """Random geometry and colour per image [B, C, H, W]:

    - `horizontal_flip`, `vertical_flip`: probability of mirroring;
    - `rotation` (degrees), `translate` (fraction of the size), `scale` ([min, max] zoom): one
      random affine map per image, resampled bilinearly (borders filled with zeros);
    - `brightness`, `contrast`: random factors in [1 - b, 1 + b];
    - `erase`: probability of blanking one random rectangle (cutout, up to `erase_size` of each side).
    """

    modalities = ("image",)

    def __init__(
        self,
        horizontal_flip: float = 0.0,
        vertical_flip: float = 0.0,
        rotation: float = 0.0,
        translate: float = 0.0,
        scale: tuple[float, float] = (1.0, 1.0),
        brightness: float = 0.0,
        contrast: float = 0.0,
        erase: float = 0.0,
        erase_size: float = 0.4,
    ) -> None:
        super().__init__()
        for name, p in (("horizontal_flip", horizontal_flip), ("vertical_flip", vertical_flip)):
            _check_probability(name, p)
        _check_probability("erase", erase)
        _check_probability("erase_size", erase_size)
        if not 0 <= translate < 1:
            raise ValueError(f"augmentation translate must lie in [0, 1), got {translate}")
        if len(scale) != 2 or not 0 < scale[0] <= scale[1]:
            raise ValueError(f"augmentation scale must be [min, max] with 0 < min <= max: {scale}")
        if not (0 <= brightness < 1 and 0 <= contrast < 1):
            raise ValueError("augmentation brightness and contrast must lie in [0, 1)")
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rotation = rotation
        self.translate = translate
        self.scale = tuple(scale)
        self.brightness = brightness
        self.contrast = contrast
        self.erase = erase
        self.erase_size = erase_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4:
            raise ValueError(f"ImageAugmentation takes batches [B, C, H, W], got {list(x.shape)}")
        x = self._geometry(x)
        x = self._colour(x)
        if self.erase:
            x = self._erase(x)
        return x

    def _geometry(self, x: torch.Tensor) -> torch.Tensor:
        n = len(x)
        flips_x = torch.ones(n, device=x.device, dtype=x.dtype)
        flips_y = torch.ones_like(flips_x)
        if self.horizontal_flip:
            flips_x = torch.where(_uniform(n, 0, 1, x) < self.horizontal_flip, -1.0, 1.0)
        if self.vertical_flip:
            flips_y = torch.where(_uniform(n, 0, 1, x) < self.vertical_flip, -1.0, 1.0)
        moves = self.rotation or self.translate or self.scale != (1.0, 1.0)
        if not moves:  # flips alone: exact, no resampling
            if self.horizontal_flip:
                x = torch.where((flips_x < 0).view(-1, 1, 1, 1), x.flip(-1), x)
            if self.vertical_flip:
                x = torch.where((flips_y < 0).view(-1, 1, 1, 1), x.flip(-2), x)
            return x
        angle = _uniform(n, -self.rotation, self.rotation, x) * (math.pi / 180)
        zoom = _uniform(n, *self.scale, x)
        cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
        # affine_grid maps output coordinates in [-1, 1] to input coordinates
        theta = torch.stack(
            [
                torch.stack(
                    [cos * flips_x, -sin * flips_y, _uniform(n, -1, 1, x) * 2 * self.translate], 1
                ),
                torch.stack(
                    [sin * flips_x, cos * flips_y, _uniform(n, -1, 1, x) * 2 * self.translate], 1
                ),
            ],
            1,
        )
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)

    def _colour(self, x: torch.Tensor) -> torch.Tensor:
        n = len(x)
        if self.contrast:
            factor = _uniform(n, 1 - self.contrast, 1 + self.contrast, x).view(-1, 1, 1, 1)
            mean = x.mean(dim=(1, 2, 3), keepdim=True)
            x = (x - mean) * factor + mean
        if self.brightness:
            x = x * _uniform(n, 1 - self.brightness, 1 + self.brightness, x).view(-1, 1, 1, 1)
        if self.contrast or self.brightness:
            x = x.clamp(0, 1)
        return x

    def _erase(self, x: torch.Tensor) -> torch.Tensor:
        n, _, height, width = x.shape
        rows = torch.arange(height, device=x.device).view(1, -1, 1)
        cols = torch.arange(width, device=x.device).view(1, 1, -1)
        box_h = (_uniform(n, 0.1, self.erase_size, x) * height).ceil().view(-1, 1, 1)
        box_w = (_uniform(n, 0.1, self.erase_size, x) * width).ceil().view(-1, 1, 1)
        top = (_uniform(n, 0, 1, x).view(-1, 1, 1) * (height - box_h + 1)).floor()
        left = (_uniform(n, 0, 1, x).view(-1, 1, 1) * (width - box_w + 1)).floor()
        inside = (rows >= top) & (rows < top + box_h) & (cols >= left) & (cols < left + box_w)
        chosen = (_uniform(n, 0, 1, x) < self.erase).view(-1, 1, 1)
        return x.masked_fill((inside & chosen).unsqueeze(1), 0.0)


class SequenceAugmentation(nn.Module):
    """Random distortions per sequence [B, T, F]:

    - `shift`: move the whole sequence by up to this many steps, either way (edges repeat);
    - `jitter`: timing jitter, each step read at a time off by a random amount (std in steps),
      interpolated linearly;
    - `noise`: additive Gaussian noise with this std (in the data's units).
    """

    modalities = ("sequence",)

    def __init__(self, shift: int = 0, jitter: float = 0.0, noise: float = 0.0) -> None:
        super().__init__()
        if shift < 0 or jitter < 0 or noise < 0:
            raise ValueError("augmentation shift, jitter and noise must not be negative")
        self.shift = shift
        self.jitter = jitter
        self.noise = noise

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 3:
            raise ValueError(f"SequenceAugmentation takes batches [B, T, F], got {list(x.shape)}")
        n, steps, _ = x.shape
        if self.shift or self.jitter:
            times = torch.arange(steps, device=x.device, dtype=x.dtype).expand(n, steps)
            if self.shift:
                offsets = torch.randint(-self.shift, self.shift + 1, (n, 1), device=x.device)
                times = times - offsets.to(x.dtype)
            if self.jitter:
                times = times + torch.randn_like(times) * self.jitter
            times = times.clamp(0, steps - 1)
            before = times.floor().long().clamp(max=steps - 2) if steps > 1 else times.long()
            weight = (times - before).unsqueeze(-1)
            after = (before + 1).clamp(max=steps - 1)
            gather = lambda index: x.gather(1, index.unsqueeze(-1).expand_as(x))  # noqa: E731
            x = gather(before) * (1 - weight) + gather(after) * weight
        if self.noise:
            x = x + torch.randn_like(x) * self.noise
        return x
