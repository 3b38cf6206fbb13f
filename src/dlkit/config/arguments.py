"""Keys added with `+` must be arguments of the class they go to: `+trainer.max_epoch=3`.

Hydra lets an added key through; the class would then fail with a bare TypeError, or (a class
that takes `**kwargs`) ignore it. So every key under a `_target_` is checked against that class's
signature before anything is built, with the closest real argument as a suggestion. The classes
are imported for this, so it runs after the config checks of `dlkit.config.checks`.
"""

import difflib
import inspect
from typing import Any

from omegaconf import DictConfig

from dlkit.config.checks import message
from dlkit.errors import ConfigError


def check_arguments(cfg: DictConfig) -> None:
    """Raise one ConfigError naming every key that no `_target_` takes."""
    from hydra.utils import get_object

    problems = []
    for path, node in _targets(cfg):
        parameters = _arguments(get_object(node._target_))
        if parameters is None:  # takes any keyword, or has no signature to read
            continue
        for key in node:
            if str(key).startswith("_") or key in parameters:
                continue
            close = difflib.get_close_matches(str(key), sorted(parameters), n=1)
            suggestion = f" (did you mean {path}.{close[0]}?)" if close else ""
            problems.append(f"{path}.{key}: {node._target_} has no argument {key!r}{suggestion}")
    if problems:
        raise ConfigError(message(problems))


def _arguments(target: Any) -> set[str] | None:
    """The keyword arguments `target` takes; None when it takes any.

    A class whose `__init__` ends in `**kwargs` hands them to its parent (the data modules pass
    the shared settings on to `BaseDataModule`), so the parents' arguments count too, up to the
    first `__init__` without `**kwargs`; one that reaches `object` takes anything.
    """
    functions = (
        [k.__dict__["__init__"] for k in target.__mro__ if "__init__" in k.__dict__]
        if inspect.isclass(target)
        else [target]
    )
    names: set[str] = set()
    for function in functions:
        if function is object.__init__:
            return None
        try:
            parameters = inspect.signature(function).parameters.values()
        except (TypeError, ValueError):  # a builtin without a signature
            return None
        names |= {p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
        if not any(p.kind is p.VAR_KEYWORD for p in parameters):
            return names - {"self"}
    return None


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
