"""Sequence data: samples are [T, F] float tensors (T steps of F features), standardized per
feature. 1-D CNNs and recurrent nets read them along T.

`MNIST1DDataModule` generates MNIST-1D locally (no download); `SequenceNpzDataModule` reads your
own arrays from a .npz file.
"""

import os
from pathlib import Path

import numpy as np
import torch

from dlkit.data.base import BaseDataModule
from dlkit.data.samples import LoadedData
from dlkit.errors import DataError


class SequenceDataModule(BaseDataModule):
    """Sequences [T, F] (T steps of F features), standardized per feature; any `BaseDataModule`
    argument. Subclass it with a `load` that returns LoadedData(x=[N, T, F], y=[N]); see
    `as_sequences` for [N, T] arrays of one feature."""

    modality = "sequence"
    feature_axis = -1  # features


def as_sequences(x: np.ndarray, name: str) -> torch.Tensor:
    """[N, T] (one feature per step) or [N, T, F] arrays as a float tensor [N, T, F]."""
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3:
        raise DataError(
            f"{name} must have shape [samples, steps] or [samples, steps, features], "
            f"got {list(x.shape)}"
        )
    if not np.issubdtype(x.dtype, np.number):
        raise DataError(f"{name} must hold numbers, got dtype {x.dtype}")
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))


class MNIST1DDataModule(SequenceDataModule):
    """MNIST-1D (Greydanus, 2020): the ten digits as 40-step 1-D signals, shifted, scaled, sheared
    and noised. Small enough for a laptop, yet it separates MLPs, CNNs and RNNs clearly.
    Generated once by the `mnist1d` package with its default arguments and cached as .npz; keeps
    the package's own 4,000/1,000 train/test split."""

    tasks = ("classification",)

    @property
    def cache_file(self) -> Path:
        return Path(self.data_dir) / "mnist1d" / "mnist1d.npz"

    def prepare_data(self) -> None:
        if self.cache_file.is_file():
            return
        from mnist1d.data import get_dataset_args, make_dataset

        data = make_dataset(get_dataset_args())
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.cache_file.with_name(f".{os.getpid()}.{self.cache_file.name}")
        np.savez_compressed(
            partial, x=data["x"], y=data["y"], x_test=data["x_test"], y_test=data["y_test"]
        )
        partial.replace(self.cache_file)  # atomic: a reader never sees half a file

    def load(self) -> LoadedData:
        self.prepare_data()  # no-op when cached; covers use without a Trainer
        with np.load(self.cache_file) as data:
            return LoadedData(
                x=as_sequences(data["x"], "x"),
                y=torch.from_numpy(data["y"]).long(),
                x_test=as_sequences(data["x_test"], "x_test"),
                y_test=torch.from_numpy(data["y_test"]).long(),
                class_names=[str(c) for c in range(10)],
            )


class SequenceNpzDataModule(SequenceDataModule):
    """Your own sequences in one .npz file (`numpy.savez`):

    - `x`: [N, T] or [N, T, F] numbers; `y`: [N] class indices (numbers with `task=regression`);
    - optional `x_test` and `y_test`: a test split of your own (else one is drawn from x, y);
    - optional `class_names`: [num_classes] strings.
    """

    def __init__(self, path: str, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.path = path

    def load(self) -> LoadedData:
        path = Path(self.path).expanduser()
        if not path.is_file():
            raise DataError(f"sequence file not found: {path}. Point data.path at your .npz file")
        try:
            arrays = dict(np.load(path, allow_pickle=False))
        except (OSError, ValueError) as error:
            raise DataError(f"cannot read {path} as a .npz file of arrays: {error}") from error
        missing = [key for key in ("x", "y") if key not in arrays]
        if missing:
            raise DataError(
                f"{path} lacks the array(s) {missing}: it has {sorted(arrays)}. Save samples as "
                "`x` and targets as `y`: numpy.savez(path, x=x, y=y)"
            )
        if ("x_test" in arrays) != ("y_test" in arrays):
            raise DataError(f"{path} must hold both `x_test` and `y_test`, or neither")
        names = arrays.get("class_names")
        return LoadedData(
            x=as_sequences(arrays["x"], "x"),
            y=torch.from_numpy(arrays["y"]),
            x_test=as_sequences(arrays["x_test"], "x_test") if "x_test" in arrays else None,
            y_test=torch.from_numpy(arrays["y_test"]) if "y_test" in arrays else None,
            class_names=[str(c) for c in names] if names is not None else None,
        )
