"""Regression: the net predicts standardized targets; metrics and predictions are in target units.

Standardizing the target (with statistics from the training part, given by the data module)
keeps the loss near 1 whatever the target's scale, so the same learning rates work for every
data set.
"""

import torch
import torch.nn.functional as F
from torchmetrics import MeanAbsoluteError, MeanSquaredError, MetricCollection, R2Score

from dlkit.config.values import check_choice
from dlkit.models.task import TaskModule

LOSSES = {"mse": F.mse_loss, "mae": F.l1_loss, "huber": F.huber_loss}


class RegressionModule(TaskModule):
    task = "regression"

    def __init__(
        self,
        *,
        num_targets: int = 1,
        target_mean: float = 0.0,
        target_std: float = 1.0,
        regression_loss: str = "mse",
        **kwargs,
    ) -> None:
        self.num_outputs = num_targets
        self.loss_fn = LOSSES[check_choice("regression loss", regression_loss, LOSSES)]
        super().__init__(**kwargs)
        self.register_buffer("target_mean", torch.tensor(float(target_mean)))
        self.register_buffer("target_std", torch.tensor(float(target_std)))

    def make_metrics(self) -> MetricCollection:
        return MetricCollection(
            {"mse": MeanSquaredError(), "mae": MeanAbsoluteError(), "r2": R2Score()}
        )

    def compute_loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        standardized = (targets.float() - self.target_mean) / self.target_std
        return self.loss_fn(outputs.reshape(standardized.shape), standardized)

    def predict_from_outputs(self, outputs: torch.Tensor) -> torch.Tensor:
        values = outputs * self.target_std + self.target_mean
        return values.squeeze(-1) if values.shape[-1] == 1 else values
