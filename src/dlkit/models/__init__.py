"""Task modules (LightningModules), the model factory, schedules and the classical baseline."""
