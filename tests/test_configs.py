"""Every option of every config group composes, and every `_target_` in it names a real object."""

from pathlib import Path

import pytest
from hydra.errors import ConfigCompositionException
from hydra.utils import get_object
from omegaconf import OmegaConf

from tests.helpers import CONFIG_DIR, output, run

# groups whose options are picked with `group=option` on the command line
SELECTABLE_GROUPS = [
    "data",
    "augmentation",
    "model",
    "optimizer",
    "scheduler",
    "trainer",
    "callbacks",
    "logger",
    "baseline",
    "experiment",
    "debug",
    "hparams_search",
]


def _options():
    """Each group's options: its files (what options share lives in the group's parts/)."""
    for group in SELECTABLE_GROUPS:
        for path in sorted((CONFIG_DIR / group).glob("*.yaml")):
            yield group, path.stem


def _targets(node) -> list[str]:
    """Every `_target_` in a plain (container) config."""
    if isinstance(node, dict):
        return [
            t
            for key, value in node.items()
            for t in ([value] if key == "_target_" else _targets(value))
        ]
    if isinstance(node, list):
        return [t for item in node for t in _targets(item)]
    return []


@pytest.mark.parametrize(("group", "option"), list(_options()), ids=lambda v: str(v))
def test_every_option_composes(compose_train, group, option):
    cfg = compose_train(f"{group}={option}")
    for target in _targets(OmegaConf.to_container(cfg, resolve=False)):
        assert get_object(target) is not None, f"{group}={option}: {target} does not import"


def test_unknown_option_lists_the_choices(compose_train):
    with pytest.raises(ConfigCompositionException) as error:
        compose_train("model=no_such_model")
    message = str(error.value)
    assert "no_such_model" in message
    assert "cnn" in message and "mlp" in message  # Hydra lists the available options


def test_overrides_reach_the_config(compose_train):
    cfg = compose_train(
        "optimizer=sgd",
        "optimizer.lr=0.05",
        "scheduler=cosine",
        "callbacks.early_stopping.patience=20",
    )
    assert cfg.optimizer._target_ == "torch.optim.SGD" and cfg.optimizer.lr == 0.05
    assert cfg.scheduler._target_.endswith("cosine")
    assert cfg.callbacks.early_stopping.patience == 20


def test_a_callback_can_be_removed(compose_train):
    cfg = compose_train("~callbacks.early_stopping")
    assert "early_stopping" not in cfg.callbacks
    assert "model_checkpoint" in cfg.callbacks


def test_configs_folder_has_every_group():
    groups = {p.name for p in Path(CONFIG_DIR).iterdir() if p.is_dir()}
    expected = {
        "data",
        "model",
        "optimizer",
        "scheduler",
        "trainer",
        "callbacks",
        "logger",
        "paths",
        "hydra",
        "extras",
        "experiment",
        "debug",
        "local",
    }
    assert expected <= groups


@pytest.mark.parametrize(
    ("overrides", "net"),
    [
        (["data=wine"], "MLP"),  # a table: the model that fits it
        (["data=csv", "data.path=x.csv", "data.target=y"], "MLP"),
        (["data=wine", "model=cnn"], "CNN"),  # an explicit model wins
        (["data=mnist1d"], "CNN"),  # 1-D convolutions over sequences
        (["experiment=mnist1d_gru"], "RecurrentNet"),  # a recipe picks its own
        ([], "CNN"),
    ],
)
def test_the_default_model_follows_the_data(compose_train, overrides, net):
    assert compose_train(*overrides).model.net._target_.endswith(f".{net}")


def test_a_home_folder_in_a_value_is_expanded():
    """`data.path=~/photos` as a shell would expand it (Hydra's parser would refuse the `~`)."""
    result = run("-m", "dlkit.cli.train", "data=image_folder", "data.path=~/photos", "--cfg", "job")
    assert result.returncode == 0, output(result)[-3000:]
    assert OmegaConf.create(result.stdout).data.path == str(Path.home() / "photos")
