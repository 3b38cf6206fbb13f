"""The lessons (slow): those not run in the fast suite at the tiny size, and each at the full
size, whose report must state the outcome README documents for it, with its figures pointing
the same way (read from the report's table): a lesson whose result flips fails here.
"""

import re

import pytest

from dlkit_lessons import LESSONS, lr_schedules
from dlkit_lessons.figures import share

pytestmark = pytest.mark.slow

# the outcome README documents for each lesson, as its report must state it
OUTCOMES = {
    "vanishing_gradients": r"first-layer gradient is \S+ times the ReLU net's: \d+ orders of magnitude smaller, so the claim holds here",
    "initialization": r"The claim holds here",
    "batch_norm": r"so the claim holds here",
    "regularization": r"The claim holds for augmentation here",
    "optimizers": r"The claim holds in part here",
    "lr_schedules": r"Lowering the rate lets the net settle under the noise a constant rate keeps it at: the claim holds here",
    "batch_size": r"the claim holds here",
    "architectures": r"The claim holds here",
    "data_size": r"The claim that deep models need more data does not hold here; that they win by far with more does",
    "cross_validation": r"The claim holds here",
    "backprop": r"the claim holds here",
    "sequence_nets": r"The claim holds here",
}  # fmt: skip


def table(text: str) -> list[dict[str, str]]:
    """The rows of lesson.md's table (one per run or group), by column name."""
    lines = [line for line in text.splitlines() if line.startswith("| ") and "| --- |" not in line]
    header, *rows = ([cell.strip() for cell in line.strip("|").split(" | ")] for line in lines)
    return [dict(zip(header, row, strict=True)) for row in rows]


def by(rows: list[dict], *keys: str) -> dict:
    return {" ".join(row[k] for k in keys): row for row in rows}


def _vanishing_gradients(rows):
    runs = by(rows, "activation")
    sigmoid, relu = runs["sigmoid"], runs["relu"]
    assert float(sigmoid["first-layer gradient"]) < 1e-3 * float(relu["first-layer gradient"])
    assert share(sigmoid["val acc"]) < share(relu["val acc"])


def _initialization(rows):
    runs = by(rows, "activation", "init")
    for activation in ("tanh", "relu"):
        default, he = runs[f"{activation} PyTorch default"], runs[f"{activation} He"]
        assert float(he["last / first"]) > float(default["last / first"])  # the spread kept
        assert share(he["val acc"]) > share(default["val acc"])


def _batch_norm(rows):
    runs = by(rows, "batch norm", "learning rate")
    # at the largest rate the net trains with batch norm, and not as well without it
    assert share(runs["with 3.0"]["val acc"]) > 0.9
    assert runs["without 3.0"]["outcome"] != "completed" or share(
        runs["without 3.0"]["val acc"]
    ) < share(runs["with 3.0"]["val acc"])


def _regularization(rows):
    runs = by(rows, "regularization")
    plain, augmented = runs["none"], runs["augmentation"]
    assert share(runs["dropout"]["gap"]) < share(plain["gap"])  # from the training side
    assert share(augmented["gap"]) < share(plain["gap"])
    assert share(augmented["val acc"]) > share(plain["val acc"])


def _optimizers(rows):
    runs = by(rows, "optimizer")
    steps = "steps to SGD's final loss"
    for name in ("momentum", "Adam"):
        assert int(runs[name][steps]) < int(runs["SGD"][steps])


def _lr_schedules(rows):
    # README: the schedules that lower the rate end below the constant rate's noise floor, in
    # training loss and in validation loss
    runs = by(rows, "schedule")
    for column in (lr_schedules.TRAIN, lr_schedules.VAL):
        constant = float(runs["constant"][column])
        assert all(float(runs[n][column]) < constant for n in lr_schedules.LOWERING), column


def _batch_size(rows):
    rows = sorted(rows, key=lambda r: int(r["batch size"]))
    rates = [float(r["samples/s"]) for r in rows]
    assert rates[-1] > rates[0]  # larger batches: more samples per second
    norms = [float(r["gradient norm at step 0"]) for r in rows]
    assert norms[-1] < norms[0]  # and a less noisy gradient
    assert int(rows[-1]["steps"]) < int(rows[0]["steps"])  # in fewer steps


def _architectures(rows):
    signal = {r["model"]: share(r["test acc"]) for r in rows if r["data"].startswith("MNIST")}
    assert signal["CNN"] > signal["MLP"] and signal["GRU"] > signal["MLP"]


def _data_size(rows):
    rows = sorted(rows, key=lambda r: int(r["training samples"]))
    net, classical = list(rows[0])[2], list(rows[0])[3]
    assert all(share(r[net]) > share(r[classical]) for r in rows)
    assert share(rows[-1][net]) > share(rows[0][net])  # more data, a better net


def _cross_validation(rows):
    runs = {r["estimate"].split()[0]: r for r in rows}
    assert share(runs["5-fold"]["std over seeds"]) < share(runs["one"]["std over seeds"])


def _sequence_nets(rows):
    acc = {r["model"]: share(r["test acc"]) for r in rows}
    baseline = share(rows[0]["MFCC statistics + logistic regression"])
    assert all(acc[net] > baseline + 0.1 for net in ("CNN", "GRU", "Transformer"))


def _backprop(rows):
    runs = by(rows, "gradients")
    hand, auto = runs["by hand"], runs["loss.backward()"]
    assert all(float(hand[f"max distance d{w}"]) < 1e-4 for w in ("W1", "b1", "W2", "b2"))
    assert float(hand["final loss"]) == pytest.approx(float(auto["final loss"]), rel=1e-3)
    assert float(auto["final loss"]) < 0.5 * float(auto["first loss"])  # and the net learned


# the direction of each lesson's figures, read from its report's table
DIRECTIONS = {
    "vanishing_gradients": _vanishing_gradients,
    "initialization": _initialization,
    "batch_norm": _batch_norm,
    "regularization": _regularization,
    "optimizers": _optimizers,
    "lr_schedules": _lr_schedules,
    "batch_size": _batch_size,
    "architectures": _architectures,
    "data_size": _data_size,
    "cross_validation": _cross_validation,
    "backprop": _backprop,
    "sequence_nets": _sequence_nets,
}


def test_every_lesson_has_its_documented_outcome_and_direction():
    assert set(OUTCOMES) == set(DIRECTIONS) == set(LESSONS)


@pytest.mark.parametrize("name", list(LESSONS)[1:])
def test_lesson_runs_at_the_tiny_size(run_lesson, check_report, name):
    sweep_dir = run_lesson(name, "lesson.size=tiny")
    assert len(list(sweep_dir.glob("*/.hydra"))) == 2, name
    assert "Tiny size: a check that the lesson runs" in check_report(sweep_dir, name)


@pytest.mark.parametrize("name", list(LESSONS))
def test_full_lesson_states_its_outcome(run_lesson, check_report, name):
    text = check_report(run_lesson(name), name)
    # the verdict, wherever it falls in a sentence ("…, so the claim holds here")
    assert re.search(OUTCOMES[name], text), text
    DIRECTIONS[name](table(text))
