"""Every option the text pack adds to the core's config groups composes as `make train` composes
it, and every `_target_` in it names a real object."""

from pathlib import Path

import pytest
from hydra.utils import get_object
from omegaconf import OmegaConf

PACK_CONFIGS = Path(__file__).resolve().parents[1] / "configs"
OPTIONS = [
    (group.name, path.stem)
    for group in sorted(PACK_CONFIGS.iterdir())
    for path in sorted(group.glob("*.yaml"))
]
# options that need a value of the user's (the file to read)
REQUIRED = {
    "text_csv": ["data.path=texts.csv", "data.text_column=body", "data.target=team"],
    "text_folder": ["data.path=texts"],
}


def _targets(node) -> list[str]:
    if isinstance(node, dict):
        return [
            t
            for key, value in node.items()
            for t in ([value] if key == "_target_" else _targets(value))
        ]
    if isinstance(node, list):
        return [t for item in node for t in _targets(item)]
    return []


def test_the_pack_adds_its_options():
    assert {group for group, _ in OPTIONS} == {"baseline", "data", "experiment", "model"}
    assert len(OPTIONS) == 13


@pytest.mark.parametrize(("group", "option"), OPTIONS, ids=str)
def test_every_option_composes(compose_train, group, option):
    data = ["data=text_csv", *REQUIRED["text_csv"]] if group in ("model", "baseline") else []
    cfg = compose_train(*data, f"{group}={option}", *REQUIRED.get(option, []))
    container = OmegaConf.to_container(cfg, resolve=True)
    for target in _targets(container):
        assert get_object(target) is not None, f"{group}={option}: {target} does not import"
    if group == "baseline":
        assert container["baseline"]["reads"] == "texts"
