"""Lesson 1: per-layer gradient norms at the start of training, and the learning curves.

The deep MLP of `configs/lesson/vanishing_gradients.yaml` with each activation; the gradient
flow callback records each layer's weight-gradient norm at step 0 (before any update), and the
curves show whether the net learns.
"""

import math
from pathlib import Path

from dlkit_lessons.figures import (
    Findings,
    colors,
    completed,
    epoch_curve,
    figure,
    finish,
    layer_line,
    number,
    percent,
    save,
    setup,
)
from dlkit_lessons.jobs import Job


def report(jobs: list[Job], png: Path) -> Findings:
    jobs = completed(jobs)
    fig, (flow, curves) = figure(2, width=5.6)
    rows = []
    for job, color in zip(jobs, colors(len(jobs)), strict=True):
        name = job.value("activation")
        first, last = layer_line(flow, list(job.flow_at_start().values()), "-", color, name)
        epoch_curve(curves, job, "val/acc", color, label=name)
        rows.append(
            {
                "activation": name,
                "first-layer gradient": number(first, ".2e"),
                "last-layer gradient": number(last, ".2e"),
                "first / last": number(first / last if first and last else None, ".1e"),
                "val acc": percent(job.score("val", "acc")),
            }
        )
    flow.set_xlabel("layer (1: next to the input)")
    finish(flow, "gradient norm per layer at step 0", "weight-gradient norm", log=True)
    finish(curves, "validation accuracy", "accuracy")
    names = ", ".join(row["activation"] for row in rows)
    save(fig, png, f"Vanishing gradients: the same deep MLP with {len(rows)} activations ({names})")
    return Findings(_measured(rows, setup(jobs[0]) if jobs else ""), _verdict(rows), rows)


def _measured(rows: list[dict], trained: str) -> str:
    listed = "; ".join(
        f"{r['activation']}: first layer {r['first-layer gradient']}, last "
        f"{r['last-layer gradient']}, validation accuracy {r['val acc']}"
        for r in rows
    )
    return (
        f"The same net, {trained}, was trained once per activation (He/Xavier init with the "
        "activation's gain), and the gradient flow callback took each layer's weight-gradient "
        f"norm at the first step, before any update. Measured: {listed}."
    )


def _verdict(rows: list[dict]) -> str:
    by_name = {r["activation"]: r for r in rows}
    if "sigmoid" not in by_name or "relu" not in by_name:
        return "The claim compares sigmoid and ReLU; this sweep did not run both."
    sigmoid = float(by_name["sigmoid"]["first-layer gradient"])
    relu = float(by_name["relu"]["first-layer gradient"])
    ratio = sigmoid / relu
    holds = ratio < 1e-2
    return (
        f"The sigmoid net's first-layer gradient is {ratio:.1e} times the ReLU net's: "
        + (
            f"{-round(math.log10(ratio))} orders of magnitude smaller, so the claim holds here. "
            if holds
            else "not orders of magnitude smaller, so the claim does not hold here. "
        )
        + f"Its validation accuracy ends at {by_name['sigmoid']['val acc']} against ReLU's "
        f"{by_name['relu']['val acc']}: a gradient that small barely moves the first layers."
        + _tanh(by_name)
    )


def _tanh(by_name: dict) -> str:
    """The course names tanh beside sigmoid: what it did here."""
    tanh = by_name.get("tanh")
    if tanh is None or tanh["first / last"] == "n/a":
        return ""
    kept = float(tanh["first / last"]) > 0.1
    return (
        f" Tanh {'keeps' if kept else 'loses'} its gradient here (first / last layer "
        f"{tanh['first / last']}) and validates at {tanh['val acc']}"
        + (
            ": started with its gain (5/3), a tanh net this deep passes gradients back; the "
            "sigmoid's derivative, at most 1/4 per layer, does not."
            if kept
            else ", as the course says of both."
        )
    )
