"""Which nets fit which data: each net class declares the data modalities it takes.

Checked before anything is built, so `data=wine model=gru` stops at once with the list of
models that do fit, instead of failing deep inside a forward pass.
"""

from pathlib import Path

from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.utils import get_class
from omegaconf import DictConfig, OmegaConf

from dlkit.config import CONFIG_DIR
from dlkit.errors import ConfigError


def check_compatible(cfg: DictConfig) -> None:
    """Stop when the net of `cfg.model` does not take the data of `cfg.data`."""
    net_class = get_class(cfg.model.net._target_)
    modality = get_class(cfg.data._target_).modality
    accepted = getattr(net_class, "modalities", None)
    if accepted is None or modality in accepted:
        return
    raise ConfigError(
        f"{net_class.__name__} takes {' or '.join(accepted)} data, but data={_choice('data')} is "
        f"{modality} data. Models that fit {modality} data: {', '.join(_models_for(modality))}."
    )


def _models_for(modality: str) -> list[str]:
    """Names of the `model=` options whose net takes `modality` (shared parts live in parts/),
    in the core's configs and those the packs add."""
    fitting = []
    for path in sorted(p for root in _config_roots() for p in (root / "model").glob("*.yaml")):
        target = _net_target(path)
        if target and modality in getattr(get_class(target), "modalities", ()):
            fitting.append(path.stem)
    return fitting


def _config_roots() -> list[Path]:
    """The config folders on Hydra's search path (the core's, each pack's)."""
    if not GlobalHydra.instance().is_initialized():
        return [CONFIG_DIR]
    sources = GlobalHydra.instance().config_loader().get_sources()
    return [Path(s.path) for s in sources if s.scheme() == "file" and Path(s.path).is_dir()]


def _net_target(path: Path) -> str | None:
    """The net class a model option names, itself or through the parts it builds on."""
    option = OmegaConf.load(path)
    target = OmegaConf.select(option, "net._target_")
    for entry in option.get("defaults", []):
        if target is None and isinstance(entry, str) and entry != "_self_":
            target = _net_target(path.parent / f"{entry.split('@')[0]}.yaml")
    return target


def _choice(group: str) -> str:
    """The option chosen for a config group (`digits` for data=digits), for messages."""
    try:
        return HydraConfig.get().runtime.choices[group]
    except ValueError:  # no Hydra app around (a plain function call)
        return "?"
