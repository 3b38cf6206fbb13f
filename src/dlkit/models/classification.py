"""Classification: cross-entropy on logits; softmax only for predictions (probabilities)."""

import torch
import torch.nn.functional as F
from torchmetrics import MetricCollection
from torchmetrics.classification import MulticlassAccuracy, MulticlassF1Score

from dlkit.config.values import PROBABILITY, require
from dlkit.errors import ConfigError
from dlkit.models.task import TaskModule


class ClassificationModule(TaskModule):
    """Multiclass and binary classification; `num_classes` comes from the data module.

    Binary is the two-class case: two logits with softmax cross-entropy, which is the same model
    as one logit with a sigmoid and binary cross-entropy, so one code path serves both, and the
    confusion matrix, accuracy and macro F1 read the same way.
    """

    task = "classification"

    def __init__(self, *, num_classes: int, label_smoothing: float = 0.0, **kwargs) -> None:
        if num_classes < 2:
            raise ConfigError(f"classification needs at least 2 classes, got {num_classes}")
        self.num_classes = self.num_outputs = num_classes
        self.label_smoothing = require("label_smoothing", label_smoothing, PROBABILITY)
        super().__init__(**kwargs)

    def make_metrics(self) -> MetricCollection:
        return MetricCollection(
            {
                # the data modules check the labels once; checking every batch waits for the device
                "acc": MulticlassAccuracy(self.num_classes, average="micro", validate_args=False),
                "f1": MulticlassF1Score(self.num_classes, average="macro", validate_args=False),
            }
        )

    def compute_loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(outputs, targets, label_smoothing=self.label_smoothing)

    def predict_from_outputs(self, outputs: torch.Tensor) -> torch.Tensor:
        return outputs.softmax(dim=-1)
