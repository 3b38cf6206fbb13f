"""LightningDataModules, one per data modality, sharing `BaseDataModule`."""

from dlkit.data.base import BaseDataModule, LoadedData
from dlkit.data.csv_table import CSVDataModule
from dlkit.data.errors import DataError
from dlkit.data.images import (
    DigitsDataModule,
    ImageDataModule,
    ImageFolderDataModule,
    TorchvisionDataModule,
)
from dlkit.data.sequences import MNIST1DDataModule, SequenceDataModule, SequenceNpzDataModule
from dlkit.data.tables import SklearnTableDataModule, TableDataModule

__all__ = [
    "BaseDataModule",
    "CSVDataModule",
    "DataError",
    "DigitsDataModule",
    "ImageDataModule",
    "ImageFolderDataModule",
    "LoadedData",
    "MNIST1DDataModule",
    "SequenceDataModule",
    "SequenceNpzDataModule",
    "SklearnTableDataModule",
    "TableDataModule",
    "TorchvisionDataModule",
]
