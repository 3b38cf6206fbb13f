"""What every data module shares: splits, folds, scaling fitted on the training part, batches.

A subclass says how to load its samples (`load`) and what they are (`modality`, the `tasks` they
can serve); this base does the rest the same way for images, tables and sequences:

- seeded, stratified train/val/test splits and k-fold selection (`dlkit.data.splits`);
- per-channel / per-feature standardization with statistics of the training part only
  (`standardization`; images.py: a pretrained net's own), applied on the device;
- augmentation of training batches only, on the device, drawn per sample (`dlkit.data.augmentation`);
- in-memory tensors served a batch per index lookup, sharded over ranks (`dlkit.data.sampling`);
- what the model needs to size itself (`model_kwargs`): the input shape, the number of classes;
- for predictions on new data: `load_inputs(path)` with the preprocessing fitted in training,
  whose state (`state_dict`) Lightning stores in every checkpoint (`dlkit.data.new_inputs`).
"""

from typing import Any

import lightning.pytorch as L
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlkit.config.values import BATCH_SIZE, require
from dlkit.data.new_inputs import NewInputs
from dlkit.data.samples import (
    LoadedData,
    checked_class_names,
    checked_samples,
    checked_targets,
    to_float,
)
from dlkit.data.sampling import batch_loader
from dlkit.data.splits import split_indices
from dlkit.errors import DataError

TASKS = ("classification", "regression")


