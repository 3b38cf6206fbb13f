"""Lesson 5: each optimizer at its best learning rate; the training loss against steps and time.

The best rate of an optimizer is the one with the lowest validation loss (its best epoch's);
time is the training time of `callbacks.training_clock` (validation left out).
"""

from pathlib import Path

import numpy as np

from dlkit_lessons.figures import Findings, colors, figure, finish, number, percent, save, setup
from dlkit_lessons.jobs import Job

NAMES = {"sgd": "SGD", "momentum": "momentum", "rmsprop": "RMSProp", "adam": "Adam"}


def _best_val_loss(job: Job) -> float:
    values = job.epochs["val/loss"].dropna() if "val/loss" in job.epochs else []
    return float(values.min()) if len(values) else np.inf


def report(jobs: list[Job], png: Path) -> Findings:
    fig, (tuning, by_step, by_time) = figure(3, width=4.8)
    names = list(dict.fromkeys(job.value("optimizer") for job in jobs))
    tuned: dict[str, Job] = {}
    for name, color in zip(names, colors(len(names)), strict=True):
        own = sorted(
            (j for j in jobs if j.value("optimizer") == name), key=lambda j: float(j.value("lr"))
        )
        losses = [_best_val_loss(j) if j.completed else np.nan for j in own]
        tuning.plot(
            [float(j.value("lr")) for j in own],
            losses,
            "o-",
            color=color,
            label=NAMES.get(name, name),
        )
        finite = [(loss, j) for loss, j in zip(losses, own, strict=True) if np.isfinite(loss)]
        if not finite:
            continue
        best = tuned[name] = min(finite, key=lambda pair: pair[0])[1]
        label = f"{NAMES.get(name, name)}, lr {best.value('lr')}"
        loss = best.epochs["train/loss"]
        by_step.plot(best.epochs["step"], loss, "o-", color=color, label=label, markersize=2)
        if "time/train_s" in best.epochs:
            by_time.plot(
                best.epochs["time/train_s"], loss, "o-", color=color, label=label, markersize=2
            )
    tuning.set_xscale("log")
    tuning.set_xlabel("learning rate")
    finish(tuning, "tuning: best validation loss per rate", "cross-entropy", log=True)
    by_step.set_xlabel("optimizer step")
    finish(by_step, "training loss at the best rate", "cross-entropy", log=True)
    by_time.set_xlabel("training time (s)")
    finish(by_time, "the same against time", "cross-entropy", log=True)
    save(fig, png, "Optimizers at their best learning rates")
    rows = _rows(tuned)
    return Findings(_measured(rows, setup(jobs[0]) if jobs else ""), _verdict(rows), rows)


STEPS, SECONDS = "steps to SGD's final loss", "seconds to it"
SOONER = 0.9  # "sooner" means in at most this share of SGD's steps


def _rows(tuned: dict[str, Job]) -> list[dict]:
    # the loss SGD ends at: how soon does each optimizer get there?
    target = float(tuned["sgd"].epochs["train/loss"].iloc[-1]) if "sgd" in tuned else None
    rows = []
    for name, job in tuned.items():
        table = job.epochs
        reached = table[table["train/loss"] <= target] if target is not None else table.iloc[:0]
        first = reached.iloc[0] if len(reached) else None
        seconds = first.get("time/train_s") if first is not None else None
        rows.append(
            {
                "optimizer": NAMES.get(name, name),
                "best lr": job.value("lr"),
                "final train loss": number(float(table["train/loss"].iloc[-1]), ".4f"),
                STEPS: str(int(first["step"]) + 1) if first is not None else "n/a",
                SECONDS: number(seconds, ".1f"),
                "val acc": percent(job.score("val", "acc")),
                "_edge": float(job.value("lr")) in _grid_ends(job, tuned),
            }
        )
    return rows


def _grid_ends(job: Job, tuned: dict[str, Job]) -> tuple[float, float]:
    rates = sorted({float(j.value("lr")) for j in tuned.values()} | {float(job.value("lr"))})
    return rates[0], rates[-1]


def _measured(rows: list[dict], trained: str) -> str:
    listed = "; ".join(
        f"{r['optimizer']} (best rate {r['best lr']}): final training loss "
        f"{r['final train loss']}, SGD's final loss reached after {r[STEPS]} steps "
        f"({r[SECONDS]} s of training), validation accuracy {r['val acc']}"
        for r in rows
    )
    return (
        f"The same net, {trained}, was trained by each optimizer at each learning rate of the "
        "sweep (constant); each optimizer is shown at the rate with the lowest validation "
        f"loss. {listed}."
    )


def _verdict(rows: list[dict]) -> str:
    by_name = {r["optimizer"]: r for r in rows}
    if by_name.get("SGD", {}).get(STEPS, "n/a") == "n/a":
        return "The claim compares against SGD; this sweep did not run it."
    sgd = int(by_name["SGD"][STEPS])
    others = {n: int(r[STEPS]) if r[STEPS] != "n/a" else None for n, r in by_name.items()}
    del others["SGD"]
    sooner = [n for n, steps in others.items() if steps is not None and steps <= SOONER * sgd]
    verdict = (
        f"Plain SGD at its best rate needs {sgd} steps ({by_name['SGD'][SECONDS]} s) to reach "
        "its final training loss; "
        + ", ".join(
            f"{n} {sgd / steps:.1f} times fewer ({steps}, {by_name[n][SECONDS]} s)"
            if steps
            else f"{n} never gets there"
            for n, steps in others.items()
        )
        + "."
    )
    holds = (
        "holds" if len(sooner) == len(others) else "holds in part" if sooner else "does not hold"
    )
    edge = [r["optimizer"] for r in rows if r["_edge"]]
    if edge:
        verdict += (
            f" The best rate{'s' if len(edge) > 1 else ''} of {' and '.join(edge)} "
            f"{'lie' if len(edge) > 1 else 'lies'} at an end of the sweep's rates: one beyond "
            "might do better still."
        )
    for row in rows:
        del row["_edge"]
    return f"{verdict} The claim {holds} here (sooner: at most {SOONER:.0%} of SGD's steps)."
