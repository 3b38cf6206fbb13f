"""Learning curves: train vs validation loss, and each other metric, per epoch."""

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator


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
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
