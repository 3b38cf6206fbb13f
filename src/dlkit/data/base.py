"""What every data module shares: splits, folds, scaling fitted on the training part, batches.

A subclass says how to load its samples (`load`) and what they are (`modality`, the `tasks` they
can serve); this base does the rest the same way for images, tables and sequences:

- seeded, stratified train/val/test splits and k-fold selection (`dlkit.data.splits`);
- per-channel / per-feature standardization with statistics of the training part only
  (`standardization`; images.py: a pretrained net's own), applied on the device;
- augmentation of training batches only, on the device, drawn per sample (`dlkit.data.augmentation`);
- in-memory tensors served a batch per index lookup, or files decoded in the loader's workers
  (`data.storage`, `dlkit.data.storage`), sharded over ranks (`dlkit.data.sampling`);
- what the model needs to size itself (`model_kwargs`): the input shape, the number of classes;
- for predictions on new data: `load_inputs(path)` with the preprocessing fitted in training,
  whose state (`state_dict`) Lightning stores in every checkpoint (`dlkit.data.new_inputs`).
"""

import logging
from collections.abc import Iterator, Sequence
from typing import Any

import lightning.pytorch as L
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlkit.config.values import BATCH_SIZE, require
from dlkit.data.file_samples import FileSplit, SampleFiles, decode_rows, decode_sample
from dlkit.data.new_inputs import NewInputs
from dlkit.data.samples import (
    LoadedData,
    checked_class_names,
    checked_samples,
    checked_targets,
    to_float,
)
from dlkit.data.sampling import batch_loader, loader_settings, training_position
from dlkit.data.splits import sample_rows, split_indices
from dlkit.data.storage import check_storage, choose_storage
from dlkit.errors import ConfigError, DataError

