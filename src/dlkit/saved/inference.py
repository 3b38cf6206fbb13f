"""A trained model as one module from raw inputs to predictions: what `make export` writes.

Training standardizes batches in the data module and the task module turns the net's outputs into
predictions; a deployed model must do both itself, so they are folded into one `nn.Module`:
raw inputs (as the data module loads them) -> resized to a pretrained net's input size, if it
has one -> standardization (fitted on the training split, or the weights' own) -> net -> class
probabilities, or values in target units. Inputs that were not standardized in training (token
ids, say) go to the net as they are.
"""

import torch
from torch import nn

from dlkit.data.base import BaseDataModule
from dlkit.data.net_inputs import resize_batch
from dlkit.models.task import TaskModule


class InferenceModel(nn.Module):
    def __init__(self, model: TaskModule, datamodule: BaseDataModule) -> None:
        super().__init__()
        self.net = model.net
        # the task module turns outputs into predictions; kept out of the submodules because a
        # LightningModule (trainer hooks, metrics) cannot be traced or exported itself
        object.__setattr__(self, "task_module", model)
        self.standardize = datamodule.mean is not None
        ones = torch.ones(1)
        mean = datamodule.mean if self.standardize else ones - 1
        std = datamodule.std if self.standardize else ones
        self.register_buffer("mean", mean.detach().float().cpu().clone())
        self.register_buffer("std", std.detach().float().cpu().clone())
        # the size the net was trained at (`dlkit.data.net_inputs`); None: the inputs' own
        self.size = (getattr(datamodule, "net_inputs", None) or {}).get("size")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.standardize:
            x = (resize_batch(x, self.size) - self.mean) / self.std
        return self.task_module.predict_from_outputs(self.net(x))
