"""Image data: samples are [C, H, W] float tensors in [0, 1], standardized per channel."""

import numpy as np
import torch

from dlkit.data.base import BaseDataModule, LoadedData


class ImageDataModule(BaseDataModule):
    modality = "image"
    feature_axis = 0  # channels


class DigitsDataModule(ImageDataModule):
    """scikit-learn's bundled 8x8 handwritten digits (1,797 images, 10 classes): works offline."""

    def load(self) -> LoadedData:
        from sklearn.datasets import load_digits

        digits = load_digits()
        images = digits.images.astype(np.float32) / 16.0  # pixel values are 0..16
        return LoadedData(
            x=torch.from_numpy(images).unsqueeze(1),
            y=torch.from_numpy(digits.target).long(),
            class_names=[str(c) for c in digits.target_names],
        )
