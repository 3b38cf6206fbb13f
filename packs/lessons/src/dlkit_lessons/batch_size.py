"""Lesson 7: samples per second and the final score across batch sizes, and the gradient noise.

Every run starts from the same weights (same seed), so the norm of its first mini-batch
gradient differs by the batch's sampling noise alone: the expected squared norm is the true
gradient's plus (trace of the per-sample covariance) / batch size.
"""

from pathlib import Path

import numpy as np

from dlkit_lessons.figures import (
    Findings,
    colors,
    completed,
    epoch_curve,
    figure,
    finish,
    number,
    percent,
    save,
    setup,
)
from dlkit_lessons.jobs import Job

GOAL = 0.95  # validation accuracy: how many seconds of training until it is reached?
SOON = f"seconds to {GOAL:.0%} val acc"


def _seconds_to_goal(job: Job) -> float | None:
    table = job.epochs
    if "time/train_s" not in table or "val/acc" not in table:
        return None
    reached = table[table["val/acc"] >= GOAL]
    return float(reached["time/train_s"].iloc[0]) if len(reached) else None


def report(jobs: list[Job], png: Path) -> Findings:
    jobs = sorted(completed(jobs), key=lambda j: int(j.value("batch_size")))
    fig, (speed, noise, curves, clock) = figure(4, width=4.2)
    sizes = [int(job.value("batch_size")) for job in jobs]
    rows = []
    for job, color in zip(jobs, colors(len(jobs)), strict=True):
        label = f"batch {job.value('batch_size')}"
        epoch_curve(curves, job, "val/acc", color, label=label)
        if "time/train_s" in job.epochs:
            clock.plot(
                job.epochs["time/train_s"],
                job.epochs["val/acc"],
                "o-",
                color=color,
                markersize=2,
                label=label,
            )
        total = job.per_step("grad_2.0_norm_total")
        rate = (
            job.epochs["time/samples_per_s"].median()
            if "time/samples_per_s" in job.epochs
            else None
        )
        rows.append(
            {
                "batch size": job.value("batch_size"),
                "steps": str(int(job.epochs["step"].iloc[-1]) + 1) if len(job.epochs) else "n/a",
                "samples/s": number(rate, ".0f"),
                "gradient norm at step 0": number(
                    float(total.iloc[0]) if len(total) else None, ".3f"
                ),
                "val acc": percent(job.score("val", "acc")),
                SOON: number(_seconds_to_goal(job), ".1f"),
                "training time (s)": number(
                    job.epochs["time/train_s"].iloc[-1] if "time/train_s" in job.epochs else None,
                    ".1f",
                ),
            }
        )
    speed.plot(sizes, [_value(r["samples/s"]) for r in rows], "o-", color="tab:green")
    noise.plot(
        sizes, [_value(r["gradient norm at step 0"]) for r in rows], "o-", color="tab:purple"
    )
    for ax in (speed, noise):
        ax.set_xscale("log", base=2)
        ax.set_xticks(sizes, [str(size) for size in sizes])
        ax.set_xlabel("batch size")
    finish(speed, "throughput (training, median epoch)", "samples per second", log=True)
    finish(noise, "mini-batch gradient norm at step 0", "gradient norm", log=True)
    finish(curves, "validation accuracy per epoch", "accuracy")
    clock.set_xlabel("training time (s)")
    finish(clock, "validation accuracy against time", "accuracy", legend=False)
    save(fig, png, "Mini-batch size: gradient noise against throughput")
    return Findings(_measured(rows, setup(jobs[0]) if jobs else ""), _verdict(rows), rows)


def _value(text: str) -> float:
    return float(text) if text != "n/a" else np.nan


def _measured(rows: list[dict], trained: str) -> str:
    listed = "; ".join(
        f"batch {r['batch size']}: {r['steps']} steps, {r['samples/s']} samples/s, first "
        f"gradient norm {r['gradient norm at step 0']}, validation accuracy {r['val acc']}"
        for r in rows
    )
    return (
        f"The same net, {trained} (constant), was trained at each batch size from the same "
        "initial weights; the training clock measured samples "
        "per second (validation left out), the gradient flow callback the norm of the first "
        f"mini-batch gradient. {listed}."
    )


def _verdict(rows: list[dict]) -> str:
    if len(rows) < 2:
        return "The claim compares batch sizes; this sweep ran fewer than two."
    small, large = rows[0], rows[-1]
    fastest = max(rows, key=lambda r: _value(r["samples/s"]))
    soonest = min(rows, key=lambda r: _value(r[SOON]) if r[SOON] != "n/a" else np.inf)
    holds = _value(fastest["samples/s"]) > _value(small["samples/s"]) and _value(
        small["gradient norm at step 0"]
    ) > _value(large["gradient norm at step 0"])
    return (
        f"Throughput grows from {small['samples/s']} samples/s at batch {small['batch size']} to "
        f"{fastest['samples/s']} at {fastest['batch size']}, and the first gradient's norm falls "
        f"from {small['gradient norm at step 0']} to {large['gradient norm at step 0']} at "
        f"{large['batch size']}: less noise, closer to the whole training set's gradient. But "
        f"the same epochs give batch {small['batch size']} {small['steps']} steps and batch "
        f"{large['batch size']} {large['steps']}, and validation accuracy goes from "
        f"{small['val acc']} to {large['val acc']}. Against the clock, batch "
        f"{soonest['batch size']} is first to {GOAL:.0%} validation accuracy ({soonest[SOON]} s "
        f"of training): the trade-off of the course, so the claim "
        f"{'holds' if holds else 'does not hold'} here."
    )