class BaseDataModule(NewInputs, L.LightningDataModule):
    """An in-memory data set, split, scaled and batched for any net: subclass it with a `load`.

    Args:
        data_dir: where data sets keep their files (`paths.data_dir`).
        task: classification (targets are class labels) or regression (numbers); set with the
            model's task (`task=regression`, configs/task/).
        batch_size: samples per batch and device (4 devices: 4 x batch_size per optimizer step).
        val_fraction, test_fraction: shares of the whole data set (of its training part with a
            shipped test split); train_fraction: the training part's share kept (stratified).
        seed: the split's and the shuffle's seed.
        num_folds, fold: cross-validation; `num_folds` > 1 re-divides train+val, `fold` is the
            validation fold (set by `cv.folds` / `cv.fold`).
        normalize: standardize each channel/feature with training-part statistics.
        augmentation: an `nn.Module` applied to training batches only (`configs/augmentation/`).
        num_workers, pin_memory, persistent_workers: passed to the DataLoaders.

    Subclass a modality's base (`ImageDataModule`, `SequenceDataModule`, `TableDataModule`) and
    return the samples from `load`:

        class MyImages(ImageDataModule):
            def load(self) -> LoadedData:
                x = torch.load(f"{self.data_dir}/images.pt")  # [N, C, H, W] uint8
                y = torch.load(f"{self.data_dir}/labels.pt")  # [N] class indices
                return LoadedData(x=x, y=y, class_names=["cat", "dog"])
    """

    #: "image" [C, H, W], "sequence" [T, F], "table" [F] (packs add theirs): which nets fit.
    modality: str = "table"
    #: the tasks the data set can serve (a set of labelled images: classification only)
    tasks: tuple[str, ...] = TASKS
    #: what `baseline_inputs` gives a classical model (`configs/baseline/` options say what they read)
    baseline_reads: str = "numbers"
    #: the axis of a sample that holds channels/features; statistics are per entry of this axis.
    feature_axis: int = -1

    def __init__(
        self,
        data_dir: str = "data",
        task: str = "classification",
        batch_size: int = 64,
        val_fraction: float = 0.15,
        test_fraction: float = 0.15,
        train_fraction: float = 1.0,
        seed: int = 42,
        num_folds: int = 1,
        fold: int = 0,
        normalize: bool = True,
        augmentation: nn.Module | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
        persistent_workers: bool = False,
    ) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.task = task
        self.batch_size = require("batch_size", batch_size, BATCH_SIZE)
        self.val_fraction = val_fraction
        self.test_fraction = test_fraction
        self.train_fraction = train_fraction
        self.seed = seed
        self.num_folds = num_folds
        self.fold = fold
        self.normalize = normalize
        self.augmentation = augmentation
        self.loader_kwargs = {
            "num_workers": num_workers,
            "pin_memory": pin_memory,
            "persistent_workers": persistent_workers and num_workers > 0,
        }
        self.datasets: dict[str, TensorDataset] = {}
        self.class_names: list[str] | None = None
        self.mean: torch.Tensor | None = None
        self.std: torch.Tensor | None = None
        self._input_shape: tuple[int, ...] | None = None
        self.test_index: np.ndarray | None = None  # test rows in `load`'s samples (None: shipped)

    # ----------------------------------------------------------------- for subclasses
    def load(self) -> LoadedData:
        """All samples (x: [N, *input_shape], y: [N] class indices or [N] values)."""
        raise NotImplementedError

    def encode(self, x: Any, train_index: np.ndarray | None) -> torch.Tensor:
        """Samples as a tensor. Tables fit their column encoding on `train_index` rows here;
        `train_index` is None when encoding with what was fitted before (test split, new inputs)."""
        return x

    def on_split(self, data: LoadedData, rows: dict[str, np.ndarray | None]) -> None:
        """The split is made: `rows` indexes each split in `data.x` (test: None when shipped).
        Text keeps each split's raw strings here, for the classical baseline and the reports."""

    def standardization(self, x_train: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and std per channel/feature (the sample axis `feature_axis`) of the training
        part, shaped to broadcast. Summed in float64 over chunks, so that a large uint8 image
        set never exists as one float64 copy in memory."""
        axis = self.feature_axis % (x_train.ndim - 1) + 1
        dims = [d for d in range(x_train.ndim) if d != axis]
        total = total_sq = 0.0
        for chunk in x_train.split(4096):
            chunk = to_float(chunk).double()
            total = total + chunk.sum(dim=dims, keepdim=True)
            total_sq = total_sq + chunk.square().sum(dim=dims, keepdim=True)
        count = x_train.numel() / x_train.shape[axis]
        mean = total / count
        variance = (total_sq - count * mean.square()) / max(count - 1, 1)
        return mean.float(), variance.clamp_min(0).sqrt().clamp_min(1e-6).float()

    # ----------------------------------------------------------------- what the model needs
    @property
    def input_shape(self) -> tuple[int, ...]:
        if self._input_shape is None:
            self._require("train")
        return self._input_shape

    @property
    def num_classes(self) -> int | None:
        return len(self.class_names) if self.task == "classification" else None

    @property
    def num_outputs(self) -> int:
        """Logits per class for classification, one value per target for regression."""
        if self.task == "classification":
            return self.num_classes
        targets = self._require("train")[1]
        return 1 if targets.ndim == 1 else targets.shape[1]

    def model_kwargs(self) -> dict:
        """What the task module needs from the data (`configs/model/` says so): the input shape
        and the classes, or the targets' count, mean and std (the net learns them standardized)."""
        kwargs: dict = {"input_shape": list(self.input_shape)}
        if self.task == "classification":
            return {**kwargs, "num_classes": self.num_classes}
        targets = self._require("train")[1].double()
        return {
            **kwargs,
            "num_targets": self.num_outputs,
            "target_mean": targets.mean().item(),
            "target_std": targets.std().clamp_min(1e-6).item(),
        }

    # ----------------------------------------------------------------- Lightning hooks
    def setup(self, stage: str | None = None) -> None:
        if self.datasets:  # Lightning calls setup once per stage; the split is made once
            return
        if self.task not in self.tasks:
            raise DataError(
                f"{type(self).__name__} serves {' or '.join(self.tasks)}, not task={self.task}: "
                f"choose task={self.tasks[0]} (it sets the data's task, the LightningModule and "
                "the optimized metric together)"
            )
        if self.augmentation is not None:
            from dlkit.data.augmentation import check_augmentation_fits

            check_augmentation_fits(self.augmentation, self.modality, type(self).__name__)
        data = self.load()
        name = type(self).__name__
        y = checked_targets(data.y, "y", self.task, name)
        train, val, test = split_indices(
            y.numpy(),
            val_fraction=self.val_fraction,
            test_fraction=self.test_fraction,
            seed=self.seed,
            stratify=self.task == "classification",
            num_folds=self.num_folds,
            fold=self.fold,
            has_test=data.x_test is not None,
            train_fraction=self.train_fraction,
        )
        self.on_split(data, {"train": train, "val": val, "test": test})
        x = checked_samples(self.encode(data.x, train), len(y), "x")
        if data.x_test is not None:
            y_test = checked_targets(data.y_test, "y_test", self.task, name)
            x_test = checked_samples(self.encode(data.x_test, None), len(y_test), "x_test")
            if x_test.shape[1:] != x.shape[1:]:
                raise DataError(
                    f"test samples have shape {tuple(x_test.shape[1:])}, training samples "
                    f"{tuple(x.shape[1:])}: both splits must hold samples of one shape"
                )
        else:
            x_test, y_test, self.test_index = x[test], y[test], test
        self.datasets = {
            "train": TensorDataset(x[train], y[train]),
            "val": TensorDataset(x[val], y[val]),
            "test": TensorDataset(x_test, y_test),
        }
        self._input_shape = tuple(x.shape[1:])
        self.class_names = data.class_names
        if self.task == "classification":
            self.class_names = checked_class_names(y, data.class_names)
        if self.normalize:
            self.mean, self.std = self.standardization(x[train])

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)

    def predict_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)

    def on_after_batch_transfer(self, batch, dataloader_idx: int):
        x, y = batch
        training = self.trainer is not None and self.trainer.training
        return self.transform_batch(x, augment=training), y

    def transform_batch(self, x: torch.Tensor, augment: bool = False) -> torch.Tensor:
        """A batch already on its device: to float, augmented (training only), standardized."""
        x = to_float(x)
        if augment and self.augmentation is not None:
            x = self.augmentation(x)
        if self.mean is None:
            return x
        if self.mean.device != x.device:
            self.mean, self.std = self.mean.to(x.device), self.std.to(x.device)
        return (x - self.mean) / self.std

    def baseline_inputs(self, split: str) -> tuple:
        """A split for a classical model (`dlkit.models.baseline`): the samples standardized like
        the network's inputs (no augmentation), one flat vector each, and the targets."""
        x, y = self._require(split)
        x = self.transform_batch(x, augment=False)
        return x.reshape(len(x), -1).numpy(), y.numpy()

    # ----------------------------------------------------------------- helpers
    def _require(self, split: str) -> tuple[torch.Tensor, ...]:
        if split not in self.datasets:
            raise RuntimeError(f"{type(self).__name__}.setup() must run before using {split} data")
        return self.datasets[split].tensors

    def _loader(self, split: str, shuffle: bool) -> DataLoader:
        self._require(split)
        return batch_loader(
            self.datasets[split],
            self.batch_size,
            shuffle=shuffle,
            seed=self.seed,
            trainer=self.trainer,
            **self.loader_kwargs,
        )