log = logging.getLogger(__name__)

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
        storage: memory, stream or auto (`dlkit.data.storage`); memory_budget: GB that `auto`
            lets decoded training data take (None: half the available memory).
        skip_bad_files: streamed files that cannot be decoded are skipped and counted in
            summary.json (`skipped_files`) instead of stopping the run.
        standardization_sample: streamed data: how many training files (seeded choice) the
            standardization statistics are computed from.
        baseline_sample: streamed data: how many training files (seeded choice) a classical
            baseline is fitted on (in memory it sees the whole training split).
        num_workers, pin_memory, persistent_workers: passed to the DataLoaders; None chooses
            (`dlkit.data.sampling.loader_settings`).

    Subclass a modality's base (`ImageDataModule`, `SequenceDataModule`, `TableDataModule`) and
    return the samples from `load`:

        class MyImages(ImageDataModule):
            def load(self) -> LoadedData:
                x = torch.load(f"{self.data_dir}/images.pt")  # [N, C, H, W] uint8
                y = torch.load(f"{self.data_dir}/labels.pt")  # [N] class indices
                return LoadedData(x=x, y=y, class_names=["cat", "dog"])

    A data set read from files can also stream: its `list_files` returns them (and a reader of
    one file), and `data.storage` chooses between decoding them all (`load`) and decoding them
    in the loader's workers.
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
        storage: str = "auto",
        memory_budget: float | None = None,
        skip_bad_files: bool = False,
        standardization_sample: int = 2000,
        baseline_sample: int = 5000,
        num_workers: int | None = None,
        pin_memory: bool | None = None,
        persistent_workers: bool | None = None,
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
        self.storage = check_storage(storage)
        self.memory_budget = memory_budget
        self.skip_bad_files = skip_bad_files
        self.standardization_sample = standardization_sample
        self.baseline_sample = baseline_sample
        self.loader_choices = (num_workers, pin_memory, persistent_workers)
        #: what setup chose for `storage`: "memory" or "stream"
        self.storage_used: str | None = None
        #: streamed files that could not be decoded and were skipped (`skip_bad_files`): their
        #: messages, and the paths of those met in batches (`served_rows`)
        self.skipped_files: list[str] = []
        self.skipped_paths: set[str] = set()
        self.datasets: dict[str, TensorDataset | FileSplit] = {}
        self.class_names: list[str] | None = None
        self.mean: torch.Tensor | None = None
        self.std: torch.Tensor | None = None
        self._input_shape: tuple[int, ...] | None = None
        self.test_index: np.ndarray | None = None  # test rows in `load`'s samples (None: shipped)
        self._resumed: tuple[int, int] | None = None  # a checkpoint's place in its epoch

    # ----------------------------------------------------------------- for subclasses
    def load(self) -> LoadedData:
        """All samples (x: [N, *input_shape], y: [N] class indices or [N] values)."""
        raise NotImplementedError

    def list_files(self) -> tuple[SampleFiles, SampleFiles | None] | None:
        """The data set's files (and its own test files, or None), for `data.storage=stream`:
        listing only, no decoding. None (the default): the data is not read from files."""
        return None

    def on_split_files(
        self,
        files: SampleFiles,
        test_files: SampleFiles | None,
        rows: dict[str, np.ndarray | None],
    ) -> None:
        """Streamed data (`data.storage=stream`): called once the split is drawn, before any file
        is decoded; what a subclass fits on the training files (a tokenizer) and needs to read
        them. `rows`: each split's indices into `files` (test: None when `test_files` holds it)."""

    def encode(self, x: Any, train_index: np.ndarray | None) -> torch.Tensor:
        """Samples as a tensor. Tables fit their column encoding on `train_index` rows here;
        `train_index` is None when encoding with what was fitted before (test split, new inputs)."""
        return x

    def on_split(self, data: LoadedData, rows: dict[str, np.ndarray | None]) -> None:
        """The split is made: `rows` indexes each split in `data.x` (test: None when shipped).
        Text keeps each split's raw strings here, for the classical baseline and the reports."""

    def standardization(self, x_train: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and std per channel/feature (the sample axis `feature_axis`) of the training
        part, shaped to broadcast. Summed in float64 over chunks of about 32 MB, so that a large
        uint8 image set never exists as one float64 copy in memory."""
        axis = self.feature_axis % (x_train.ndim - 1) + 1
        dims = [d for d in range(x_train.ndim) if d != axis]
        total = total_sq = 0.0
        rows = max(1, 2**22 // max(x_train[0].numel(), 1))
        for chunk in x_train.split(rows):
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
        files = self.list_files()
        self.storage_used = choose_storage(
            self.storage,
            self.decoded_bytes(files[0]) if files else 0,
            self.memory_budget,
            type(self).__name__,
            can_stream=files is not None,
        )
        if self.storage_used == "stream":
            self._setup_streamed(*files)
            return
        data = self.load()
        name = type(self).__name__
        y = checked_targets(data.y, "y", self.task, name)
        train, val, test = self._split(y, has_test=data.x_test is not None)
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

    def _split(self, y: torch.Tensor, has_test: bool):
        """Train, validation and test indices of the labels `y` (the fold's, with cv), the same
        whether the samples are in memory or files."""
        return split_indices(
            y.numpy(),
            val_fraction=self.val_fraction,
            test_fraction=self.test_fraction,
            seed=self.seed,
            stratify=self.task == "classification",
            num_folds=self.num_folds,
            fold=self.fold,
            has_test=has_test,
            train_fraction=self.train_fraction,
        )

    def decoded_bytes(self, files: SampleFiles) -> float:
        """What the samples of `files` take decoded (what `data.storage=auto` weighs): the first
        one's size times their count. A subclass whose samples' size is known without decoding
        one (token ids of a fixed length) says so here."""
        sample = files.read(str(files.paths[0]))
        return float(len(files.paths) * sample.numel() * sample.element_size())

    def _setup_streamed(self, files: SampleFiles, test_files: SampleFiles | None) -> None:
        """Splits, class names and statistics from the file list and a sample of the files:
        nothing here grows with the data set but the list itself."""
        name = type(self).__name__
        y = checked_targets(files.labels, "y", self.task, name)
        train, val, test = self._split(y, has_test=test_files is not None)
        self.on_split_files(
            files, test_files, {"train": train, "val": val, "test": None if test_files else test}
        )
        self.datasets = {"train": FileSplit(files, train), "val": FileSplit(files, val)}
        if test_files is None:
            self.datasets["test"], self.test_index = FileSplit(files, test), test
        else:
            checked_targets(test_files.labels, "y_test", self.task, name)
            self.datasets["test"] = FileSplit(test_files)
        self._input_shape = files.sample_shape()
        self.class_names = files.class_names
        if self.task == "classification":
            self.class_names = checked_class_names(y, files.class_names)
        if self.normalize:
            x, bad = decode_sample(
                self.datasets["train"], self.standardization_sample, self.seed, self.file_workers
            )
            self._check_bad_files(bad)
            self.mean, self.std = self.standardization(x)
        log.info(
            "data.storage=stream: %d files listed; standardization from %d training files",
            len(files.paths) + (len(test_files.paths) if test_files else 0),
            min(self.standardization_sample, len(self.datasets["train"])),
        )

    def _check_bad_files(self, messages: list[str]) -> None:
        """Stop on the first file that could not be decoded, or count them (skip_bad_files)."""
        if not messages:
            return
        if not self.skip_bad_files:
            raise DataError(
                f"{messages[0]}; or set data.skip_bad_files=true to skip such files and count "
                "them in summary.json"
            )
        for message in messages:
            if message not in self.skipped_files:  # each epoch meets it again: once is enough
                log.warning("skipped (data.skip_bad_files=true): %s", message)
                self.skipped_files.append(message)

    def samples(
        self, split: str, count: int | None = None, *, rows: Sequence[int] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Samples of a split and their targets, decoded: its first `count`, or those at `rows`
        (for previews, an export's example batch, an audit's pictures), in memory or read from
        their files. Files that cannot be decoded stop here, or are left out with
        data.skip_bad_files=true."""
        if split not in self.datasets:
            self._require(split)
        data = self.datasets[split]
        index = list(range(min(count, len(data)))) if rows is None else [int(i) for i in rows]
        if isinstance(data, FileSplit):
            decoded = [data[i] for i in index]
            self._check_bad_files([s.message for s in decoded if not isinstance(s, tuple)])
            good = [s for s in decoded if isinstance(s, tuple)]
            return torch.stack([x for x, _ in good]), torch.stack([y for _, y in good])
        x, y = data.tensors
        return x[index], y[index]

    def state_dict(self) -> dict:
        """What training fitted (`NewInputs.state_dict`), and where training stood within its
        epoch when the checkpoint was taken: a resumed run continues with the next batch."""
        position = training_position(self.trainer)
        return {**super().state_dict(), "train_position": list(position) if position else None}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        position = state.get("train_position")
        self._resumed = tuple(position) if position else None

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)

    def predict_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)

    def served_rows(self, split: str, rows: Sequence[int]) -> list[int]:
        """Of a batch's `rows` of `split`, those whose samples it holds: the rows of streamed
        files that were skipped (data.skip_bad_files) drop out, so that predictions and rows
        stay matched (the test report's `TestOutputs`)."""
        data = self.datasets.get(split)
        if not self.skipped_paths or not isinstance(data, FileSplit):
            return [int(r) for r in rows]
        return [int(r) for r in rows if data.paths[r] not in self.skipped_paths]

    def on_after_batch_transfer(self, batch, dataloader_idx: int):
        x, y, *bad = batch  # streamed batches: the files that could not be decoded
        if bad and bad[0]:
            self._check_bad_files([b.message for b in bad[0]])
            self.skipped_paths.update(b.path for b in bad[0])
            if len(x) == 0:
                raise DataError(
                    "no file of a whole batch could be decoded (the first: "
                    f"{bad[0][0].message}): check the data folder"
                )
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

    def baseline_features(self, x: torch.Tensor) -> np.ndarray:
        """Samples as a classical model's inputs: standardized like the network's inputs (no
        augmentation), one flat vector each."""
        x = self.transform_batch(x, augment=False)
        return x.reshape(len(x), -1).numpy()

    def baseline_inputs(self, split: str) -> tuple:
        """A split to fit a classical model on (`dlkit.models.baseline`): `baseline_features`
        of its samples (`baseline_samples`), and the targets. A subclass with inputs of its own
        overrides this (and `baseline_batches` to stream them), or refuses streamed data
        through `_require`."""
        x, y = self.baseline_samples(split)
        return self.baseline_features(x), y.numpy()

    def baseline_samples(self, split: str) -> tuple[torch.Tensor, torch.Tensor]:
        """The samples of a split a classical model is fitted on, and their targets: in memory
        all of them; streamed files a seeded, stratified sample of at most `baseline_sample`
        (`baseline_rows`), decoded in the loader's workers, so that memory stays bounded."""
        data = self.datasets.get(split)
        if not isinstance(data, FileSplit):
            return self._require(split)
        x, y, bad = decode_rows(data, self.baseline_rows(split), self.file_workers)
        self._check_bad_files(bad)
        return x, y

    def baseline_rows(self, split: str) -> np.ndarray:
        """The rows of a streamed split a classical model is fitted on: a seeded sample of at
        most `baseline_sample`, stratified for classification (all of them when there are no
        more)."""
        data = self.datasets[split]
        rows = sample_rows(
            np.arange(len(data)),
            data.labels.numpy(),
            self.baseline_sample,
            self.seed,
            stratify=self.task == "classification",
            setting="data.baseline_sample",
        )
        if len(rows) < len(data):
            log.info(
                "classical baseline: fitted on a seeded sample of %d of the %d %s files "
                "(data.baseline_sample)",
                len(rows),
                len(data),
                split,
            )
        return rows

    def baseline_batches(self, split: str) -> Iterator[tuple]:
        """A split to score a classical model on, a batch at a time: in memory the whole split at
        once (`baseline_inputs`); streamed files decoded by the loader's workers a batch at a
        time, each one, never all held together (a skipped bad file is left out)."""
        data = self.datasets.get(split)
        if not isinstance(data, FileSplit):
            yield self.baseline_inputs(split)
            return
        settings = {**self._loader_kwargs(per_sample=True), "persistent_workers": False}
        loader = batch_loader(
            data, self.batch_size, shuffle=False, seed=self.seed, trainer=None, **settings
        )
        for x, y, bad in loader:
            self._check_bad_files([b.message for b in bad])
            if len(x):
                yield self.baseline_features(x), y.numpy()

    # ----------------------------------------------------------------- helpers
    def _require(self, split: str) -> tuple[torch.Tensor, ...]:
        if split not in self.datasets:
            raise RuntimeError(f"{type(self).__name__}.setup() must run before using {split} data")
        if isinstance(self.datasets[split], FileSplit):
            raise ConfigError(
                f"{type(self).__name__} streams its files (data.storage=stream), and this needs "
                "every sample in memory (a classical baseline on features of the whole split, "
                "say): set data.storage=memory"
            )
        return self.datasets[split].tensors

    @property
    def file_workers(self) -> int:
        """Loader workers that decode files outside the training loop (statistics, baseline,
        a folder read into memory): what a streamed loader would get."""
        return self._loader_kwargs(per_sample=True)["num_workers"]

    def _loader_kwargs(self, per_sample: bool) -> dict:
        return loader_settings(*self.loader_choices, per_sample=per_sample, trainer=self.trainer)

    def _loader(self, split: str, shuffle: bool) -> DataLoader:
        if split not in self.datasets:
            self._require(split)
        dataset = self.datasets[split]
        return batch_loader(
            dataset,
            self.batch_size,
            shuffle=shuffle,
            seed=self.seed,
            trainer=self.trainer,
            resumed=self._resumed if shuffle else None,
            **self._loader_kwargs(per_sample=isinstance(dataset, FileSplit)),
        )
