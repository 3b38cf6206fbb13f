"""Lesson 4: the train-validation gap on a small training set, per kind of regularization.

Every figure of the report is the last epoch's (the runs train all their epochs, no early
stopping): its training accuracy, its validation accuracy and the gap between them, so that
the gap and the validation accuracy it is weighed against belong to the same weights. The
training accuracy is measured on the batches as trained (dropout active, signals augmented).
The best epoch's validation accuracy (the checkpoint's) stays in the table, marked as such.
"""

from pathlib import Path

import numpy as np

from dlkit_lessons.figures import (
    Findings,
    completed,
    epoch_curve,
    figure,
    finish,
    percent,
    save,
    setup,
    share,
)
from dlkit_lessons.jobs import Job

NARROWER = 0.05  # a gap this much narrower than without regularization counts
BETTER = 0.01  # and a validation accuracy this much higher
BEST = "best epoch's val acc"  # the checkpoint's: not the last epoch's, so apart in the table


def _last(job: Job, column: str) -> float | None:
    values = job.epochs[column].dropna() if column in job.epochs else []
    return float(values.iloc[-1]) if len(values) else None


def report(jobs: list[Job], png: Path) -> Findings:
    jobs = completed(jobs)
    fig, axes = figure(len(jobs) + 1, width=3.8, height=3.6)
    rows = []
    for job, ax in zip(jobs, axes, strict=False):
        name = job.value("regularization").replace("_", " ")
        epoch_curve(ax, job, "train/acc", "tab:blue", label="train")
        epoch_curve(ax, job, "val/acc", "tab:orange", "--", label="validation")
        ax.set_ylim(0, 1.02)
        finish(ax, name, "accuracy")
        train, val = _last(job, "train/acc"), _last(job, "val/acc")
        rows.append(
            {
                "regularization": name,
                "train acc": percent(train),
                "val acc": percent(val),
                "gap": percent(train - val if train is not None and val is not None else None),
                BEST: percent(job.score("val", "acc")),
            }
        )
    _bars(axes[-1], rows)
    save(fig, png, "Regularization on a small training set: training vs validation accuracy")
    return Findings(_measured(rows, setup(jobs[0]) if jobs else ""), _verdict(rows), rows)


def _bars(ax, rows: list[dict]) -> None:
    names = [r["regularization"] for r in rows]
    x = np.arange(len(rows))
    for offset, key, color in ((-0.2, "train acc", "tab:blue"), (0.2, "val acc", "tab:orange")):
        ax.bar(x + offset, [share(r[key]) for r in rows], 0.4, color=color, label=key)
    ax.set_xticks(x, names, rotation=20)
    ax.set_ylim(0, 1.02)
    finish(ax, "last epoch: the gap", "accuracy")


def _measured(rows: list[dict], trained: str) -> str:
    listed = "; ".join(
        f"{r['regularization']}: train {r['train acc']}, validation {r['val acc']} "
        f"(gap {r['gap']}; the best epoch validated at {r[BEST]})"
        for r in rows
    )
    return (
        f"The same net, {trained} (a share of the training split; validation and test "
        "unchanged), was trained once without regularization and once with each kind. Last "
        f"epoch: {listed}."
    )


def _verdict(rows: list[dict]) -> str:
    by_name = {r["regularization"]: r for r in rows}
    plain = by_name.get("none")
    if plain is None:
        return "The claim compares against no regularization; this sweep did not run it."
    sentences = [
        f"In the last epoch without regularization the net has learned its training samples by "
        f"heart (training accuracy {plain['train acc']}) and validates at {plain['val acc']}: "
        f"a gap of {plain['gap']}."
    ]
    helped = []
    for name, row in by_name.items():
        if name == "none":
            continue
        narrower = share(plain["gap"]) - share(row["gap"]) > NARROWER
        better = share(row["val acc"]) - share(plain["val acc"]) > BETTER
        if narrower and better:
            helped.append(name)
            how = f"and raises the validation accuracy to {row['val acc']}"
        elif narrower:
            how = (
                "but only from the training side: the validation accuracy stays at "
                f"{row['val acc']}"
            )
        else:
            how = f"hardly at all; the validation accuracy is {row['val acc']}"
        sentences.append(
            f"{name.capitalize()} {'narrows' if narrower else 'changes'} the gap to {row['gap']} "
            f"{how}."
        )
    verdict = f"holds for {', '.join(helped)}" if helped else "does not hold"
    return " ".join(sentences) + f" The claim {verdict} here."
