"""Stop a bad configuration before any work, with one message that names every problem.

Hydra already stops misspelled keys (`trainer.max_epoch=3`: not in struct) and unknown options
(`model=cnnn`: the list of options). What it cannot know is types and ranges, since the YAML
files carry no schema: `trainer.max_epochs=abc` would reach the Trainer as a string and
`optimizer.lr=-1` would train garbage. A typed schema (structured configs) would need a dataclass
for every option file of every group and still would not check ranges, so the values that decide
a run are checked here, by one table, before torch is imported. Keys a user adds with `+` are
checked against the signature of the class they go to (`check_arguments`), once the classes
can be imported and before anything is built.
"""

import difflib
import inspect
import math
from collections.abc import Callable
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

Check = Callable[[Any], str | None]  # the problem with a value, or None when it is fine


class ConfigError(ValueError):
    """A configuration that cannot give a sensible run."""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def integer(minimum: int) -> Check:
    def check(value: Any) -> str | None:
        if not _is_int(value):
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


def optional(check: Check) -> Check:
    return lambda value: None if value is None else check(value)


def fraction_of_batches(value: Any) -> str | None:
    """Lightning's limit_*_batches: a fraction in [0, 1] or a whole number of batches."""
    if _is_int(value):
        return None if value >= 0 else f"must be at least 0, got {value}"
    return number(0, 1, low_open=False, high_open=False)(value)


# key -> check; a key absent from the config (another model, no early stopping) is skipped.
RULES: dict[str, Check] = {
    "seed": integer(0),
    "trainer.max_epochs": integer(-1),
    "trainer.min_epochs": optional(integer(0)),
    "trainer.max_steps": integer(-1),
    "trainer.check_val_every_n_epoch": optional(integer(1)),
    "trainer.log_every_n_steps": integer(1),
    "trainer.accumulate_grad_batches": integer(1),
    "trainer.gradient_clip_val": optional(number(0, low_open=False)),
    "trainer.limit_train_batches": optional(fraction_of_batches),
    "trainer.limit_val_batches": optional(fraction_of_batches),
    "trainer.limit_test_batches": optional(fraction_of_batches),
    "optimizer.lr": number(0, low_open=True),
    "optimizer.weight_decay": number(0, low_open=False),
    "optimizer.momentum": number(0, 1, low_open=False),
    "model.net.dropout": number(0, 1, low_open=False),
    "model.label_smoothing": number(0, 1, low_open=False),
    "data.batch_size": integer(1),
    "data.val_fraction": number(0, 1, low_open=True),
    "data.test_fraction": number(0, 1, low_open=True),
    "data.num_workers": integer(0),
    "callbacks.early_stopping.patience": integer(0),
}

HINTS = {
    "optimizer.lr": "a typical learning rate is 1e-3 (Adam) or 0.05 (SGD)",
    "model.net.dropout": "dropout is the probability of zeroing a unit: 0 turns it off",
    "trainer.max_epochs": "e.g. trainer.max_epochs=20",
}


def check_config(cfg: DictConfig) -> None:
    """Raise one ConfigError listing every problem of the composed config."""
    problems = []
    for key, check in RULES.items():
        try:
            value = OmegaConf.select(cfg, key, default=_ABSENT, throw_on_missing=True)
        except Exception as error:  # an interpolation that does not resolve, a missing value
            problems.append(f"{key}: {error}".splitlines()[0])
            continue
        if value is _ABSENT or isinstance(value, (DictConfig, ListConfig)):
            continue
        if problem := check(value):
            hint = f" ({HINTS[key]})" if key in HINTS else ""
            problems.append(f"{key} {problem}{hint}")
    problems += _fold_problems(cfg)
    problems += [
        f"{key} has no value: give it one (make train {key}=…)"
        for key in sorted(OmegaConf.missing_keys(cfg))
    ]
    if problems:
        raise ConfigError(_message(problems))


def _fold_problems(cfg: DictConfig) -> list[str]:
    """Cross-validation: the fold must be one of the folds (`cv.*`, and the data's own)."""
    from dlkit.cross_validation import check_cv_settings

    problems = []
    cv = cfg.get("cv")
    if isinstance(cv, DictConfig) and "folds" in cv:
        try:
            check_cv_settings(cv.folds, cv.get("fold"))
        except ValueError as error:
            problems.append(str(error))
    data = cfg.get("data")
    if isinstance(data, DictConfig) and "num_folds" in data and "fold" in data:
        folds, fold = data.num_folds, data.fold
        if not _is_int(folds) or folds < 1:
            problems.append(f"data.num_folds must be a whole number of at least 1, got {folds!r}")
        elif not _is_int(fold) or not 0 <= fold < folds:
            problems.append(
                f"data.fold={fold!r} does not exist with data.num_folds={folds}: "
                f"choose 0..{folds - 1}, or more folds"
            )
    return problems


def check_arguments(cfg: DictConfig) -> None:
    """Every key under a `_target_` must be an argument of that class or function.

    Catches keys added with `+` (`+trainer.max_epoch=3`), which Hydra lets through, before
    anything is built, with the closest real argument as a suggestion.
    """
    from hydra.utils import get_object

    problems = []
    for path, node in _targets(cfg):
        target = get_object(node._target_)
        try:
            parameters = inspect.signature(target).parameters
        except (TypeError, ValueError):  # a builtin without a signature
            continue
        if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            continue
        for key in node:
            if str(key).startswith("_") or key in parameters:
                continue
            close = difflib.get_close_matches(str(key), list(parameters), n=1)
            suggestion = f" (did you mean {path}.{close[0]}?)" if close else ""
            problems.append(f"{path}.{key}: {node._target_} has no argument {key!r}{suggestion}")
    if problems:
        raise ConfigError(_message(problems))


def _targets(node: Any, path: str = "") -> list[tuple[str, DictConfig]]:
    found = []
    if isinstance(node, DictConfig):
        if "_target_" in node:
            found.append((path, node))
        for key in node:
            if path == "" and key == "hydra":
                continue
            child = node._get_node(key)
            if isinstance(child, DictConfig) and not child._is_none():
                found += _targets(child, f"{path}.{key}" if path else str(key))
    return found


def _message(problems: list[str]) -> str:
    if len(problems) == 1:
        return f"invalid configuration: {problems[0]}"
    return "invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems)


_ABSENT = object()
