"""Samples as a data module loads them, and the checks every data set must pass before training.

The checks run once in `BaseDataModule.setup`, so that bad data stops with one message naming
the cause and the fix, not deep inside a training step.
"""

from dataclasses import dataclass
from typing import Any

import torch

from dlkit.errors import DataError


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


def checked_targets(y: Any, name: str, task: str, owner: str) -> torch.Tensor:
    """Class indices (long) for classification, finite floats for regression."""
    y = torch.as_tensor(y)
    if len(y) == 0:
        raise DataError(f"{owner} loaded no samples: the data set is empty")
    if task == "classification":
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


def checked_samples(x: Any, count: int, name: str) -> torch.Tensor:
    """One sample per target, and no NaN or infinite values."""
    x = torch.as_tensor(x)
    if len(x) != count:
        raise DataError(f"{name} holds {len(x)} samples but there are {count} targets")
    if x.is_floating_point() and not torch.isfinite(x).all():
        raise DataError(f"{name} holds NaN or infinite values: fill or remove them before training")
    return x


def checked_class_names(y: torch.Tensor, class_names: list[str] | None) -> list[str]:
    """The class names (0..max(y) when none were given); at least two classes."""
    num_classes = int(y.max()) + 1
    class_names = class_names or [str(c) for c in range(num_classes)]
    if num_classes > len(class_names):
        raise DataError(
            f"targets go up to class {num_classes - 1}, but only {len(class_names)} "
            "class names were given"
        )
    if len(class_names) < 2:
        raise DataError(f"classification needs at least 2 classes, found {class_names}")
    return class_names
