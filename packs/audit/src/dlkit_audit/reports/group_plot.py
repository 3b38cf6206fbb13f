"""The picture of per-group scores (`group_metrics.png`): bars per group with each group's
support and each score's 95 % interval (groups too small to compare hatched and pale), a dashed
line for accuracy of all groups together, and for classification each group's confusion matrix
below (rates by true class, counts written in)."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

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
        small = ", too small" if groups[name]["too_small"] else ""
        ax.set_title(f"{report['column']}={name} (n={groups[name]['support']}{small})", fontsize=9)
        ax.set_xlabel("predicted", fontsize=8)
        ax.set_ylabel("true", fontsize=8)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _bars(ax, groups: dict, scores: tuple[str, ...]) -> None:
    """One bar per group and score, its value written in, with its 95 % interval; the groups
    too small to compare hatched and pale; accuracy of all groups together as a dashed line."""
    names = list(groups)
    positions = np.arange(len(names))
    small = np.array([groups[g]["too_small"] for g in names])
    step = 0.8 / len(scores)
    for k, (score, color) in enumerate(zip(scores, ("#4c72b0", "#55a868"), strict=False)):
        values = np.array([np.nan if groups[g][score] is None else groups[g][score] for g in names])
        x = positions - 0.4 + step * (k + 0.5)
        bars = ax.bar(x, values, width=step * 0.95, color=color, label=SCORE_NAMES[score])
        for bar, too_small in zip(bars, small, strict=True):
            if too_small:
                bar.set_alpha(0.35)
                bar.set_hatch("//")
        labels = ax.bar_label(
            bars, fmt="%.2f", label_type="center", color="white", fontweight="bold", fontsize=8
        )
        for label, too_small in zip(labels, small, strict=True):
            if too_small:  # on a pale bar
                label.set_color("black")
        intervals = [groups[g].get(f"{score}_interval") for g in names]
        shown = [i for i, interval in enumerate(intervals) if interval is not None]
        if shown:
            low = np.array([intervals[i][0] for i in shown])
            high = np.array([intervals[i][1] for i in shown])
            ax.errorbar(
                x[shown],
                values[shown],
                yerr=[np.maximum(values[shown] - low, 0), np.maximum(high - values[shown], 0)],
                fmt="none",
                ecolor="black",
                capsize=4,
                label="95 % interval" if k == 0 else None,
            )
        if score == "acc":
            support = np.array([groups[g]["support"] for g in names])
            overall = float(np.dot(values, support) / support.sum())
            ax.axhline(overall, color="gray", linestyle="--", lw=1, label="accuracy, all groups")
            ax.set_ylim(0, 1.25)
    ax.axhline(0, color="black", lw=0.6)
    ticks = [
        f"{g}\nn={groups[g]['support']}" + ("\ntoo small" if groups[g]["too_small"] else "")
        for g in names
    ]
    ax.set_xticks(positions, ticks)
    ax.set_ylabel(" / ".join(SCORE_NAMES[s] for s in scores))
    handles, _ = ax.get_legend_handles_labels()
    if small.any():  # an entry for the hatching
        handles.append(Patch(facecolor="white", edgecolor="gray", hatch="//", label="too small"))
    if len(scores) > 1 or small.any():
        ax.legend(handles=handles, fontsize=8, loc="upper center", ncol=3, frameon=False)
    if len(scores) == 1:
        ax.set_title(SCORE_NAMES[scores[0]], fontsize=10)
