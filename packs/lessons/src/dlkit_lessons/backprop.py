"""Lesson 11: backprop by hand. The course's two-layer net trained twice from the same weights
on the same batches, with autograd's gradients and with the chain rule written out
(`dlkit_lessons.two_layer_net`): the hand-written gradients against autograd's at each step,
gradcheck at the first, and the two training curves over each other.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from dlkit_lessons.figures import (
    Findings,
    colors,
    completed,
    figure,
    finish,
    number,
    percent,
    save,
    setup,
)
from dlkit_lessons.jobs import Job
from dlkit_lessons.two_layer_net import PARAMETERS

GRADIENTS_AGREE = 1e-4  # relative distance from autograd's gradient: float32 rounding is ~1e-7
CURVES_AGREE = 1e-3  # largest gap between the two loss curves, relative to the loss


def report(jobs: list[Job], png: Path) -> Findings:
    runs = {job.value("backprop"): job for job in completed(jobs)}
    fig, (curves, gradients, gap) = figure(3, width=4.8)
    losses = {name: job.per_step("train/step_loss") for name, job in runs.items()}
    for name, style, color in (("autograd", "-", "tab:blue"), ("by_hand", "--", "tab:orange")):
        if name in losses:
            label = "loss.backward()" if name == "autograd" else "by hand"
            curves.plot(losses[name].index, losses[name], style, color=color, label=label)
    curves.set_xlabel("optimizer step")
    finish(curves, "training loss, two runs", "cross-entropy", log=True)

    hand = runs.get("by_hand")
    distance = {
        name: hand.per_step(f"by_hand/d{name}") if hand else pd.Series(dtype=float)
        for name in PARAMETERS
    }
    for name, color in zip(PARAMETERS, colors(len(PARAMETERS)), strict=True):
        gradients.plot(distance[name].index, distance[name], color=color, label=f"d{name}")
    gradients.set_xlabel("optimizer step")
    finish(gradients, "hand-written vs autograd's gradient", "|by hand - autograd| / |autograd|")
    gradients.set_yscale("log")

    difference = _curve_gap(losses)
    apart = difference[difference > 0]  # a log scale has no place for the steps with no gap
    gap.plot(apart.index, apart, ".", color="tab:purple", markersize=3)
    gap.set_xlabel("optimizer step")
    identical = f"identical at {len(difference) - len(apart)} of {len(difference)} steps"
    finish(gap, f"gap between the loss curves ({identical})", "|by hand - autograd| / loss")
    if len(apart):
        gap.set_yscale("log")
    save(fig, png, "Backprop by hand: the chain rule written out gives autograd's gradients")

    rows = [_row(name, job, distance if name == "by_hand" else None) for name, job in runs.items()]
    checks = {
        "gradcheck": _gradcheck(hand),
        "gradients": max((d.max() for d in distance.values() if len(d)), default=None),
        "curves": float(difference.max()) if len(difference) else None,
    }
    trained = setup(next(iter(runs.values()))) if runs else ""
    return Findings(_measured(rows, checks, trained), _verdict(checks), rows)


def _curve_gap(losses: dict[str, pd.Series]) -> pd.Series:
    """|loss by hand - loss by autograd| / loss by autograd, at the steps both logged."""
    if not {"autograd", "by_hand"} <= set(losses):
        return pd.Series(dtype=float)
    auto, hand = losses["autograd"].align(losses["by_hand"], join="inner")
    return (hand - auto).abs() / auto.abs()


def _gradcheck(hand: Job | None) -> bool | None:
    logged = hand.per_step("by_hand/gradcheck") if hand else pd.Series(dtype=float)
    return bool(logged.iloc[0] == 1.0) if len(logged) else None


def _row(name: str, job: Job, distance: dict[str, pd.Series] | None) -> dict[str, str]:
    loss = job.per_step("train/step_loss")
    row = {
        "gradients": "loss.backward()" if name == "autograd" else "by hand",
        "steps": str(len(loss)),
        "first loss": number(float(loss.iloc[0]) if len(loss) else None, ".4f"),
        "final loss": number(float(loss.iloc[-1]) if len(loss) else None, ".4f"),
        "val acc": percent(job.score("val", "acc")),
        "test acc": percent(job.score("test", "acc")),
    }
    for weight in PARAMETERS:  # the largest distance from autograd's gradient over the run
        values = distance[weight] if distance else []
        row[f"max distance d{weight}"] = number(
            float(np.max(values)) if len(values) else None, ".1e"
        )
    return row


def _measured(rows: list[dict], checks: dict, trained: str) -> str:
    listed = "; ".join(
        f"{r['gradients']}: loss {r['first loss']} at the first step, {r['final loss']} after "
        f"{r['steps']} steps, validation accuracy {r['val acc']}, test {r['test acc']}"
        for r in rows
    )
    gradcheck = {True: "passes", False: "fails", None: "did not run"}[checks["gradcheck"]]
    return (
        f"The course's two-layer net, {trained}, was trained twice from the same weights on the "
        "same batches: with autograd's gradients (`loss.backward()`) and with the gradients of "
        "the chain rule written out by hand (`dlkit_lessons.two_layer_net.backprop_by_hand`). "
        f"{listed}. At each step of the second run the hand-written gradients were compared "
        f"with autograd's on the same batch: they differ by at most "
        f"{number(checks['gradients'], '.1e')} of autograd's norm; at the first step "
        f"`torch.autograd.gradcheck` (finite differences along random directions, float64, 8 samples) {gradcheck}."
    )


def _verdict(checks: dict) -> str:
    gradients, curves = checks["gradients"], checks["curves"]
    if gradients is None or curves is None or checks["gradcheck"] is None:
        return "The claim needs both runs and the hand-written run's checks; some are missing."
    text = (
        f"The hand-written gradients stay within {gradients:.1e} of autograd's (float32 "
        f"rounding), gradcheck {'passes' if checks['gradcheck'] else 'fails'}, and the two "
        f"training curves are at most {curves:.1e} of the loss apart"
    )
    if checks["gradcheck"] and gradients < GRADIENTS_AGREE and curves < CURVES_AGREE:
        return text + ": the chain rule by hand is autograd's backprop, and the claim holds here."
    return (
        text + ": the hand-written gradients are not autograd's, so the claim does not hold here."
    )
