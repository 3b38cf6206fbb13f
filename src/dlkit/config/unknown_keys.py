"""A key given on the command line that the config does not have (`trainer.max_epoch=3`,
`optimizer.momentum=0.9` with Adam, `data.image_size=[64]` with digits): one message that names
the closest key, or the arguments the class takes, or the options that have the key.

Hydra stops such a key with "To append to your config use +trainer.max_epoch=3", advice that
turns a typo into an argument the class then refuses (`dlkit.config.targets` catches that one).
Hydra has no hook for its messages, so `suggest_on_unknown_keys` wraps the one function that
applies command-line overrides (`ConfigLoaderImpl._apply_overrides_to_config`, used for a run
and for each job of a sweep) and replaces the message of that one error; every other error is
Hydra's. The message is built from the config's own keys first, so a typo of a key that is there
costs no import; only a class's argument list imports the class.
"""

import difflib
from pathlib import Path

from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra.core.override_parser.types import Override
from hydra.errors import ConfigCompositionException
from hydra.utils import get_object
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import ConfigAttributeError, ConfigKeyError

from dlkit.config.targets import arguments_of, config_roots

_hydra_apply = ConfigLoaderImpl._apply_overrides_to_config
_ABSENT = object()  # a key the config does not have
# how alike a key must be to be suggested (difflib's ratio): a letter or two off (max_epoch,
# early_stoping), not a shared suffix (image_size is not batch_size)
CLOSE = 0.75
# a letter off (max_epoch): the key meant without looking further; a looser likeness
# (gradient_clip_algorithm, gradient_clip_val) first asks the class whether it takes the key
TYPO = 0.9


def _likeness(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def suggest_on_unknown_keys() -> None:
    """Hydra's command-line overrides, with our message for a key the config lacks."""
    ConfigLoaderImpl._apply_overrides_to_config = staticmethod(_apply_overrides)


def _apply_overrides(overrides: list[Override], cfg: DictConfig) -> None:
    for override in overrides:  # one at a time, as Hydra's loop does, to know which one failed
        try:
            _hydra_apply([override], cfg)
        except ConfigCompositionException as error:
            plain = not (override.is_add() or override.is_force_add() or override.is_delete())
            if not plain or not isinstance(error.__cause__, (ConfigAttributeError, ConfigKeyError)):
                raise
            text = unknown_key_message(cfg, override.key_or_group, override.input_line or "")
            raise ConfigCompositionException(text) from None


def unknown_key_message(cfg: DictConfig, key: str, override: str = "") -> str:
    """Why `key` is not in `cfg`, and what to write instead."""
    value = override.split("=", 1)[1] if "=" in override else "…"
    *parents, name = key.split(".")
    parent_key = ".".join(parents)
    node = OmegaConf.select(cfg, parent_key) if parents else cfg
    if not isinstance(node, DictConfig):  # a part of the path is missing or not a group
        for depth in range(1, len(parents) + 1):
            prefix = ".".join(parents[:depth])
            found = OmegaConf.select(cfg, prefix, default=_ABSENT, throw_on_missing=False)
            if found is _ABSENT:
                return unknown_key_message(cfg, prefix)
            if not isinstance(found, DictConfig):
                return f"{key}: {prefix} is a value, not a group of settings"
    where, group = (f"{parent_key}.", parents[0]) if parents else ("", "")
    keys = sorted(str(k) for k in node if not str(k).startswith("_") and str(k) != "hydra")
    meant = _closest(name, keys)
    if meant and _likeness(name, meant) >= TYPO:  # a letter off: no need to ask the class
        return f"{key}: no such key (did you mean {where}{meant}?)"
    target = get_object(node._target_) if "_target_" in node else None
    arguments = arguments_of(target) if target is not None else None
    if arguments is not None and name in arguments:
        label = getattr(target, "__name__", node._target_)
        return f"{key} is not set in this config, but {label} takes it: add it with +{key}={value}"
    having = _options_with(parents, name)  # a real key, of other options of the group
    meant = None if having else meant or _closest(name, arguments or [])
    if meant:
        return f"{key}: no such key (did you mean {'' if meant in keys else '+'}{where}{meant}?)"
    elsewhere = f"; {name} is a setting of {group}={', '.join(having)}" if having else ""
    if arguments is not None:
        label = getattr(target, "__name__", node._target_)
        options = ", ".join(sorted(arguments))
        return f"{key}: {label} has no {name}; its options are {options}{elsewhere}"
    if having:
        return f"{key}: no such key here{elsewhere}"
    return f"{key}: no such key; the keys {f'of {parent_key}' if parents else 'at the top'} are {', '.join(keys)}"


def _closest(name: str, candidates) -> str | None:
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=CLOSE)
    return close[0] if close else None


def _options_with(parents: list[str], name: str) -> list[str]:
    """The options of the group (`optimizer=momentum, sgd`) that set `name`: where the key the
    user gave does exist."""
    if len(parents) != 1:
        return []
    group, found = parents[0], set()
    for root in config_roots():
        for path in (root / group).glob("*.yaml"):
            if name in _keys_of(path):
                found.add(path.stem)
    return sorted(found)


def _keys_of(path: Path) -> set[str]:
    """The top-level keys an option file sets, with those of the parts it builds on."""
    option = OmegaConf.load(path)
    keys = {str(k) for k in option if k != "defaults"}
    for entry in option.get("defaults", []):
        if isinstance(entry, str) and entry != "_self_":
            part = path.parent / f"{entry.split('@')[0]}.yaml"
            keys |= _keys_of(part) if part.is_file() else set()
    return keys
