"""The picture of per-group scores (`group_metrics.png`): bars per group with each group's
support and accuracy's 95 % interval, a dashed line for all groups together, and for
classification each group's confusion matrix below (rates by true class, counts written in)."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt
import numpy as np

from dlkit.reports.held_out import normalized_by_true_class

MATRICES = 8  # confusion matrices drawn, at most (summary.json has every group's)
SCORE_NAMES = {"acc": "accuracy", "f1": "macro F1", "r2": "R²", "mae": "MAE", "mse": "MSE"}


def plot_groups(report: dict, path: Path) -> None:
    """Scores per group (bars, with accuracy's interval and each group's support), and for
    classification each group's confusion matrix below."""
    groups = report["groups"]
    names = list(groups)
    classification = report["task"] == "classification"
    # scores of one scale share a panel
    panels = [("acc", "f1")] if classification else [("r2",), ("mae",)]
    matrices = min(len(names), MATRICES) if classification else 0
    per_row = max(min(matrices, 4), len(panels))
    matrix_rows = -(-matrices // per_row) if matrices else 0
    width = max(6.0, len(panels) * (1.0 + 1.2 * len(names)), 2.6 * per_row)
    fig = plt.figure(figsize=(width, 4.0 + 2.8 * matrix_rows), layout="constrained")
    grid = fig.add_gridspec(1 + matrix_rows, per_row, height_ratios=[1.5] + [1] * matrix_rows)
    span = per_row // len(panels)
    for p, scores in enumerate(panels):
        ax = fig.add_subplot(grid[0, p * span : (p + 1) * span])
        _bars(ax, groups, scores)
        ax.set_xlabel(report["column"])
    gap = report["largest_gap"].get(report["headline"])
    title = f"test split by {report['column']}"
    if gap:
        title += (
            f": largest {SCORE_NAMES[report['headline']]} gap {gap['gap']:.3f} "
            f"({gap['best']['group']} vs {gap['worst']['group']})"
        )
    fig.suptitle(title, fontsize=10)
    for i, name in enumerate(names[:matrices]):
        ax = fig.add_subplot(grid[1 + i // per_row, i % per_row])
        counts = np.array(groups[name]["confusion_matrix"])
        rates = normalized_by_true_class(counts)
        ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
        labels = report["labels"]
        ticks = np.arange(len(labels))
        ax.set_xticks(ticks, labels if len(labels) <= 10 else [], fontsize=7)
        ax.set_yticks(ticks, labels if len(labels) <= 10 else [], fontsize=7)
        if len(labels) <= 10:
            for r, c in np.ndindex(counts.shape):
                ax.text(
                    c,
                    r,
                    str(counts[r, c]),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if rates[r, c] > 0.5 else "black",
                )
        ax.set_title(f"{report['column']}={name} (n={groups[name]['support']})", fontsize=9)
        ax.set_xlabel("predicted", fontsize=8)
        ax.set_ylabel("true", fontsize=8)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _bars(ax, groups: dict, scores: tuple[str, ...]) -> None:
    """One bar per group and score, its value written in; accuracy with its interval and the
    accuracy of all groups together as a dashed line."""
    names = list(groups)
    positions = np.arange(len(names))
    step = 0.8 / len(scores)
    for k, (score, color) in enumerate(zip(scores, ("#4c72b0", "#55a868"), strict=False)):
        values = np.array([np.nan if groups[g][score] is None else groups[g][score] for g in names])
        x = positions - 0.4 + step * (k + 0.5)
        bars = ax.bar(x, values, width=step * 0.95, color=color, label=SCORE_NAMES[score])
        ax.bar_label(
            bars, fmt="%.2f", label_type="center", color="white", fontweight="bold", fontsize=8
        )
        if score == "acc":
            interval = np.array([groups[g]["acc_interval"] for g in names])
            ax.errorbar(
                x,
                values,
                yerr=[values - interval[:, 0], interval[:, 1] - values],
                fmt="none",
                ecolor="black",
                capsize=4,
                label="accuracy's 95 % interval",
            )
            support = np.array([groups[g]["support"] for g in names])
            overall = float(np.dot(values, support) / support.sum())
            ax.axhline(overall, color="gray", linestyle="--", lw=1, label="accuracy, all groups")
            ax.set_ylim(0, 1.25)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks(positions, [f"{g}\nn={groups[g]['support']}" for g in names])
    if len(scores) > 1:
        ax.legend(fontsize=8, loc="upper center", ncol=4, frameon=False)
    else:
        ax.set_title(SCORE_NAMES[scores[0]], fontsize=10)
