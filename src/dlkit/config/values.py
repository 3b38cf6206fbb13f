"""What a config value must be: the kinds of check, the named ranges, and `require`.

The one source of each range: the config table (`dlkit.config.checks.RULES`) checks composed
configs with these before torch is imported, and the constructors that must check their arguments
when used as a library (nets, task modules, data modules) call `require` with the same one.
"""

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dlkit.errors import ConfigError

Check = Callable[[Any], str | None]  # the problem with a value, or None when it is fine


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (is_int(value) or isinstance(value, float)) and math.isfinite(value)


def integer(minimum: int) -> Check:
    def check(value: Any) -> str | None:
        if not is_int(value):
            return f"must be a whole number, got {value!r}"
        if value < minimum:
            return f"must be at least {minimum}, got {value}"
        return None

    return check


def number(low: float, high: float = math.inf, *, low_open: bool, high_open: bool = True) -> Check:
    """A finite number in the interval given (open or closed at each end)."""
    interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"

    def check(value: Any) -> str | None:
        if not _is_number(value):
            return f"must be a number, got {value!r}"
        too_low = value <= low if low_open else value < low
        too_high = value >= high if high_open else value > high
        if too_low or too_high:
            if high == math.inf:
                return (
                    f"must be {'greater than' if low_open else 'at least'} {low:g}, got {value:g}"
                )
            return f"must lie in {interval}, got {value:g}"
        return None

    return check


def one_of(choices: tuple[str, ...]) -> Check:
    return lambda value: (
        None if value in choices else f"must be one of {', '.join(choices)}, got {value!r}"
    )


def optional(check: Check) -> Check:
    return lambda value: None if value is None else check(value)


def existing_file(value: Any) -> str | None:
    """A path to a file that exists (`~` is the home folder)."""
    if not isinstance(value, str) or not Path(value).expanduser().is_file():
        return f"must name an existing file, but {value!r} is none"
    return None


def fraction_of_batches(value: Any) -> str | None:
    """Lightning's limit_*_batches: a fraction in [0, 1] or a whole number of batches."""
    if is_int(value):
        return None if value >= 0 else f"must be at least 0, got {value}"
    return number(0, 1, low_open=False, high_open=False)(value)


# Rules that the table below and the constructors share.
PROBABILITY = number(0, 1, low_open=False)  # dropout, label smoothing: [0, 1)
SHARE = number(0, 1, low_open=True)  # a share of the data set: (0, 1)
PART = number(0, 1, low_open=True, high_open=False)  # a share that may be all of it: (0, 1]
BATCH_SIZE = integer(1)


def require(name: str, value: Any, check: Check) -> Any:
    """`value` when `check` passes it; else a ConfigError naming `name` (for library calls)."""
    if problem := check(value):
        raise ConfigError(f"{name} {problem}")
    return value


def check_choice(what: str, value: str, choices) -> str:
    """`value` when it is one of `choices`; else a ConfigError listing the ones there are."""
    if value not in choices:
        listed = sorted(choices) if isinstance(choices, dict) else list(choices)
        raise ConfigError(f"unknown {what} {value!r}: choose one of {listed}")
    return value
