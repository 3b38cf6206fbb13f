"""Lesson 6: the learning rate and the loss over training, for each schedule.

The rate comes from the learning-rate monitor, logged every `trainer.log_every_n_steps` steps;
the losses per epoch.
"""

from pathlib import Path

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
    share,
)
from dlkit_lessons.jobs import Job


def report(jobs: list[Job], png: Path) -> Findings:
    jobs = completed(jobs)
    fig, (rates, train, val) = figure(3, width=4.8)
    rows = []
    for job, color in zip(jobs, colors(len(jobs)), strict=True):
        name = job.value("lr_schedules")
        rate = job.learning_rate()
        rates.plot(rate.index, rate.to_numpy(), color=color, label=name)
        epoch_curve(train, job, "train/loss", color, label=name)
        epoch_curve(val, job, "val/loss", color, "--", label=name)
        final = job.epochs["train/loss"].iloc[-1] if "train/loss" in job.epochs else None
        rows.append(
            {
                "schedule": name,
                "final lr": number(float(rate.iloc[-1]) if len(rate) else None, ".2g"),
                "final train loss": number(final, ".4f"),
                "best val loss": number(
                    job.epochs["val/loss"].min() if "val/loss" in job.epochs else None, ".4f"
                ),
                "val acc": percent(job.score("val", "acc")),
                "test acc": percent(job.score("test", "acc")),
            }
        )
    rates.set_xlabel("optimizer step")
    finish(rates, "learning rate", "rate")
    finish(train, "training loss", "cross-entropy", log=True)
    finish(val, "validation loss", "cross-entropy", log=True, legend=False)
    save(fig, png, "Learning-rate schedules: the rate, and the loss it gives")
    return Findings(_measured(rows, setup(jobs[0]) if jobs else ""), _verdict(rows), rows)


def _measured(rows: list[dict], trained: str) -> str:
    listed = "; ".join(
        f"{r['schedule']}: final training loss {r['final train loss']}, best validation loss "
        f"{r['best val loss']}, validation accuracy {r['val acc']}, test {r['test acc']}"
        for r in rows
    )
    return (
        f"The same net, {trained} (the peak rate), was trained with a constant rate and with "
        f"each schedule. {listed}."
    )


def _verdict(rows: list[dict]) -> str:
    by_name = {r["schedule"]: r for r in rows}
    constant = by_name.get("constant")
    if constant is None:
        return "The claim compares against a constant rate; this sweep did not run one."
    lowering = [n for n in ("step", "cosine", "onecycle") if n in by_name]
    final = {n: float(r["final train loss"]) for n, r in by_name.items()}
    lower = [n for n in lowering if final[n] < final["constant"]]
    accuracy = [share(r["val acc"]) for r in rows]
    ended = ", ".join(f"{n} {by_name[n]['final train loss']}" for n in lowering)
    text = (
        f"With a constant rate the training loss ends at {constant['final train loss']}, with "
        f"the schedules that lower the rate at {ended}"
        + (
            f", the cyclic one at {by_name['cyclic']['final train loss']}"
            if "cyclic" in by_name
            else ""
        )
        + f"; validation accuracy spans {100 * min(accuracy):.1f}% to {100 * max(accuracy):.1f}%."
    )
    if lower and len(lower) == len(lowering):
        return text + " Lowering the rate settles the net deeper: the claim holds here."
    if lower:
        return text + f" Only {', '.join(lower)} end lower: the claim holds in part here."
    return text + (
        " The constant rate settles as low as any schedule at this peak rate, so the claim does "
        "not hold here: lowering the rate pays off when a constant one is too high to settle, "
        "which this one is not."
    )
