"""Lesson 10: how much the estimated score moves with the seed, one split against k folds.

With `cv.folds=1` the estimate is the validation accuracy of one split; with `cv.folds=k` it is
the mean over the k validation folds (summary.json's `cv.mean`), each fold a model of its own.
Another seed draws another split (or other folds) and other initial weights.
"""

from pathlib import Path

import numpy as np

from dlkit_lessons.figures import Findings, completed, figure, finish, percent, save, setup, share
from dlkit_lessons.jobs import Job


def _estimate(job: Job) -> tuple[float | None, float | None]:
    """The estimated accuracy and, for k folds, the spread of the folds around it."""
    cv = job.summary.get("cv") or {}
    if cv:
        return cv.get("mean", {}).get("val/acc"), cv.get("std", {}).get("val/acc")
    return job.score("val", "acc"), None


def report(jobs: list[Job], png: Path) -> Findings:
    jobs = completed(jobs)
    methods = sorted({int(job.value("folds")) for job in jobs})
    fig, (strip, per_seed) = figure(2, width=5.6)
    rows = []
    for position, folds in enumerate(methods):
        own = sorted(
            (j for j in jobs if int(j.value("folds")) == folds), key=lambda j: int(j.value("seed"))
        )
        estimates = [_estimate(j)[0] for j in own]
        name = "one split" if folds == 1 else f"{folds}-fold mean"
        jitter = np.linspace(-0.12, 0.12, len(own))
        strip.plot(position + jitter, estimates, "o", alpha=0.8, label=name)
        seeds = [int(j.value("seed")) for j in own]
        spreads = [_estimate(j)[1] for j in own]
        per_seed.errorbar(
            seeds, estimates, yerr=None if folds == 1 else spreads, fmt="o-", capsize=3, label=name
        )
        rows.append(
            {
                "estimate": name,
                "runs (seeds)": str(len(own)),
                "mean": percent(float(np.mean(estimates)) if estimates else None),
                "std over seeds": percent(float(np.std(estimates)) if estimates else None),
                "range": f"{percent(min(estimates))} to {percent(max(estimates))}"
                if estimates
                else "n/a",
                "mean std of the folds": percent(float(np.mean(spreads)))
                if folds > 1 and spreads
                else "",
            }
        )
    strip.set_xticks(range(len(methods)), [r["estimate"] for r in rows])
    finish(strip, "estimated validation accuracy, one dot per seed", "accuracy", legend=False)
    per_seed.set_xlabel("seed")
    finish(per_seed, "per seed (bars: std over the folds)", "accuracy")
    save(fig, png, "Cross-validation vs one split: how much the estimate moves")
    return Findings(_measured(rows, setup(jobs[0]) if jobs else ""), _verdict(rows), rows)


def _measured(rows: list[dict], trained: str) -> str:
    listed = "; ".join(
        f"{r['estimate']}: mean {r['mean']}, std over seeds {r['std over seeds']} ({r['range']})"
        for r in rows
    )
    return (
        f"The accuracy of one net, {trained}, was estimated under each seed, once from one "
        "validation split and once as the mean over the validation folds of k-fold "
        f"cross-validation of train+val; the test split is held out in both. {listed}."
    )


def _verdict(rows: list[dict]) -> str:
    if len(rows) < 2:
        return "The claim compares one split with k folds; this sweep did not run both."
    single, folds = rows[0], rows[-1]
    ratio = share(single["std over seeds"]) / max(share(folds["std over seeds"]), 1e-9)
    holds = ratio > 1
    return (
        f"Over the seeds, one split's estimate moves by {single['std over seeds']} (std), the "
        f"{folds['estimate']} by {folds['std over seeds']}: {ratio:.1f} times "
        f"{'less' if holds else 'more'} with cross-validation, which averages several validation "
        f"sets; within one run its folds differ by {folds['mean std of the folds']} on average. "
        f"The claim {'holds' if holds else 'does not hold'} here: a score from one small split "
        "says as much about the split as about the model."
    )
