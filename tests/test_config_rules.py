"""The config rules of `dlkit.config.checks`, one by one: each bound, open or closed, and the exact
message a user reads (the fold rules: tests/test_fold_rules.py; composed configs going through
them: tests/test_config_validation.py)."""

import math
from functools import partial

import pytest
from omegaconf import OmegaConf

from dlkit.config.checks import check_config, message
from dlkit.config.values import (
    BATCH_SIZE,
    PROBABILITY,
    SHARE,
    check_choice,
    fraction_of_batches,
    integer,
    is_int,
    number,
    optional,
    require,
)
from dlkit.errors import ConfigError

# Rules are made inside each test: one made as the file is imported is made once, before
# `make mutation` changes the code that makes it.
LIKE_PROBABILITY = partial(number, 0, 1, low_open=False)  # [0, 1)
LIKE_SHARE = partial(number, 0, 1, low_open=True)  # (0, 1)
CLOSED = partial(number, 0, 1, low_open=False, high_open=False)  # [0, 1]
HALF_OPEN = partial(number, 0, 2.5, low_open=True, high_open=False)  # (0, 2.5]
POSITIVE = partial(number, 0, low_open=True)
NON_NEGATIVE = partial(number, 0, low_open=False)


@pytest.mark.parametrize(("value", "expected"), [(3, True), (0, True), (True, False), (3.0, False)])
def test_a_whole_number_is_an_int_but_not_a_bool(value, expected):
    assert is_int(value) is expected


@pytest.mark.parametrize(
    ("rule", "value", "problem"),
    [
        (partial(integer, 1), 1, None),
        (partial(integer, 1), 0, "must be at least 1, got 0"),
        (partial(integer, -1), -1, None),
        (partial(integer, -1), -2, "must be at least -1, got -2"),
        (partial(integer, 0), "abc", "must be a whole number, got 'abc'"),
        (partial(integer, 0), 2.0, "must be a whole number, got 2.0"),
        (partial(integer, 0), True, "must be a whole number, got True"),
        # closed at 0, open at 1: dropout, label smoothing
        (LIKE_PROBABILITY, 0, None),
        (LIKE_PROBABILITY, 0.999, None),
        (LIKE_PROBABILITY, 1.0, "must lie in [0, 1), got 1"),
        (LIKE_PROBABILITY, -0.5, "must lie in [0, 1), got -0.5"),
        # open at both ends: a share of the data set
        (LIKE_SHARE, 0.5, None),
        (LIKE_SHARE, 0, "must lie in (0, 1), got 0"),
        (LIKE_SHARE, 1, "must lie in (0, 1), got 1"),
        # closed at both ends
        (CLOSED, 1, None),
        (CLOSED, 1.5, "must lie in [0, 1], got 1.5"),
        (HALF_OPEN, 2.5, None),
        (HALF_OPEN, 0, "must lie in (0, 2.5], got 0"),
        # no upper bound: said as "greater than" / "at least"
        (POSITIVE, 1e-9, None),
        (POSITIVE, 1e9, None),
        (POSITIVE, 0, "must be greater than 0, got 0"),
        (NON_NEGATIVE, 0, None),
        (NON_NEGATIVE, -1, "must be at least 0, got -1"),
        (partial(number, 0.5, low_open=False), 0.25, "must be at least 0.5, got 0.25"),
        # not a finite number
        (NON_NEGATIVE, math.inf, "must be a number, got inf"),
        (NON_NEGATIVE, math.nan, "must be a number, got nan"),
        (NON_NEGATIVE, "1e-3", "must be a number, got '1e-3'"),
        (NON_NEGATIVE, True, "must be a number, got True"),
        (NON_NEGATIVE, None, "must be a number, got None"),
        # None passes an optional setting; any other value still meets the rule
        (lambda: optional(integer(1)), None, None),
        (lambda: optional(integer(1)), 0, "must be at least 1, got 0"),
        (lambda: optional(integer(1)), 2, None),
    ],
)
def test_each_rule_and_its_message(rule, value, problem):
    assert rule()(value) == problem


@pytest.mark.parametrize(
    ("rule", "good", "bad"),
    [(BATCH_SIZE, 1, 0), (PROBABILITY, 0, 1), (SHARE, 0.999, 0), (SHARE, 0.001, 1)],
)
def test_the_rules_the_constructors_share(rule, good, bad):
    assert rule(good) is None and rule(bad) is not None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (0, None),
        (7, None),  # a number of batches
        (-1, "must be at least 0, got -1"),
        (0.0, None),
        (0.25, None),
        (1.0, None),  # a fraction
        (1.5, "must lie in [0, 1], got 1.5"),
        (-0.5, "must lie in [0, 1], got -0.5"),
        (True, "must be a number, got True"),
    ],
)
def test_a_limit_of_batches_is_a_count_or_a_fraction(value, problem):
    assert fraction_of_batches(value) == problem


