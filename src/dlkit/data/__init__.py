"""LightningDataModules, one per data modality, sharing `BaseDataModule`."""

from dlkit.data.base import BaseDataModule, LoadedData
from dlkit.data.images import DigitsDataModule, ImageDataModule

__all__ = ["BaseDataModule", "DigitsDataModule", "ImageDataModule", "LoadedData"]
