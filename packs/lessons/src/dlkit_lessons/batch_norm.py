"""Lesson 3: the final accuracy against the learning rate, with and without batch norm.

A run whose loss explodes is stopped by the divergence guard (`callbacks.divergence`) and shows
as diverged; the others are scored by their best checkpoint's validation accuracy.
"""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from dlkit_lessons.figures import Findings, epoch_curve, figure, finish, percent, save, setup
from dlkit_lessons.jobs import Job

GOOD = 0.9  # a rate "trains" when it reaches this share of the sweep's best accuracy
VARIANTS = {"false": "without batch norm", "true": "with batch norm"}


def report(jobs: list[Job], png: Path) -> Findings:
    fig, (scores, *curves) = figure(3, width=4.8)
    best = max((job.score("val", "acc") or 0.0 for job in jobs if job.completed), default=0.0)
    rows, largest = [], {}
    all_rates = sorted({float(job.value("lr")) for job in jobs})
    for (norm, name), color, ax in zip(
        VARIANTS.items(), ("tab:red", "tab:blue"), curves, strict=True
    ):
        own = sorted(
            (j for j in jobs if j.value("norm").lower() == norm), key=lambda j: float(j.value("lr"))
        )
        rates = [float(j.value("lr")) for j in own]
        accuracy = [j.score("val", "acc") if j.completed else np.nan for j in own]
        scores.plot(rates, accuracy, "o-", color=color, label=name)
        failed = [r for r, j in zip(rates, own, strict=True) if not j.completed]
        scores.plot(failed, [0.0] * len(failed), "x", color=color, markersize=10, mew=2)
        for job in own:  # one color per rate, the same in both panels
            shade = plt.cm.viridis(0.9 * all_rates.index(float(job.value("lr"))) / len(all_rates))
            epoch_curve(ax, job, "train/loss", shade, label=f"lr {job.value('lr')}")
        finish(ax, f"training loss, {name}", "cross-entropy", log=True)
        trained = [r for r, a in zip(rates, accuracy, strict=True) if a >= GOOD * best]
        largest[name] = max(trained, default=None)
        rows += [_row(name, job) for job in own]
    scores.set_xscale("log")
    scores.set_xlabel("learning rate (SGD)")
    finish(scores, "best validation accuracy (x: diverged)", "accuracy")
    save(fig, png, "Batch norm: which learning rates still train")
    return Findings(_measured(rows, setup(jobs[0]) if jobs else ""), _verdict(largest, best), rows)


def _row(name: str, job: Job) -> dict:
    error = job.summary.get("error") or ""
    outcome = "diverged" if "Divergence" in error else job.status
    return {
        "batch norm": name.split()[0],
        "learning rate": job.value("lr"),
        "outcome": outcome,
        "val acc": percent(job.score("val", "acc")) if job.completed else "n/a",
    }


def _measured(rows: list[dict], trained: str) -> str:
    listed = "; ".join(
        f"{r['batch norm']} batch norm at {r['learning rate']}: "
        + (r["val acc"] if r["outcome"] == "completed" else r["outcome"])
        for r in rows
    )
    return (
        f"The same net, {trained}, was trained at each learning rate with and without batch "
        "norm; a run whose loss exploded was "
        f"stopped by the divergence guard. Best validation accuracy per run: {listed}."
    )


def _verdict(largest: dict, best: float) -> str:
    plain, normed = largest.get(VARIANTS["false"]), largest.get(VARIANTS["true"])
    share = f"{100 * GOOD:.0f}% of the best accuracy ({percent(best)})"
    if normed is None or plain is None:
        return f"A variant reached {share} at no rate of this sweep: nothing to compare."
    if normed > plain:
        return (
            f"The largest rate reaching {share} is {normed:g} with batch norm and {plain:g} "
            f"without: batch norm lets SGD take {normed / plain:g} times larger steps, so the "
            "claim holds here. Normalizing each layer's inputs keeps their scale fixed whatever "
            "the weights do, so a large step cannot blow the activations up layer after layer."
        )
    return (
        f"The largest rate reaching {share} is {normed:g} with batch norm and {plain:g} "
        "without: batch norm did not allow a larger rate on this data, so the claim does not "
        "hold here."
    )
