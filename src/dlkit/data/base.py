"""What every data module shares: splits, folds, scaling fitted on the training part, batches.

A subclass says how to load its samples (`load`) and what they are (`modality`, `task`); this base
does the rest the same way for images, tables and sequences:

- seeded, stratified train/val/test splits and k-fold selection (`dlkit.data.splits`);
- per-channel / per-feature standardization whose statistics come from the training part only,
  applied to every split after the batch reaches the device (no leakage, no per-sample cost);
- in-memory tensors served a whole batch per index lookup, sharded across distributed ranks;
- what the model needs to size itself: `input_shape`, `num_outputs`, `class_names`, `task`.

`batch_size` is per device: with `trainer.devices=4` each optimizer step sees 4 x batch_size samples.
"""

from dataclasses import dataclass

import lightning.pytorch as L
import torch
from torch.utils.data import DataLoader, TensorDataset

from dlkit.data.sampling import ResumableDataLoader, ShardedBatchSampler
from dlkit.data.splits import split_indices

TASKS = ("classification", "regression")


@dataclass
class LoadedData:
    """Samples as tensors. `x_test`/`y_test` only for data sets that ship their own test split."""

    x: torch.Tensor
    y: torch.Tensor
    x_test: torch.Tensor | None = None
    y_test: torch.Tensor | None = None
    class_names: list[str] | None = None


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
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.persistent_workers = persistent_workers and num_workers > 0
        self.datasets: dict[str, TensorDataset] = {}
        self.class_names: list[str] | None = None
        self.mean: torch.Tensor | None = None
        self.std: torch.Tensor | None = None

    # ----------------------------------------------------------------- for subclasses
    def load(self) -> LoadedData:
        """All samples as tensors (x: [N, *input_shape], y: [N] class indices or [N] values)."""
        raise NotImplementedError

    @property
    def task(self) -> str:
        return "classification"

    # ----------------------------------------------------------------- what the model needs
    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self._require("train")[0].shape[1:])

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
        data = self.load()
        if self.task not in TASKS:
            raise ValueError(f"unknown task {self.task!r}: expected one of {TASKS}")
        has_test = data.x_test is not None
        train, val, test = split_indices(
            data.y.numpy(),
            val_fraction=self.val_fraction,
            test_fraction=self.test_fraction,
            seed=self.seed,
            stratify=self.task == "classification",
            num_folds=self.num_folds,
            fold=self.fold,
            has_test=has_test,
        )
        x, y = data.x, data.y
        self.datasets = {
            "train": TensorDataset(x[train], y[train]),
            "val": TensorDataset(x[val], y[val]),
            "test": TensorDataset(data.x_test, data.y_test)
            if has_test
            else TensorDataset(x[test], y[test]),
        }
        self.class_names = data.class_names
        if self.task == "classification" and not self.class_names:
            self.class_names = [str(c) for c in range(int(y.max()) + 1)]
        if self.normalize:
            self.mean, self.std = self._fit_scaler(x[train])

    def _fit_scaler(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and std per channel/feature, from the training part only."""
        axis = self.feature_axis % (x.ndim - 1) + 1
        dims = [d for d in range(x.ndim) if d != axis]
        x = x.double()
        mean = x.mean(dim=dims, keepdim=True).float()
        std = x.std(dim=dims, keepdim=True).float().clamp_min(1e-6)
        return mean, std

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
        return self.transform_batch(x), y

    def transform_batch(self, x: torch.Tensor) -> torch.Tensor:
        """Standardize a batch already on its device (subclasses add augmentation before this)."""
        if self.mean is None:
            return x
        if self.mean.device != x.device:
            self.mean, self.std = self.mean.to(x.device), self.std.to(x.device)
        return (x - self.mean) / self.std

    # ----------------------------------------------------------------- helpers
    def _require(self, split: str) -> TensorDataset:
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
        # batch_size=None: each sampler item is a whole batch of indices, fetched in one lookup
        return ResumableDataLoader(
            dataset,
            progress=_training_progress(trainer) if trainer and shuffle else None,
            sampler=sampler,
            batch_size=None,
            num_workers=self.num_workers,
            pin_memory=self.pin_memory,
            persistent_workers=self.persistent_workers,
        )


def _training_progress(trainer):
    """(batches trained in this epoch, batches per epoch), read when a checkpoint is saved."""
    batches = trainer.fit_loop.epoch_loop.batch_progress
    return lambda: (batches.current.completed, trainer.num_training_batches)
