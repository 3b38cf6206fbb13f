"""Image files read into uint8 tensors [C, H, W] of one size.

Decoded by Pillow, as torchvision's ImageFolder does (torchvision's own decoders are deprecated
since torchvision 0.29), resized by torchvision.
"""

from collections.abc import Sequence
from pathlib import Path

import torch
from PIL import Image
from torchvision.datasets.folder import IMG_EXTENSIONS
from torchvision.transforms.v2 import functional as F

from dlkit.errors import DataError

MODES = {1: "L", 3: "RGB"}  # Pillow's names for grayscale and RGB


def list_images(path: Path) -> list[Path]:
    """One image file, or every image file below a folder (sorted, so the order is stable)."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise DataError(f"image folder not found: {path}")
    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in IMG_EXTENSIONS)
    if not files:
        raise DataError(f"no image files ({', '.join(IMG_EXTENSIONS)}) found in {path}")
    return files


def read_image(path: Path, channels: int, size: Sequence[int] | None) -> torch.Tensor:
    """[channels, H, W] uint8; resized (antialiased) to `size` = [H, W] unless it is None."""
    if channels not in MODES:
        raise DataError(f"images must have 1 (grayscale) or 3 (RGB) channels, got {channels}")
    try:
        with Image.open(path) as file:
            image = F.pil_to_tensor(file.convert(MODES[channels]))
    except (OSError, ValueError) as error:  # Pillow's UnidentifiedImageError is an OSError
        raise DataError(
            f"cannot decode image {path} ({error}): replace or remove the file"
        ) from error
    if size is not None and tuple(image.shape[1:]) != tuple(size):
        image = F.resize(image, list(size), antialias=True)
    return image


def read_images(paths: Sequence[Path], channels: int, size: Sequence[int] | None) -> torch.Tensor:
    """[N, channels, H, W] uint8. Without `size`, every image must already have the same size."""
    images = [read_image(path, channels, size) for path in paths]
    shapes = {tuple(image.shape) for image in images}
    if len(shapes) > 1:
        raise DataError(
            f"the images have different sizes ({sorted(shapes)[:3]}…): set data.image_size=[H, W] "
            "to resize them all"
        )
    return torch.stack(images)
