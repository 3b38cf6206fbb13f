"""The confusion matrix of the test split: counts, and rates normalized by the true class."""

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt
import numpy as np


def normalized_by_true_class(matrix: np.ndarray) -> np.ndarray:
    """Each row divided by its total: the diagonal holds each class's recall."""
    return matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)


def plot_confusion_matrix(matrix: np.ndarray, class_names: Sequence[str], path: str | Path) -> None:
    """Counts and row-normalized rates (recall per class on the diagonal), side by side."""
    normalized = normalized_by_true_class(matrix)
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
