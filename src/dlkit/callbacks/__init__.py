"""Callbacks: reusable outside `train.py` (plug them into any Lightning Trainer)."""

from dlkit.callbacks.history import MetricHistory
from dlkit.callbacks.reports import Reports

__all__ = ["MetricHistory", "Reports"]
