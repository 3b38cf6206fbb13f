"""The config against the classes its `_target_`s name, once they can be imported (after the
checks of `dlkit.config.checks`, which need no torch):

- the net must take the data: a net class may declare the data modalities it takes, so
  `data=wine model=gru` stops at once with the list of models that do fit, instead of failing
  deep inside a forward pass; a net that declares none (a user's own) is checked against what
  the data gives it, from its constructor's signature, once the data module knows (`check_fit`:
  text data gives `vocab_size`, which an image net does not take);
- a key added with `+` must be an argument of the class it goes to (`+trainer.max_epoch=3`):
  Hydra lets an added key through, and the class would then fail with a bare TypeError, or (a
  class that takes `**kwargs`) ignore it; the closest real argument is suggested.
"""

import difflib
import inspect
from pathlib import Path
from typing import Any

from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.utils import get_class
from omegaconf import DictConfig, OmegaConf

from dlkit.config import CONFIG_DIR
from dlkit.config.checks import message
from dlkit.errors import ConfigError


def check_targets(cfg: DictConfig) -> None:
    """The net fits the data (that first: it is the cause to name), then every key is taken."""
    check_compatible(cfg)
    check_arguments(cfg)


def check_compatible(cfg: DictConfig) -> None:
    """Stop when the net of `cfg.model` does not take the data of `cfg.data`.

    A data module gives its samples as its `modality` says, or, when it can lay them out in
    more than one way (audio: a spectrogram as an image or as a sequence of frames), in any of
    its `net_modalities`."""
    net_class = get_class(cfg.model.net._target_)
    data_class = get_class(cfg.data._target_)
    modality = data_class.modality
    offered = getattr(data_class, "net_modalities", None) or (modality,)
    accepted = getattr(net_class, "modalities", None)
    if accepted is None or any(m in accepted for m in offered):
        return
    fitting = list(dict.fromkeys(name for m in offered for name in _models_for(m)))
    raise ConfigError(
        f"{net_class.__name__} takes {' or '.join(accepted)} data, but data={_choice('data')} is "
        f"{modality} data. Models that fit {modality} data: {', '.join(fitting)}."
    )


def check_fit(net_class: type, net_config: DictConfig, modality: str, given: set[str]) -> None:
    """Stop when the net's constructor does not take what the data module gives it (`given`:
    `input_shape`, `num_outputs` and the data's own `net_kwargs`), or needs an argument that
    neither the data nor the config gives: the net does not fit the data."""
    parameters = inspect.signature(net_class).parameters.values()
    accepted = arguments_of(net_class)
    configured = {str(k) for k in net_config if not str(k).startswith("_")}
    unknown = sorted(given - accepted) if accepted is not None else []
    required = {
        p.name
        for p in parameters
        if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }
    missing = sorted(required - given - configured)
    if not unknown and not missing:
        return
    name = net_class.__name__
    problems = []
    if unknown:
        problems.append(
            f"{name} takes no {', '.join(unknown)}, which {modality} data gives its net"
        )
    if missing:
        problems.append(f"{name} needs {', '.join(missing)}, which {modality} data does not give")
    raise ConfigError(
        f"this model does not fit this data: {'; '.join(problems)} "
        f"(model={_choice('model')}, data={_choice('data')}). Models that fit {modality} data: "
        f"{', '.join(_models_for(modality))}; or give {name} the arguments of a net for "
        f"{modality} data (README, Add your own net)."
    )


def _models_for(modality: str) -> list[str]:
    """Names of the `model=` options whose net takes `modality` (shared parts live in parts/),
    in the core's configs and those the packs add."""
    fitting = []
    for path in sorted(p for root in config_roots() for p in (root / "model").glob("*.yaml")):
        target = _net_target(path)
        if target and modality in getattr(get_class(target), "modalities", ()):
            fitting.append(path.stem)
    return fitting


def config_roots() -> list[Path]:
    """The config folders on Hydra's search path (the core's, each pack's)."""
    if not GlobalHydra.instance().is_initialized():
        return [CONFIG_DIR]
    sources = GlobalHydra.instance().config_loader().get_sources()
    return [Path(s.path) for s in sources if s.scheme() == "file" and Path(s.path).is_dir()]


def _net_target(path: Path) -> str | None:
    """The net class a model option names, itself or through the options it builds on: beside
    it (its parts), or in the model group of another config folder (a pack's option that
    builds on a core one)."""
    option = OmegaConf.load(path)
    target = OmegaConf.select(option, "net._target_")
    for entry in option.get("defaults", []):
        if target is None and isinstance(entry, str) and entry != "_self_":
            name = f"{entry.split('@')[0]}.yaml"
            places = [path.parent / name, *(root / "model" / name for root in config_roots())]
            found = next((place for place in places if place.is_file()), None)
            target = _net_target(found) if found else None
    return target


def _choice(group: str) -> str:
    """The option chosen for a config group (`digits` for data=digits), for messages."""
    try:
        return HydraConfig.get().runtime.choices[group]
    except ValueError:  # no Hydra app around (a plain function call)
        return "?"


def check_arguments(cfg: DictConfig) -> None:
    """Raise one ConfigError naming every key that no `_target_` takes."""
    from hydra.utils import get_object

    problems = []
    for path, node in _targets(cfg):
        parameters = arguments_of(get_object(node._target_))
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


def arguments_of(target: Any) -> set[str] | None:
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
