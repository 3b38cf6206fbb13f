"""`make compare runs=…`: the learning curves of several runs overlaid, and their final metrics.

Any run folders, or sweep folders (each job is a run), or a cross-validated run (each fold is a
run). Each run is named by what sets it apart: its overrides that not every run shares (a job of
a sweep: the values it swept), else its folder's name. `comparison.png` overlays the training
(solid) and validation (dashed) curves of the loss and of the optimized metric; `comparison.md`
tables the best validation score, the test metrics, the epochs and the time of each run.
"""

import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from dlkit.errors import ConfigError
from dlkit.reports.learning_curves import integer_ticks
from dlkit.runs.folder import RunFolder, SweepFolder, write_text_atomic
from dlkit_diagnostics.files import COMPARISON_MD, COMPARISON_PNG
from dlkit_diagnostics.metrics import epoch_table


def runs_in(path: str | Path) -> list[RunFolder]:
    """The runs a folder holds: itself, a sweep's jobs, or a cross-validated run's folds."""
    root = Path(path)
    if not root.is_dir():
        raise ConfigError(f"{root} is not a folder: give run or sweep folders (logs/train/…)")
    if RunFolder(root).metrics.is_file():
        return [RunFolder(root)]
    jobs = list(SweepFolder(root).jobs())
    folds = sorted(root.glob("fold_*/"), key=lambda p: int(p.name.split("_")[1]))
    runs = [r for r in jobs or [RunFolder(f) for f in folds] if r.metrics.is_file()]
    if not runs:
        raise ConfigError(
            f"{root} holds no run with metrics: a run folder has metrics.csv (the CSV logger, "
            "logger=csv), a sweep folder one such folder per job"
        )
    return runs


def run_labels(runs: Sequence[RunFolder]) -> list[str]:
    """Each run's overrides that not all runs share; its folder's name when none differ."""
    overrides = [run.overrides() for run in runs]
    shared = set.intersection(*(set(o) for o in overrides)) if overrides else set()
    labels = [" ".join(o for o in own if o not in shared) for own in overrides]
    return [label or run.root.name for label, run in zip(labels, runs, strict=True)]


def optimized_metric(runs: Sequence[RunFolder]) -> str:
    """The optimized metric's name without its split (`acc`, `r2`), or `loss` when none says."""
    for run in runs:
        name = (run.read_summary().get("optimized_metric") or {}).get("name")
        if name:
            return name.split("/", 1)[1]
    return "loss"


def plot_curves(ax, runs: Sequence[RunFolder], labels: Sequence[str], metric: str) -> None:
    """Train (solid) and validation (dashed) `metric` per epoch, one color per run."""
    colors = (
        plt.cm.tab10.colors if len(runs) <= 10 else plt.cm.viridis(np.linspace(0, 1, len(runs)))
    )
    for run, label, color in zip(runs, labels, colors, strict=False):
        table, named = epoch_table(run), False
        for split, style in (("train", "-"), ("val", "--")):
            if f"{split}/{metric}" in table:
                values = table[f"{split}/{metric}"].dropna()
                # a marker on each epoch: a one-epoch run is a single point, no line at all
                ax.plot(
                    values.index,
                    values,
                    style,
                    marker="o",
                    markersize=3,
                    color=color,
                    label=None if named else label,
                )
                named = True
    ax.set_title(f"{metric} (solid: train, dashed: validation)")
    ax.set_xlabel("epoch")
    integer_ticks(ax.xaxis)
    ax.grid(alpha=0.3)


def comparison_figure(runs: Sequence[RunFolder], labels: Sequence[str]) -> Figure:
    """The loss and the optimized metric of every run, side by side."""
    metrics = ["loss"] + [m for m in [optimized_metric(runs)] if m != "loss"]
    fig, axes = plt.subplots(1, len(metrics), figsize=(6 * len(metrics) + 2.5, 4.2), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        plot_curves(ax, runs, labels, metric)
    axes[0][-1].legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    return fig


def comparison_table(runs: Sequence[RunFolder], labels: Sequence[str], where: Path) -> str:
    """A Markdown table: one row per run, its status, scores, epochs, time, and a link to its
    folder relative to `where` (the folder of the table)."""
    metric = optimized_metric(runs)
    summaries = [run.read_summary() for run in runs]
    tests = sorted({k for s in summaries for k in (s.get("test") or {})})
    header = ["run", "status", f"val {metric}", *(f"test {k}" for k in tests), "epochs", "time s"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for run, label, summary in zip(runs, labels, summaries, strict=True):
        val = (summary.get("val") or {}).get(metric)
        test = summary.get("test") or {}
        cells = [
            f"{label} ([folder]({os.path.relpath(run.root, where)}))",
            summary.get("status", "?"),
            _number(val),
            *(_number(test.get(k)) for k in tests),
            str(summary.get("epochs", "")),
            _number(summary.get("duration_s"), ".1f"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def compare(paths: Sequence[str | Path], out: str | Path | None = None) -> tuple[Path, Path]:
    """Write `comparison.png` and `comparison.md` into `out` (else the first folder given)."""
    if not paths:
        raise ConfigError("nothing to compare: make compare runs=<run or sweep folders>")
    runs = [run for path in paths for run in runs_in(path)]
    labels = run_labels(runs)
    folder = Path(out) if out else Path(paths[0])
    folder.mkdir(parents=True, exist_ok=True)
    png, md = folder / COMPARISON_PNG, folder / COMPARISON_MD
    fig = comparison_figure(runs, labels)
    fig.savefig(png, dpi=110)
    plt.close(fig)
    title = f"# Comparison of {len(runs)} runs\n\n![learning curves]({png.name})\n\n"
    write_text_atomic(md, title + comparison_table(runs, labels, folder))
    return png, md


def _number(value, spec: str = ".4f") -> str:
    return format(value, spec) if isinstance(value, (int, float)) else ""
