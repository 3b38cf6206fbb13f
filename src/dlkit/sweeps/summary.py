"""`sweep_summary.csv` and `sweep_summary.png` at the multirun root, and the best job named.

A Hydra callback (`hydra.callbacks.sweep_summary`), so it works with every sweeper and launcher:
it reads what each job left in its own folder (`.hydra/` and `summary.json`) once the sweep ends.
"""

import logging
import math
import sys
import textwrap
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from dlkit.config.resolvers import metric_mode
from dlkit.runs.folder import SweepFolder

log = logging.getLogger(__name__)

MAX_LABELLED_JOBS = 12  # more jobs than this are labelled by number only
KEY_WIDTH = 90  # characters of a job's line in the key under the plot


def collect_jobs(sweep: SweepFolder) -> list[dict[str, Any]]:
    """One row per job folder: job, trial, overrides, metric, value, status, duration, folder."""
    rows = []
    for folder in sweep.jobs():
        hydra_cfg = OmegaConf.load(folder.hydra_settings).hydra
        overrides = list(hydra_cfg.overrides.task)
        summary = folder.read_summary()
        metric = summary.get("optimized_metric") or {}
        status = summary.get("status", "failed")
        rows.append(
            {
                "job": int(hydra_cfg.job.num),
                "trial": hydra_cfg.sweeper.get("trial"),
                "overrides": " ".join(overrides),
                "metric": metric.get("name"),
                "value": metric.get("value"),
                # a job still "running" when the sweep is over died without saying so
                "status": "failed" if status == "running" else status,
                "duration_s": summary.get("duration_s"),
                "error": summary.get("error"),
                "folder": str(folder.root),
                **dict(o.split("=", 1) for o in overrides if "=" in o),
            }
        )
    return sorted(rows, key=lambda row: row["job"])


def best_job(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    scored = [r for r in rows if r["status"] == "completed" and _finite(r["value"])]
    if not scored:
        return None
    sign = -1 if metric_mode(scored[0]["metric"]) == "min" else 1
    return max(scored, key=lambda r: sign * r["value"])


def plot_sweep(rows: list[dict[str, Any]], path: str | Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = sweep_figure(rows)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def sweep_figure(rows: list[dict[str, Any]]):
    """The optimized metric per job, with the best so far: is the search still improving?"""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dlkit.reports.learning_curves import integer_ticks

    scored = [r for r in rows if r["status"] == "completed" and _finite(r["value"])]
    metric = next((r["metric"] for r in rows if r["metric"]), "optimized metric")
    labels = _distinct_overrides(rows)
    labelled = [r for r in rows if labels[r["job"]]]
    if len(labelled) > MAX_LABELLED_JOBS:  # too many to name each job: numbers only
        labelled = []
    # what each job swept, one line per job in a key under the plot: slanted tick labels of
    # Optuna's values run off the figure (tight_layout then gives up and cuts them)
    key = [textwrap.shorten(f"{r['job']}: {labels[r['job']]}", KEY_WIDTH) for r in labelled]
    if key:
        fig, (ax, key_ax) = plt.subplots(
            2, 1, figsize=(7, 4.4 + 0.14 * len(key)), layout="constrained",
            height_ratios=[4, 0.14 * len(key) + 0.1],
        )  # fmt: skip
        key_ax.axis("off")
        key_ax.text(0, 1, "\n".join(key), va="top", fontsize=7, family="monospace")
    else:
        fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    if scored:
        jobs = [r["job"] for r in scored]
        values = [r["value"] for r in scored]
        better = min if metric_mode(metric) == "min" else max
        best_so_far = [better(values[: i + 1]) for i in range(len(values))]
        ax.plot(jobs, values, "o", label="completed")
        ax.step(jobs, best_so_far, where="post", color="tab:green", label="best so far")
    for status, marker, color in (("pruned", "s", "tab:gray"), ("failed", "x", "tab:red")):
        jobs = [r["job"] for r in rows if r["status"] == status]
        if jobs:
            low = min((r["value"] for r in scored), default=0.0)
            ax.plot(jobs, [low] * len(jobs), marker, color=color, linestyle="", label=status)
    ax.set_xlabel("job (trial)")
    integer_ticks(ax.xaxis)
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} per job")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def _distinct_overrides(rows: list[dict[str, Any]]) -> dict[int, str]:
    """Each job's overrides less those every job shares (the sweep's fixed settings), which
    would only make every label longer."""
    tokens = {r["job"]: (r["overrides"] or "").split() for r in rows}
    shared = set.intersection(*map(set, tokens.values())) if len(rows) > 1 else set()
    return {
        job: " ".join(_short(t) for t in words if t not in shared) for job, words in tokens.items()
    }


def _short(override: str) -> str:
    """`optimizer.lr=0.0012345678912` as `optimizer.lr=0.00123`: an Optuna value's digits would
    only make the label longer."""
    key, _, value = override.partition("=")
    try:
        number = float(value)
    except ValueError:
        return override
    return override if value.lstrip("-").isdigit() else f"{key}={number:.3g}"


def write_sweep_summary(sweep: SweepFolder) -> list[dict[str, Any]]:
    """Writes the CSV and the plot, names the best job; returns the rows (one per job)."""
    import pandas as pd

    rows = collect_jobs(sweep)
    if not rows:
        log.warning("no job folders under %s: no sweep summary", sweep.root)
        return rows
    pd.DataFrame(rows).to_csv(sweep.summary_csv, index=False)
    plot_sweep(rows, sweep.summary_png)
    counts = {s: sum(r["status"] == s for r in rows) for s in ("completed", "pruned", "failed")}
    log.info(
        "sweep summary: %s (%s)",
        sweep.summary_csv,
        ", ".join(f"{n} {s}" for s, n in counts.items() if n),
    )
    best = best_job(rows)
    if best is None:
        log.warning("no job completed with a %s value", rows[0]["metric"] or "metric")
    else:
        log.info(
            "best job %d: %s=%.6g with %s -> %s",
            best["job"],
            best["metric"],
            best["value"],
            best["overrides"] or "the defaults",
            best["folder"],
        )
    return rows


class SweepSummary(Callback):
    """Sums the sweep up when it ends; a sweep whose every job failed exits with code 1."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep = SweepFolder(config.hydra.sweep.dir)
        if not sweep.root.is_dir():  # no job ran (the sweeper said why, e.g. a complete study)
            return
        rows = write_sweep_summary(sweep)
        if rows and all(row["status"] == "failed" for row in rows):
            log.error(
                "every job of the sweep failed (%d): the error column of %s and each job's "
                "log say why",
                len(rows),
                sweep.summary_csv,
            )
            sys.exit(1)


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)