def test_require_returns_the_value_or_names_the_setting():
    assert require("data.batch_size", 32, BATCH_SIZE) == 32
    with pytest.raises(ConfigError) as error:
        require("data.batch_size", 0, BATCH_SIZE)
    assert str(error.value) == "data.batch_size must be at least 1, got 0"


def test_an_unknown_choice_lists_the_choices():
    assert check_choice("optimizer", "sgd", {"sgd": 1, "adam": 2}) == "sgd"
    with pytest.raises(ConfigError) as error:
        check_choice("optimizer", "adamw", {"sgd": 1, "adam": 2})  # a table: sorted
    assert str(error.value) == "unknown optimizer 'adamw': choose one of ['adam', 'sgd']"
    with pytest.raises(ConfigError) as error:
        check_choice("format", "tflite", ("onnx", "torchscript", "coreml"))  # as given
    assert str(error.value) == (
        "unknown format 'tflite': choose one of ['onnx', 'torchscript', 'coreml']"
    )


def _problems(config: dict) -> str | None:
    try:
        check_config(OmegaConf.create(config))
    except ConfigError as error:
        return str(error)
    return None


def test_a_config_that_meets_every_rule_passes():
    config = {
        "seed": 0,
        "trainer": {"max_epochs": -1, "min_epochs": None, "limit_train_batches": 0.5},
        "optimizer": {"lr": 1e-3, "weight_decay": 0},
        "data": {"batch_size": 1, "val_fraction": 0.1, "num_folds": 3, "fold": 2},
        "cv": {"folds": 1, "fold": None},
        "callbacks": {"early_stopping": None},  # switched off: its keys are absent
    }
    assert _problems(config) is None


def test_one_problem_is_one_line_with_its_hint():
    assert _problems({"optimizer": {"lr": 0}}) == (
        "invalid configuration: optimizer.lr must be greater than 0, got 0 "
        "(a typical learning rate is 1e-3 (Adam) or 0.05 (SGD))"
    )
    assert _problems({"data": {"batch_size": 0}}) == (
        "invalid configuration: data.batch_size must be at least 1, got 0"
    )


def test_every_problem_is_listed_in_one_message():
    config = {
        "seed": -1,
        "data": {"num_folds": 2, "fold": 2, "path": "???", "name": "???"},
        "model": {"layers": [{"width": 8}, {"width": "???"}]},
        "cv": {"folds": 1, "fold": 1},
    }
    assert _problems(config) == (
        "invalid configuration:\n"
        "  - seed must be at least 0, got -1\n"
        "  - cv.fold=1 needs folds to choose from: add cv.folds=<k> (k >= 2), "
        "e.g. `make sweep cv.folds=5 cv.fold=0,1,2,3,4`\n"
        "  - data.fold=2 is out of range for data.num_folds=2: choose 0..1, or more folds\n"
        "  - data.name has no value: give it one (make train data.name=…)\n"
        "  - data.path has no value: give it one (make train data.path=…)\n"
        "  - model.layers[1].width has no value: give it one (make train model.layers[1].width=…)"
    )


def test_a_value_that_cannot_be_read_is_a_problem_of_its_key():
    text = _problems({"seed": "${nowhere}", "data": {"batch_size": "???"}})
    lines = text.splitlines()
    assert lines[0] == "invalid configuration:"
    assert lines[1].startswith("  - seed: Interpolation key 'nowhere' not found")
    assert (
        lines[2] == "  - data.batch_size has no value: give it one (make train data.batch_size=…)"
    )
    assert len(lines) == 3  # the missing value is said once


def test_data_folds_are_checked_where_the_data_module_has_them():
    assert _problems({"data": {"num_folds": 2, "fold": 5}}) == (
        "invalid configuration: data.fold=5 is out of range for data.num_folds=2: "
        "choose 0..1, or more folds"
    )


def test_a_group_or_a_list_where_a_value_is_expected_is_refused():
    assert _problems({"seed": {"value": 3}, "optimizer": {"lr": [1, 2]}}) == (
        "invalid configuration:\n  - seed must be a whole number, got {'value': 3}\n"
        "  - optimizer.lr must be a number, got [1, 2] (a typical learning rate is 1e-3 (Adam) "
        "or 0.05 (SGD))"
    )


def test_message_of_one_and_of_several_problems():
    assert message(["a"]) == "invalid configuration: a"
    assert message(["a", "b"]) == "invalid configuration:\n  - a\n  - b"
