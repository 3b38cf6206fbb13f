"""Callbacks: reusable outside `train.py` (plug them into any Lightning Trainer)."""

from dlkit.callbacks.augmentation_preview import AugmentationPreview
from dlkit.callbacks.divergence import DivergenceError, StopOnDivergence
from dlkit.callbacks.history import MetricHistory
from dlkit.callbacks.interruption import CheckpointOnInterrupt
from dlkit.callbacks.reports import Reports
from dlkit.callbacks.step_seed import StepSeed

__all__ = [
    "AugmentationPreview",
    "CheckpointOnInterrupt",
    "DivergenceError",
    "MetricHistory",
    "Reports",
    "StepSeed",
    "StopOnDivergence",
]
