"""The model factory: the task module that the data's task picks, around a net sized for the data.

`configs/model/*.yaml` name `build_module` as their `_target_`; the data module supplies the task
and the sizes (`BaseDataModule.model_kwargs`), so `data=X model=Y` never needs dimensions edited
by hand. Text adds the vocabulary: its size and the padding id reach the net, which embeds the
token ids (`dlkit.models.nets.tokens`); other data leaves them out, so nets that take no text
need not know of them.
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
    vocab_size: int | None = None,
    padding_id: int = 0,
) -> TaskModule:
    """The task module for `task`; `net` is the net's partial config, given its sizes here."""
    tokens = {} if vocab_size is None else {"vocab_size": vocab_size, "padding_id": padding_id}
    common = {
        "net": net(input_shape=tuple(input_shape), num_outputs=num_outputs, **tokens),
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
