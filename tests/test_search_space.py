"""Hydra's sweep syntax as Optuna distributions (`hydra_plugins.dlkit_sweepers.search_space`)."""

import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from hydra_plugins.dlkit_sweepers.search_space import (
    distribution,
    override_value,
    params_as_overrides,
    parse_overrides,
)


def _distribution(text: str):
    (override,) = parse_overrides([f"key={text}"])
    return distribution(override)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("interval(0.1, 0.5)", FloatDistribution(0.1, 0.5)),
        ("interval(1, 5)", FloatDistribution(1.0, 5.0)),  # floats unless tagged int
        ("tag(log, interval(1e-4, 1e-1))", FloatDistribution(1e-4, 1e-1, log=True)),
        ("tag(int, interval(16, 128))", IntDistribution(16, 128)),
        ("tag(int, interval(16.0, 128.0))", IntDistribution(16, 128)),
        ("tag(int, log, interval(16, 128))", IntDistribution(16, 128, log=True)),
        ("range(16, 129, 16)", IntDistribution(16, 128, step=16)),
        ("range(1, 4)", IntDistribution(1, 3, step=1)),
        ("range(0.5, 2.0, 0.5)", FloatDistribution(0.5, 1.5, step=0.5)),
        ("choice(adam, sgd)", CategoricalDistribution(["adam", "sgd"])),
        ("adam,sgd", CategoricalDistribution(["adam", "sgd"])),
        ("choice(1, 0.5, true)", CategoricalDistribution([1, 0.5, True])),
        ("choice([16,32],[32,64])", CategoricalDistribution(["[16,32]", "[32,64]"])),
    ],
)
def test_search_space_syntax(text, expected):
    assert _distribution(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("shuffle(range(1, 4))", "key: shuffle(range(…)) has no meaning in a search; drop shuffle"),
        (
            "shuffle(choice(a, b))",
            "key: shuffle(choice(…)) has no meaning in a search; drop shuffle",
        ),
        ("range(4, 1)", "key: key=range(4, 1) holds no value"),
        ("0.5", "key: key=0.5 is not a sweep"),
    ],
)
def test_what_cannot_be_searched_is_named(text, problem):
    with pytest.raises(ValueError) as error:
        _distribution(text)
    assert str(error.value) == problem


def test_sweeper_params_become_overrides_in_their_order():
    params = {"optimizer.lr": "tag(log, interval(1e-4, 1e-1))", "data.batch_size": "32,64"}
    lines = params_as_overrides(params)
    assert lines == ["optimizer.lr=tag(log, interval(1e-4, 1e-1))", "data.batch_size=32,64"]
    assert [o.key_or_group for o in parse_overrides(lines)] == ["optimizer.lr", "data.batch_size"]
    assert params_as_overrides(None) == []
    assert params_as_overrides({}) == []


@pytest.mark.parametrize(
    ("value", "written"),
    [(0.1, "0.1"), (1e-05, "1e-05"), (3, "3"), (True, "True"), ("adam", "adam")],
)
def test_a_sampled_value_is_written_back_as_an_override_value(value, written):
    assert override_value(value) == written
    (override,) = parse_overrides([f"key={written}"])
    assert override.value() == value
