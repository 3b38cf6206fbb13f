"""The data of the `images` task: CIFAR-scale images made up on the spot, at any size.

A module of its own because the task names it by path in a Hydra override
(`data._target_=fabricated_images.FabricatedImages`): Hydra imports it from benchmarks/, which
the entry point's folder puts on sys.path, both for the split and inside `train()`.
"""

import torch

from dlkit.data.images import ImageDataModule
from dlkit.data.samples import LoadedData


class FabricatedImages(ImageDataModule):
    """CIFAR-shaped data made up on the spot: each class a smooth pattern plus noise.

    Learnable (so accuracy means something) and free of downloads, at any scale.
    """

    def __init__(self, *args, num_samples: int = 50_000, image_size: int = 32, **kwargs):
        super().__init__(*args, **kwargs)
        self.num_samples = num_samples
        self.image_size = image_size

    def load(self) -> LoadedData:
        generator = torch.Generator().manual_seed(self.seed)
        size, classes = self.image_size, 10
        patterns = torch.rand(classes, 3, 4, 4, generator=generator)
        patterns = torch.nn.functional.interpolate(patterns, size=size, mode="bilinear")
        y = torch.arange(self.num_samples) % classes
        noise = torch.rand(self.num_samples, 3, size, size, generator=generator)
        x = (0.35 * patterns[y] + 0.65 * noise).clamp(0, 1)
        return LoadedData(x=x, y=y, class_names=[f"class{c}" for c in range(classes)])
