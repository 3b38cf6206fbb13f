"""`timeline.png`: when each trial ran, one lane per worker, so the workers show side by side
(which ran in parallel, which sat idle, where a worker stopped).

Optuna's `plot_timeline` draws one row per trial, with no notion of the worker that ran it (a
user attribute the sweeper sets): with many trials it is a staircase that hides the workers.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import Patch

COLORS = {"completed": "tab:blue", "pruned": "tab:gray", "failed": "tab:red"}
RUNNING = "tab:orange"  # a trial without an end: running, or left behind by a stopped worker


def timeline_figure(rows: Sequence[dict[str, Any]], now: datetime | None = None) -> Figure:
    """Each trial as a bar from its start to its end in its worker's lane, labelled with its
    number and colored by how it ended."""
    started = [r for r in rows if isinstance(r.get("started"), datetime)]
    workers = sorted({r["worker"] for r in started})
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.6 * max(len(workers), 1)))
    for row in started:
        end = (
            mdates.date2num(row["started"]) + row["duration_s"] / 86400
            if row.get("duration_s") is not None
            else mdates.date2num(now or datetime.now(row["started"].tzinfo))
        )
        begin = mdates.date2num(row["started"])
        lane = workers.index(row["worker"])
        color = COLORS.get(row["status"], RUNNING) if row.get("duration_s") is not None else RUNNING
        ax.barh(lane, end - begin, left=begin, height=0.6, color=color, edgecolor="white")
        ax.text(begin + (end - begin) / 2, lane, str(row["trial"]), ha="center", va="center",
                fontsize=7, color="white")  # fmt: skip
    ax.set_yticks(range(len(workers)), workers)
    ax.set_ylim(-0.6, len(workers) - 0.4)
    ax.invert_yaxis()
    ax.set_ylabel("worker (host/process)")
    ax.set_xlabel("time")
    ax.xaxis_date()
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S"))
    shown = {row["status"] if row.get("duration_s") is not None else "running" for row in started}
    ax.legend(
        handles=[Patch(color=COLORS.get(s, RUNNING), label=s) for s in sorted(shown)],
        fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
    )
    ax.set_title(f"{len(started)} trials on {len(workers)} workers")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_timeline(rows: Sequence[dict[str, Any]], path) -> None:
    fig = timeline_figure(rows)
    fig.savefig(path, dpi=110)
    plt.close(fig)
