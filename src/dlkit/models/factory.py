"""The model factory: the task module that the data's task picks, around a net sized for the data.

`configs/model/*.yaml` name `build_module` as their `_target_`; the data module supplies the task
and the sizes (`BaseDataModule.model_kwargs`), so `data=X model=Y` never needs dimensions edited
by hand.
"""

from collections.abc import Callable

from torch import nn

from dlkit.models.classification import ClassificationModule
from dlkit.models.regression import RegressionModule
from dlkit.models.task import TaskModule


def build_module(
    *,
    task: str,
    input_shape: tuple[int, ...],
    num_outputs: int,
    net: Callable[..., nn.Module],
    optimizer: Callable,
    scheduler: Callable | None = None,
    compile: bool = False,
    label_smoothing: float = 0.0,
    regression_loss: str = "mse",
    target_mean: float = 0.0,
    target_std: float = 1.0,
    backbone_lr_factor: float = 1.0,
) -> TaskModule:
    """The task module for `task`; `net` is the net's partial config, given its sizes here."""
    common = {
        "net": net(input_shape=tuple(input_shape), num_outputs=num_outputs),
        "optimizer": optimizer,
        "scheduler": scheduler,
        "compile": compile,
        "backbone_lr_factor": backbone_lr_factor,
    }
    if task == "classification":
        return ClassificationModule(
            **common, num_classes=num_outputs, label_smoothing=label_smoothing
        )
    if task == "regression":
        return RegressionModule(
            **common, loss=regression_loss, target_mean=target_mean, target_std=target_std
        )
    raise ValueError(f"unknown task {task!r}: expected 'classification' or 'regression'")
