"""Lesson 6: the learning rate and the loss over training, for each schedule.

The rate comes from the learning-rate monitor, logged every `trainer.log_every_n_steps` steps;
the losses per epoch. The claim is about where training ends, so the losses compared are the
means over the last `END` epochs: at a constant high rate the loss bounces from one epoch to
the next, and a single epoch would make the verdict a draw of that noise.
"""

from pathlib import Path

from omegaconf import OmegaConf

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

END = 3  # the last epochs whose mean loss is compared
LOWER = 0.9  # a schedule ends lower when its loss is at most this share of the constant rate's
LOWERING = ("step", "cosine", "onecycle")  # the schedules that lower the rate towards the end
TRAIN, VAL = f"train loss, last {END} epochs", f"val loss, last {END} epochs"


def _end(job: Job, column: str) -> float | None:
    values = job.epochs[column].dropna() if column in job.epochs else []
    return float(values.iloc[-END:].mean()) if len(values) else None


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
        last_acc = job.epochs["val/acc"].dropna() if "val/acc" in job.epochs else []
        rows.append(
            {
                "schedule": name,
                "final lr": number(float(rate.iloc[-1]) if len(rate) else None, ".2g"),
                TRAIN: number(_end(job, "train/loss"), ".4f"),
                VAL: number(_end(job, "val/loss"), ".4f"),
                "val acc, last epoch": percent(float(last_acc.iloc[-1]) if len(last_acc) else None),
                "test acc, best epoch": percent(job.score("test", "acc")),
            }
        )
    rates.set_xlabel("optimizer step")
    finish(rates, "learning rate", "rate")
    finish(train, "training loss", "cross-entropy", log=True)
    finish(val, "validation loss", "cross-entropy", log=True, legend=False)
    save(fig, png, "Learning-rate schedules: the rate, and the loss it gives")
    trained = f"{setup(jobs[0])}{_training_data(jobs[0])}" if jobs else ""
    return Findings(_measured(rows, trained), _verdict(rows), rows)


def _training_data(job: Job) -> str:
    """From the saved config, what sets the gradient's noise: the batch size, and augmentation."""
    cfg = job.folder.saved_config() or OmegaConf.create()
    batch = OmegaConf.select(cfg, "data.batch_size")
    augmented = OmegaConf.select(cfg, "data.augmentation") is not None
    return (f", batches of {batch}" if batch else "") + (
        ", every training signal augmented anew in each epoch" if augmented else ""
    )


def _measured(rows: list[dict], trained: str) -> str:
    listed = "; ".join(
        f"{r['schedule']}: training loss {r[TRAIN]}, validation loss {r[VAL]}, validation "
        f"accuracy {r['val acc, last epoch']} in the last epoch, test {r['test acc, best epoch']} "
        "(best epoch)"
        for r in rows
    )
    return (
        f"The same net, {trained}, was trained with a constant rate and with each schedule "
        f"(that rate their peak); the losses are the means over the last {END} epochs. {listed}."
    )


def _verdict(rows: list[dict]) -> str:
    by_name = {r["schedule"]: r for r in rows}
    constant = by_name.get("constant")
    if constant is None:
        return "The claim compares against a constant rate; this sweep did not run one."
    lowering = [n for n in LOWERING if n in by_name]
    train = {n: float(r[TRAIN]) for n, r in by_name.items()}
    lower = [n for n in lowering if train[n] <= LOWER * train["constant"]]

    def listed(column: str) -> str:
        return ", ".join(f"{n} {by_name[n][column]}" for n in lowering)

    text = (
        f"Over the last {END} epochs the training loss averages {constant[TRAIN]} with a "
        f"constant rate, against {listed(TRAIN)} with the schedules that lower it"
        + (f" (the cyclic one {by_name['cyclic'][TRAIN]})" if "cyclic" in by_name else "")
        + f"; the validation loss {constant[VAL]} against {listed(VAL)}, and the last epoch "
        f"validates at {constant['val acc, last epoch']} against "
        f"{listed('val acc, last epoch')}."
    )
    if lower and len(lower) == len(lowering):
        return text + (
            " Lowering the rate lets the net settle under the noise a constant rate keeps it "
            "at: the claim holds here."
        )
    if lower:
        return text + f" Only {', '.join(lower)} end lower: the claim holds in part here."
    return text + (
        " The constant rate settles as low as any schedule at this peak rate, so the claim does "
        "not hold here: lowering the rate pays off when a constant one is too high to settle, "
        "which this one is not."
    )
