"""Checkpoints hold data, not code, and a checkpoint of another model says so in one sentence."""

from pathlib import Path

import pytest
import torch
from omegaconf import OmegaConf

from dlkit.models.checkpoint_mismatch import CheckpointMismatchError
from dlkit.models.classification import ClassificationModule
from dlkit.training.run import train
from tests.helpers import FEW_BATCHES, read_summary

QUICK = ("trainer.max_epochs=1", *FEW_BATCHES)


@pytest.fixture(scope="module")
def mlp_run(tmp_path_factory) -> Path:
    """One short MLP run on digits (10 classes), shared by the tests below."""
    from tests.helpers import compose_config

    run_dir = tmp_path_factory.mktemp("mlp")
    cfg = compose_config(
        "train",
        ["model=mlp", *QUICK],
        run_dir,
        tmp_path_factory.mktemp("data"),
    )
    train(cfg)
    return run_dir


def test_checkpoints_load_with_weights_only(mlp_run):
    for path in (mlp_run / "checkpoints").glob("*.ckpt"):
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
        assert checkpoint["state_dict"] and checkpoint["optimizer_states"]


def test_checkpoint_of_another_architecture_is_named(compose_train, mlp_run):
    cfg = compose_train("model=cnn", f"ckpt_path={mlp_run / 'checkpoints' / 'last.ckpt'}", *QUICK)
    with pytest.raises(CheckpointMismatchError) as error:
        train(cfg)
    message = str(error.value)
    assert "another architecture" in message and "net CNN" in message
    assert "config.yaml" in message  # says what to do
    assert len(message) < 1000  # one sentence, not a wall of keys
    assert read_summary(Path(cfg.paths.output_dir))["status"] == "failed"


def test_checkpoint_for_another_number_of_classes_is_named(mlp_run):
    saved = OmegaConf.load(mlp_run / "config.yaml")
    three_classes = ClassificationModule(
        net=OmegaConf.to_container(saved.model.net),
        input_shape=[1, 8, 8],
        optimizer=OmegaConf.to_container(saved.optimizer),
        num_classes=3,
    )
    checkpoint = torch.load(mlp_run / "checkpoints" / "last.ckpt", weights_only=True)
    with pytest.raises(
        CheckpointMismatchError, match=r"ends in 10 outputs in the checkpoint and 3"
    ):
        three_classes.on_load_checkpoint(checkpoint)
