"""What the lessons' figure functions share: the findings they return, colors, a saved figure.

Each `dlkit_lessons.<name>.report(jobs, png)` draws `png` and returns `Findings`: two
paragraphs (what was measured, and whether the course's claim holds on this data, with the
numbers) and a table with one row per job; `dlkit_lessons.report` writes them into lesson.md.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt
from matplotlib.ticker import LogFormatter
from omegaconf import OmegaConf

from dlkit.reports.learning_curves import integer_ticks
from dlkit_lessons.jobs import Job


@dataclass
class Findings:
    measured: str  # paragraph 1: what ran and what was measured
    verdict: str  # paragraph 2: does the claim hold here, with the numbers
    table: list[dict[str, str]] = field(default_factory=list)  # one row per job (or group)


def setup(job: Job) -> str:
    """What a job trained, from its saved config: "an MLP (8 hidden layers of 64, no batch
    norm) on digits (1257 training samples), SGD at lr 0.02 (momentum 0.9), 20 epochs"; the
    lessons' texts say it so that they stay true when a lesson runs with other overrides."""
    cfg = job.folder.saved_config() or OmegaConf.create()
    swept = {key.lstrip("+") for key in job.values}  # what differs between the jobs: left out

    def get(key: str, default=None):
        return None if key in swept else OmegaConf.select(cfg, key, default=default)

    net = str(get("model.net._target_", "a net")).rsplit(".", 1)[-1]
    hidden = list(get("model.net.hidden_sizes") or [])
    shape = (
        "one hidden layer of {}".format(*hidden)
        if len(hidden) == 1
        else f"{len(hidden)} hidden layers of {hidden[0]}"
        if hidden and len(set(hidden)) == 1
        else f"hidden layers {hidden}"
        if hidden
        else ""
    )
    norm = {True: "batch norm", False: "no batch norm"}.get(get("model.net.norm"), "")
    inside = ", ".join(p for p in (shape, norm) if p)
    data = str(get("data._target_", "")).rsplit(".", 1)[-1].removesuffix("DataModule")
    data = get("data.name") or data or "the data"
    samples = (
        None if "data.train_fraction" in swept else job.summary.get("samples", {}).get("train")
    )
    optimizer = "" if "optimizer" in swept else str(get("optimizer._target_")).rsplit(".", 1)[-1]
    lr = get("optimizer.lr")
    momentum = None if "optimizer" in swept else get("optimizer.momentum")
    steps = get("trainer.max_steps", -1)
    length = f"{steps} steps" if steps and steps > 0 else f"{get('trainer.max_epochs')} epochs"
    return (
        f"{net}{f' ({inside})' if inside else ''} on {data}"
        + (f" ({samples} training samples)" if samples else "")
        + (f", {optimizer}" if optimizer else "")
        + (f" at lr {lr}" if lr is not None else "")
        + (f" (momentum {momentum})" if momentum else "")
        + f", {length}"
    )


def colors(n: int) -> list:
    return list(plt.cm.tab10.colors[:n]) if n <= 10 else list(plt.cm.viridis_r(range(n)))


def figure(panels: int, width: float = 5.0, height: float = 4.0):
    fig, axes = plt.subplots(1, panels, figsize=(width * panels, height), squeeze=False)
    return fig, list(axes[0])


def save(fig, path: Path, title: str) -> None:
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def epoch_curve(ax, job: Job, column: str, color, style: str = "-", label: str | None = None):
    """One metric of a job per epoch (nothing when the job logged none)."""
    if column in job.epochs:
        values = job.epochs[column].dropna()
        ax.plot(values.index, values, style, color=color, label=label, marker="o", markersize=2)
    ax.set_xlabel("epoch")
    integer_ticks(ax.xaxis)


def layer_line(ax, values: list[float], style: str, color, label: str) -> tuple:
    """One value per layer (1: next to the input) as a line of dots; returns the first and the
    last value (None, None for a job that measured none), which the lessons' tables compare."""
    ax.plot(range(1, len(values) + 1), values, "o" + style, color=color, label=label, markersize=3)
    return (values[0], values[-1]) if values else (None, None)


def finish(ax, title: str, ylabel: str, log: bool = False, legend: bool = True) -> None:
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel)
    if log:  # plain numbers (600, 0.05) rather than 6x10^2 on the ticks
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(LogFormatter(labelOnlyBase=False))
        ax.yaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.4)))
    ax.grid(alpha=0.3)
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)


def completed(jobs: Sequence[Job]) -> list[Job]:
    return [job for job in jobs if job.completed]


def number(value: float | None, spec: str = ".3f") -> str:
    return "n/a" if value is None else format(value, spec)


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def share(text: str) -> float:
    """A `percent` cell back as a share; NaN for n/a."""
    return float(text.rstrip("%")) / 100 if text != "n/a" else float("nan")
