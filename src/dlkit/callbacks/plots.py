"""Matplotlib figures of a run: learning curves and the confusion matrix. Plain functions, reusable."""

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt
import numpy as np


def plot_learning_curves(history: Sequence[dict[str, float]], path: str | Path) -> None:
    """Train vs validation loss, and each other metric, per epoch: where overfitting shows."""
    metrics = sorted(
        {
            key.split("/", 1)[1]
            for row in history
            for key in row
            if key.startswith(("train/", "val/"))
        }
    )
    metrics = ["loss"] + [m for m in metrics if m != "loss"]
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.6), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        for split, style in (("train", "-"), ("val", "--")):
            points = [
                (row["epoch"], row[f"{split}/{metric}"])
                for row in history
                if f"{split}/{metric}" in row
            ]
            if points:
                epochs, values = zip(*points, strict=True)
                ax.plot(epochs, values, style, marker="o", markersize=3, label=split)
        ax.set_title(metric)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_confusion_matrix(matrix: np.ndarray, class_names: Sequence[str], path: str | Path) -> None:
    """Counts and row-normalized rates (recall per class on the diagonal), side by side."""
    normalized = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    size = max(4.0, 0.45 * len(class_names) + 2.5)
    fig, axes = plt.subplots(1, 2, figsize=(2 * size + 1, size))
    for ax, values, title, fmt in (
        (axes[0], matrix, "counts", "d"),
        (axes[1], normalized, "normalized by true class", ".2f"),
    ):
        image = ax.imshow(values, cmap="Blues")
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        ticks = np.arange(len(class_names))
        ax.set_xticks(
            ticks,
            class_names,
            rotation=45 if len(class_names) > 10 else 0,
            ha="right" if len(class_names) > 10 else "center",
        )
        ax.set_yticks(ticks, class_names)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(f"test confusion matrix ({title})")
        if len(class_names) <= 20:
            threshold = values.max() / 2 if values.size else 0
            for i, j in np.ndindex(values.shape):
                ax.text(
                    j,
                    i,
                    format(values[i, j], fmt),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if values[i, j] > threshold else "black",
                )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
