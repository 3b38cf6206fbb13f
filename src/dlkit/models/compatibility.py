"""Which nets fit which data: each net class declares the data modalities it takes.

Checked before anything is built, so `data=wine model=gru` stops at once with the list of
models that do fit, instead of failing deep inside a forward pass.
"""

from pathlib import Path

from hydra.utils import get_class
from omegaconf import OmegaConf

from dlkit.utils.validation import ConfigError

MODEL_CONFIGS = Path(__file__).resolve().parents[3] / "configs" / "model"


def _models_for(modality: str) -> list[str]:
    """Names of the `model=` options whose net takes `modality`."""
    fitting = []
    for path in sorted(MODEL_CONFIGS.glob("*.yaml")):
        target = OmegaConf.load(path).get("net", {}).get("_target_")
        if target and modality in getattr(get_class(target), "modalities", ()):
            fitting.append(path.stem)
    return fitting


def check_compatible(net_target: str, modality: str, data_name: str) -> None:
    net_class = get_class(net_target)
    accepted = getattr(net_class, "modalities", None)
    if accepted is None or modality in accepted:
        return
    raise ConfigError(
        f"{net_class.__name__} takes {' or '.join(accepted)} data, but data={data_name} is "
        f"{modality} data. Models that fit {modality} data: {', '.join(_models_for(modality))}."
    )
