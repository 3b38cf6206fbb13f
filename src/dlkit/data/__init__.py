"""LightningDataModules, one per data modality, sharing `BaseDataModule`."""

from dlkit.data.base import BaseDataModule, LoadedData
from dlkit.data.errors import DataError
from dlkit.data.images import DigitsDataModule, ImageDataModule
from dlkit.data.sequences import MNIST1DDataModule, SequenceDataModule, SequenceNpzDataModule
from dlkit.data.tables import SklearnTableDataModule, TableDataModule

__all__ = [
    "BaseDataModule",
    "DataError",
    "DigitsDataModule",
    "ImageDataModule",
    "LoadedData",
    "MNIST1DDataModule",
    "SequenceDataModule",
    "SequenceNpzDataModule",
    "SklearnTableDataModule",
    "TableDataModule",
]
