"""The ready recipes of configs/experiment/: each pairs a model with data it fits, and each runs
end to end (the smoke runs take one batch per split; the full runs are measured in README)."""

import math
from pathlib import Path

import pytest
from hydra.core.hydra_config import HydraConfig
from omegaconf import OmegaConf

from dlkit.config.targets import check_compatible
from dlkit.training.run import train
from tests.helpers import CONFIG_DIR, read_summary

RECIPES = {
    "digits_mlp": ("digits", "mlp"),
    "digits_cnn": ("digits", "cnn"),
    "digits_resnet": ("digits", "resnet"),
    "mnist1d_mlp": ("mnist1d", "mlp"),
    "mnist1d_cnn": ("mnist1d", "cnn"),
    "mnist1d_gru": ("mnist1d", "gru"),
    "mnist1d_transformer": ("mnist1d", "transformer"),
    "wine_mlp": ("wine", "mlp"),
    "diabetes_mlp": ("diabetes", "mlp"),
}


def test_every_recipe_is_listed():
    recipes = {p.stem for p in (CONFIG_DIR / "experiment").glob("*.yaml")}
    assert set(RECIPES) == recipes


@pytest.mark.parametrize("recipe", RECIPES)
def test_recipe_picks_its_data_and_model(compose_train, recipe):
    cfg = compose_train(f"experiment={recipe}")
    choices = HydraConfig.get().runtime.choices
    assert (choices["data"], choices["model"]) == RECIPES[recipe]
    check_compatible(cfg)


# the net class each model option builds
NETS = {
    "mlp": "MLP",
    "cnn": "CNN",
    "resnet": "ResNet",
    "gru": "RecurrentNet",
    "transformer": "Transformer",
}


@pytest.mark.slow
@pytest.mark.parametrize("recipe", RECIPES)
def test_recipe_smoke_run(compose_train, recipe):
    """One batch per split, end to end: the recipe's net trains on its data and is tested."""
    cfg = compose_train(f"experiment={recipe}", "+trainer.fast_dev_run=true")
    train(cfg)
    summary = read_summary(cfg)
    assert summary["status"] == "completed"
    data, model = RECIPES[recipe]
    saved = OmegaConf.load(Path(cfg.paths.output_dir) / "config.yaml")
    assert saved.model.net._target_.rsplit(".", 1)[-1] == NETS[model]
    regression = data == "diabetes"
    assert summary["task"] == ("regression" if regression else "classification")
    scores = summary["test"]
    assert set(scores) >= ({"loss", "mae", "r2"} if regression else {"loss", "acc", "f1"})
    assert all(math.isfinite(value) for value in scores.values())


@pytest.mark.slow
def test_mnist1d_cnn_recipe_reaches_the_papers_cnn_accuracy(compose_train):
    cfg = compose_train("experiment=mnist1d_cnn")
    train(cfg)
    summary = read_summary(cfg)
    assert summary["test"]["acc"] >= 0.94  # the MNIST-1D paper's CNN


@pytest.mark.slow
def test_mnist1d_mlp_recipe_beats_its_logistic_baseline(compose_train):
    cfg = compose_train("experiment=mnist1d_mlp")
    train(cfg)
    summary = read_summary(cfg)
    assert summary["test"]["acc"] >= 0.6  # the paper: MLP ~68%
    assert summary["test"]["acc"] > summary["baseline"]["test"]["acc"] + 0.2  # logistic ~32%
