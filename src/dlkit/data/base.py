"""What every data module shares: splits, folds, scaling fitted on the training part, batches.

A subclass says how to load its samples (`load`) and what they are (`modality`, `task`); this base
does the rest the same way for images, tables and sequences:

- seeded, stratified train/val/test splits and k-fold selection (`dlkit.data.splits`);
- per-channel / per-feature standardization whose statistics come from the training part only,
  applied to every split after the batch reaches the device (no leakage, no per-sample cost);
- augmentation of training batches only, on the device, drawn per sample (`dlkit.data.augmentation`);
- in-memory tensors served a whole batch per index lookup, sharded across distributed ranks;
- what the model needs to size itself: `input_shape`, `num_outputs`, `class_names`, `task`;
- for predictions on new data: `load_inputs(path)` with the preprocessing fitted in training,
  whose state (`state_dict`) Lightning stores in every checkpoint.

Images may be stored as uint8 (a quarter of the memory of float32); they become floats in [0, 1]
on the device, batch by batch.

`batch_size` is per device: with `trainer.devices=4` each optimizer step sees 4 x batch_size samples.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightning.pytorch as L
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlkit.data.errors import DataError
from dlkit.data.sampling import ResumableDataLoader, ShardedBatchSampler
from dlkit.data.splits import split_indices

TASKS = ("classification", "regression")


@dataclass
class LoadedData:
    """Samples as loaded. `x_test`/`y_test` only for data sets that ship their own test split.

    `x` is a tensor [N, *input_shape], or anything `BaseDataModule.encode` turns into one (a
    table's DataFrame, whose encoding is fitted on the training rows only).
    """

    x: Any
    y: torch.Tensor
    x_test: Any = None
    y_test: torch.Tensor | None = None
    class_names: list[str] | None = None


def to_float(x: torch.Tensor) -> torch.Tensor:
    """Samples as floats; 8-bit images [0, 255] become [0, 1]."""
    if x.dtype == torch.uint8:
        return x.float().div_(255)
    return x if x.is_floating_point() else x.float()


class BaseDataModule(L.LightningDataModule):
    #: "image" [C, H, W], "sequence" [T, F] or "table" [F]: decides which nets fit.
    modality: str = "table"
    #: the axis of a sample that holds channels/features; statistics are per entry of this axis.
    feature_axis: int = -1

    def __init__(
        self,
        data_dir: str = "data",
        batch_size: int = 64,
        val_fraction: float = 0.15,
        test_fraction: float = 0.15,
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
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.data_dir = data_dir
        self.batch_size = batch_size
        self.val_fraction = val_fraction
        self.test_fraction = test_fraction
        self.seed = seed
        self.num_folds = num_folds
        self.fold = fold
        self.normalize = normalize
        self.augmentation = augmentation
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.persistent_workers = persistent_workers and num_workers > 0
        self.datasets: dict[str, TensorDataset] = {}
        self.class_names: list[str] | None = None
        self.mean: torch.Tensor | None = None
        self.std: torch.Tensor | None = None
        self._input_shape: tuple[int, ...] | None = None

    # ----------------------------------------------------------------- for subclasses
    def load(self) -> LoadedData:
        """All samples (x: [N, *input_shape], y: [N] class indices or [N] values)."""
        raise NotImplementedError

    def encode(self, x: Any, train_index: np.ndarray | None) -> torch.Tensor:
        """Samples as a tensor. Tables fit their column encoding on `train_index` rows here;
        `train_index` is None when encoding with what was fitted before (test split, new inputs)."""
        return x

    def read_inputs(self, path: Path) -> Any:
        """New inputs from a file, as `load` gives `x` (before `encode`): `.npz` (key `x`),
        `.npy` or `.pt`. Subclasses add their own formats (image folders, CSV files)."""
        if not path.exists():
            raise DataError(f"input file not found: {path}")
        if path.suffix == ".npz":
            with np.load(path) as arrays:
                if "x" not in arrays:
                    raise DataError(f"{path} has no array 'x' (it has {sorted(arrays)})")
                return torch.from_numpy(arrays["x"])
        if path.suffix == ".npy":
            return torch.from_numpy(np.load(path))
        if path.suffix == ".pt":
            return torch.load(path, weights_only=True)
        raise DataError(
            f"cannot read inputs from {path}: {type(self).__name__} reads .npz (array 'x'), "
            ".npy or .pt files"
        )

    def extra_state(self) -> dict:
        """What a subclass fitted in training and needs for new inputs (plain types only)."""
        return {}

    def load_extra_state(self, state: dict) -> None:
        pass

    @property
    def task(self) -> str:
        return "classification"

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
        """Everything the model factory needs from the data (see `dlkit.models.build_module`)."""
        kwargs = {
            "task": self.task,
            "input_shape": self.input_shape,
            "num_outputs": self.num_outputs,
        }
        if self.task == "regression":  # the net learns standardized targets
            targets = self._require("train")[1].double()
            kwargs.update(
                target_mean=targets.mean().item(), target_std=targets.std().clamp_min(1e-6).item()
            )
        return kwargs

    # ----------------------------------------------------------------- Lightning hooks
    def setup(self, stage: str | None = None) -> None:
        if self.datasets:  # Lightning calls setup once per stage; the split is made once
            return
        if self.task not in TASKS:
            raise DataError(f"unknown task {self.task!r}: expected one of {TASKS}")
        self._check_augmentation()
        data = self.load()
        has_test = data.x_test is not None
        y = self._check_targets(data.y, "y")
        train, val, test = self._split(y, has_test)
        x = self._check_samples(self.encode(data.x, train), len(y), "x")
        if has_test:
            y_test = self._check_targets(data.y_test, "y_test")
            x_test = self._check_samples(self.encode(data.x_test, None), len(y_test), "x_test")
            if x_test.shape[1:] != x.shape[1:]:
                raise DataError(
                    f"test samples have shape {tuple(x_test.shape[1:])}, training samples "
                    f"{tuple(x.shape[1:])}: both splits must hold samples of one shape"
                )
        else:
            x_test, y_test = x[test], y[test]
        self.datasets = {
            "train": TensorDataset(x[train], y[train]),
            "val": TensorDataset(x[val], y[val]),
            "test": TensorDataset(x_test, y_test),
        }
        self._input_shape = tuple(x.shape[1:])
        self.class_names = data.class_names
        if self.task == "classification":
            self._check_classes(y)
        if self.normalize:
            self.mean, self.std = self._fit_scaler(x[train])

    def _split(self, y: torch.Tensor, has_test: bool) -> tuple:
        stratify = self.task == "classification"
        try:
            return split_indices(
                y.numpy(),
                val_fraction=self.val_fraction,
                test_fraction=self.test_fraction,
                seed=self.seed,
                stratify=stratify,
                num_folds=self.num_folds,
                fold=self.fold,
                has_test=has_test,
            )
        except ValueError as error:
            message = str(error)
            if not stratify or ("least populated" not in message and "n_splits" not in message):
                raise
            counts = torch.bincount(y)
            raise DataError(
                f"a stratified split needs at least 2 samples of every class in each part, but "
                f"the smallest class has {int(counts[counts > 0].min())}: add samples, merge or "
                f"drop rare classes, or use fewer folds ({error})"
            ) from error

    def _fit_scaler(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and std per channel/feature, from the training part only.

        Summed in float64 over chunks, so that large uint8 image sets never exist as one float64
        copy in memory.
        """
        axis = self.feature_axis % (x.ndim - 1) + 1
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

    # ----------------------------------------------------------------- new inputs
    def load_inputs(self, path: str | Path) -> torch.Tensor:
        """New inputs from `path` as the model takes them: read like the training data, encoded
        and standardized with what was fitted in training (after `setup` or `load_state_dict`).

        The result is ready for `model(x)`; it does not pass through `on_after_batch_transfer`
        again.
        """
        if self._input_shape is None:
            raise DataError(
                f"{type(self).__name__} has no fitted preprocessing yet: call setup() or "
                "load_state_dict(checkpoint[...]) with the training run's state first"
            )
        x = self.encode(self.read_inputs(Path(path).expanduser()), None)
        if not isinstance(x, torch.Tensor):
            x = torch.as_tensor(np.asarray(x))
        if self.modality == "sequence" and x.ndim == len(self._input_shape):
            x = x.unsqueeze(-1)  # [N, T] -> [N, T, 1]: one feature per step
        if tuple(x.shape[1:]) != self._input_shape:
            raise DataError(
                f"inputs in {path} have shape {tuple(x.shape[1:])} per sample, but the model "
                f"was trained on {self._input_shape}"
            )
        return self.transform_batch(x.cpu(), augment=False)

    def state_dict(self) -> dict:
        """What training fitted, in plain Python types (checkpoints stay `weights_only`-loadable)."""
        return {
            "task": self.task,
            "input_shape": list(self._input_shape) if self._input_shape else None,
            "class_names": list(self.class_names) if self.class_names else None,
            "mean": self.mean.cpu().tolist() if self.mean is not None else None,
            "std": self.std.cpu().tolist() if self.std is not None else None,
            **self.extra_state(),
        }

    def load_state_dict(self, state: dict) -> None:
        self._input_shape = tuple(state["input_shape"]) if state.get("input_shape") else None
        self.class_names = state.get("class_names")
        self.mean = torch.tensor(state["mean"]) if state.get("mean") is not None else None
        self.std = torch.tensor(state["std"]) if state.get("std") is not None else None
        self.load_extra_state(state)

    # ----------------------------------------------------------------- helpers
    def _check_augmentation(self) -> None:
        accepted = getattr(self.augmentation, "modalities", None)
        if accepted is not None and self.modality not in accepted:
            raise DataError(
                f"{type(self.augmentation).__name__} augments {' or '.join(accepted)} data, but "
                f"{type(self).__name__} holds {self.modality} data: choose an augmentation for "
                f"{self.modality} data (configs/augmentation/) or none (augmentation=null)"
            )

    def _check_targets(self, y: Any, name: str) -> torch.Tensor:
        y = torch.as_tensor(y)
        if len(y) == 0:
            raise DataError(f"{type(self).__name__} loaded no samples: the data set is empty")
        if self.task == "classification":
            if y.is_floating_point() or y.is_complex():
                raise DataError(
                    f"classification needs integer class indices as targets, but {name} holds "
                    f"{y.dtype} values: set data.task=regression to predict numbers"
                )
            if y.min() < 0:
                raise DataError(f"class indices in {name} must be 0 or more, found {int(y.min())}")
            return y.long()
        y = y.float()
        if not torch.isfinite(y).all():
            raise DataError(f"{name} holds NaN or infinite targets: remove or fill those samples")
        return y

    def _check_samples(self, x: Any, count: int, name: str) -> torch.Tensor:
        x = torch.as_tensor(x)
        if len(x) != count:
            raise DataError(f"{name} holds {len(x)} samples but there are {count} targets")
        if x.is_floating_point() and not torch.isfinite(x).all():
            raise DataError(
                f"{name} holds NaN or infinite values: fill or remove them before training"
            )
        return x

    def _check_classes(self, y: torch.Tensor) -> None:
        num_classes = int(y.max()) + 1
        if not self.class_names:
            self.class_names = [str(c) for c in range(num_classes)]
        if num_classes > len(self.class_names):
            raise DataError(
                f"targets go up to class {num_classes - 1}, but only {len(self.class_names)} "
                "class names were given"
            )
        if len(self.class_names) < 2:
            raise DataError(f"classification needs at least 2 classes, found {self.class_names}")

    def _require(self, split: str) -> tuple[torch.Tensor, ...]:
        if split not in self.datasets:
            raise RuntimeError(
                f"{type(self).__name__}.setup() must run before its {split} data is used"
            )
        return self.datasets[split].tensors

    def _loader(self, split: str, shuffle: bool) -> DataLoader:
        self._require(split)
        dataset = self.datasets[split]
        trainer = self.trainer
        rank, world_size = (trainer.global_rank, trainer.world_size) if trainer else (0, 1)
        num_samples = len(dataset)
        # a last training batch of one sample would break batch norm: leave it out
        per_rank = -(-num_samples // world_size)
        drop_last = shuffle and per_rank % self.batch_size == 1
        sampler = ShardedBatchSampler(
            num_samples,
            self.batch_size,
            shuffle=shuffle,
            seed=self.seed,
            rank=rank,
            world_size=world_size,
            drop_last=drop_last,
        )
        if shuffle and trainer:  # training: a resumed run continues mid-epoch where it stopped
            sampler.batches_done = _batches_done(trainer)
        # batch_size=None: each sampler item is a whole batch of indices, fetched in one lookup
        return ResumableDataLoader(
            dataset,
            sampler=sampler,
            batch_size=None,
            num_workers=self.num_workers,
            pin_memory=self.pin_memory,
            persistent_workers=self.persistent_workers,
        )


def _batches_done(trainer) -> Callable[[], int]:
    """Batches of the current epoch already trained: nonzero only right after a mid-epoch resume."""
    progress = trainer.fit_loop.epoch_loop.batch_progress
    return lambda: progress.current.ready
