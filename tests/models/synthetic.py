"""Small fabricated data sets of any modality and task, fast enough for a fit in every test.

The target is a simple function of the input (the mean of each sample), so a few steps of
training already beat chance and a regression's R² rises above zero.
"""

import torch

from dlkit.data.base import BaseDataModule
from dlkit.data.samples import LoadedData

SHAPES = {"image": (1, 8, 8), "sequence": (16, 1), "table": (6,)}


class _Synthetic(BaseDataModule):
    def __init__(
        self,
        *args,
        num_classes: int = 3,
        num_samples: int = 120,
        shape: tuple[int, ...] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.num_classes_wanted = num_classes
        self.num_samples = num_samples
        self.shape = tuple(shape) if shape else SHAPES[self.modality]

    def load(self) -> LoadedData:
        generator = torch.Generator().manual_seed(self.seed)
        x = torch.randn(self.num_samples, *self.shape, generator=generator)
        signal = x.flatten(1).mean(dim=1)
        if self.task == "regression":
            return LoadedData(x=x, y=10.0 + 5.0 * signal)
        # equal-sized classes: the quantiles of the signal
        edges = signal.quantile(torch.linspace(0, 1, self.num_classes_wanted + 1)[1:-1])
        return LoadedData(x=x, y=torch.bucketize(signal, edges))


class SyntheticImages(_Synthetic):
    modality = "image"
    feature_axis = 0


class SyntheticSequences(_Synthetic):
    modality = "sequence"


class SyntheticTable(_Synthetic):
    modality = "table"


def synthetic_data(modality: str, task: str = "classification", num_classes: int = 3) -> list[str]:
    """Overrides that swap `data=` for a fabricated data set of this modality and task."""
    target = {"image": SyntheticImages, "sequence": SyntheticSequences, "table": SyntheticTable}
    cls = target[modality]
    return [
        f"data._target_={cls.__module__}.{cls.__name__}",
        f"task={task}",
        f"+data.num_classes={num_classes}",
        "data.batch_size=16",
    ]
