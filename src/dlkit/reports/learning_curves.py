"""Learning curves: train vs validation loss, and each other metric, per epoch."""

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator


def integer_ticks(axis) -> None:
    """Ticks on whole numbers only (epochs, jobs), one run of a single epoch included: Matplotlib's
    integer locator needs two whole numbers in view (`min_n_ticks=2`) and otherwise falls back to
    fractions (-0.04, -0.02, 0, …) around a lone epoch 0."""
    axis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))


def plot_learning_curves(history: Sequence[dict[str, float]], path: str | Path) -> None:
    fig = learning_curves_figure(history)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def learning_curves_figure(history: Sequence[dict[str, float]]) -> Figure:
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
        integer_ticks(ax.xaxis)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return fig
