"""Callbacks: reusable outside `train.py` (plug them into any Lightning Trainer)."""

from dlkit.callbacks.augmentation_preview import AugmentationPreview
from dlkit.callbacks.history import MetricHistory
from dlkit.callbacks.reports import Reports

__all__ = ["AugmentationPreview", "MetricHistory", "Reports"]
