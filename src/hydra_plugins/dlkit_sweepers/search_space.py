"""Hydra's sweep syntax as Optuna distributions: the syntax users know from Hydra's Optuna plugin.

interval(1e-4, 1e-1)             a float in [low, high]
tag(log, interval(1e-4, 1e-1))   the same, sampled on a log scale
tag(int, interval(16, 128))      an integer in [low, high]
range(16, 129, 16)               integers 16, 32, …, 128 (stop excluded, as in Python)
choice(adam, sgd), or adam,sgd   one of the values
"""

from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import (
    ChoiceSweep,
    IntervalSweep,
    Override,
    RangeSweep,
    Transformer,
)


def parse_overrides(lines: list[str]) -> list[Override]:
    return OverridesParser.create().parse_overrides(lines)


def params_as_overrides(params: dict[str, Any] | None) -> list[str]:
    """`hydra.sweeper.params` entries as override strings (`key=value`)."""
    return [f"{key}={value}" for key, value in (params or {}).items()]


def distribution(override: Override):
    """The Optuna distribution of a sweep override (interval, range or choice)."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    value = override.value()
    key = override.get_key_element()
    if isinstance(value, IntervalSweep):
        log = "log" in value.tags
        if "int" in value.tags:
            return IntDistribution(int(value.start), int(value.end), log=log)
        return FloatDistribution(float(value.start), float(value.end), log=log)
    if isinstance(value, RangeSweep):
        if value.shuffle:
            raise ValueError(f"{key}: shuffle(range(…)) has no meaning in a search; drop shuffle")
        points = list(override.sweep_iterator())
        if not points:
            raise ValueError(f"{key}: {override.input_line} holds no value")
        step = value.step if value.step is not None else 1
        if all(isinstance(p, int) for p in points):
            return IntDistribution(points[0], points[-1], step=int(step))
        return FloatDistribution(float(points[0]), float(points[-1]), step=float(step))
    if isinstance(value, ChoiceSweep):
        if value.shuffle:
            raise ValueError(f"{key}: shuffle(choice(…)) has no meaning in a search; drop shuffle")
        # encoded as they are written in an override, so that each choice is a plain string
        return CategoricalDistribution(
            list(override.sweep_iterator(transformer=Transformer.encode))
        )
    raise ValueError(f"{key}: {override.input_line} is not a sweep")


def override_value(value: Any) -> str:
    """A sampled value written back as an override value."""
    return repr(value) if isinstance(value, float) else str(value)
