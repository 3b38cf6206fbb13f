"""Lesson 11: recurrent layers and Transformers for sequences, on sound.

Each job is one of the audio pack's recipes (`experiment=spoken_digits_<net>`) at the lesson's
number of epochs: a CNN over time, a bidirectional GRU and a Transformer encoder, each reading
a clip's log-mel spectrogram as a sequence of frames, and each with the same classical baseline
beside it (logistic regression on MFCC statistics: mean and spread over time, the order lost).
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
    share,
)
from dlkit_lessons.jobs import Job

NETS = {"cnn": "CNN", "gru": "GRU", "transformer": "Transformer"}
SEQUENCE_NETS = ("GRU", "Transformer")
#: "as well as the CNN": within this many points of its test accuracy
CLOSE = 0.05
#: "far above the baseline": at least this many points above it
ABOVE = 0.10


def report(jobs: list[Job], png: Path) -> Findings:
    jobs = completed(jobs)
    fig, (bars, curves, times) = figure(3, width=4.8)
    rows = []
    for job, color in zip(jobs, colors(len(jobs)), strict=True):
        net = job.value("experiment").removeprefix("spoken_digits_")
        label = NETS.get(net, net)
        epoch_curve(curves, job, "val/acc", color, label=label)
        baseline = ((job.summary.get("baseline") or {}).get("test") or {}).get("acc")
        rows.append(
            {
                "model": label,
                "test acc": percent(job.score("test", "acc")),
                "val acc": percent(job.score("val", "acc")),
                "time (s)": number(job.summary.get("duration_s"), ".0f"),
                "MFCC statistics + logistic regression": percent(baseline),
                "_color": color,
            }
        )
    x = np.arange(len(rows))
    drawn = bars.bar(x, [share(r["test acc"]) for r in rows], color=[r["_color"] for r in rows])
    bars.bar_label(drawn, [r["test acc"] for r in rows], fontsize=8)
    baseline = _baseline(rows)
    if baseline is not None:
        bars.axhline(baseline, color="gray", ls="--", label="MFCC stats + logistic regression")
    bars.axhline(0.1, color="gray", ls=":", label="chance (10 digits)")
    bars.set_xticks(x, [r["model"] for r in rows])
    bars.set_ylim(0, 1.05)
    times.bar(
        x,
        [float(r["time (s)"]) if r["time (s)"] != "n/a" else 0 for r in rows],
        color=[r["_color"] for r in rows],
    )
    times.set_xticks(x, [r["model"] for r in rows])
    finish(bars, "test accuracy", "accuracy")
    finish(curves, "validation accuracy per epoch", "accuracy")
    finish(times, "time of the whole run (features, training, baseline)", "seconds", legend=False)
    save(fig, png, "Spoken digits as sequences of spectrogram frames: CNN, GRU, Transformer")
    for row in rows:
        del row["_color"]
    return Findings(_measured(rows, baseline), _verdict(rows, baseline), rows)


def _baseline(rows: list[dict]) -> float | None:
    """The classical baseline's test accuracy (the same split and features in every job)."""
    values = [share(r["MFCC statistics + logistic regression"]) for r in rows]
    values = [v for v in values if not np.isnan(v)]
    return values[0] if values else None


def _measured(rows: list[dict], baseline: float | None) -> str:
    listed = "; ".join(f"{r['model']} {r['test acc']} in {r['time (s)']} s" for r in rows)
    return (
        "Each net's recipe (the audio pack's configs/experiment/spoken_digits_*) was trained for "
        "the same number of epochs on the spoken digits (ten words said by a speech synthesizer "
        "in many voices, in noise), each clip a log-mel spectrogram read as a sequence of frames, "
        f"and tested on the held-out test split. Test accuracy: {listed}. Logistic regression on "
        "each clip's MFCC statistics (mean and spread over time: the order of the frames lost) "
        f"reaches {percent(baseline)} on the same split."
    )


def _verdict(rows: list[dict], baseline: float | None) -> str:
    acc = {r["model"]: share(r["test acc"]) for r in rows}
    if "CNN" not in acc or not any(m in acc for m in SEQUENCE_NETS) or baseline is None:
        return (
            "The claim compares the GRU and the Transformer with the CNN and the classical "
            "baseline; this sweep did not run them all."
        )
    nets = [m for m in SEQUENCE_NETS if m in acc]
    close = {m: acc[m] >= acc["CNN"] - CLOSE for m in nets}
    above = {m: acc[m] >= baseline + ABOVE for m in nets}
    gaps = ", ".join(
        f"{m} {100 * (acc[m] - acc['CNN']):+.1f} points from the CNN and "
        f"{100 * (acc[m] - baseline):+.1f} from the baseline"
        for m in nets
    )
    holds = all(close.values()) and all(above.values())
    part = any(close.values()) or any(above.values())
    outcome = "holds" if holds else "holds in part" if part else "does not hold"
    why = (
        " The nets that keep the order of the frames tell the words apart better than "
        "statistics that drop it."
        if all(above.values())
        else ""
    )
    return (
        f"Reading the frames in order: {gaps} (as well as the CNN: within "
        f"{100 * CLOSE:.0f} points; far above: at least {100 * ABOVE:.0f} points).{why} "
        f"The claim {outcome} here."
    )
