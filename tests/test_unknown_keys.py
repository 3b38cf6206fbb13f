"""A key the config lacks, given on the command line: the key meant, or what the class takes,
never Hydra's advice to add the misspelt key with `+`."""

import pandas as pd
import pytest

from dlkit.config.unknown_keys import unknown_key_message
from tests.helpers import FEW_BATCHES, TINY, folders, read_summary, run_module


def _train(capsys, tmp_path, *overrides: str) -> tuple[int, str]:
    code = run_module(
        "dlkit.cli.train", *overrides, *folders(tmp_path), f"hydra.run.dir={tmp_path / 'run'}"
    )
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        (
            ["trainer.max_epoch=3"],
            "trainer.max_epoch: no such key (did you mean trainer.max_epochs?)",
        ),
        (
            ["optimizer=adam", "optimizer.momentum=0.9"],
            "optimizer.momentum: Adam has no momentum; its options are amsgrad, betas,",
        ),
        (
            ["data=digits", "data.image_size=[64]"],
            "data.image_size: DigitsDataModule has no image_size; its options are",
        ),
        (["trainr.max_epochs=3"], "trainr: no such key (did you mean trainer?)"),
        (["callbacks.early_stoping.patience=3"], "did you mean callbacks.early_stopping?"),
    ],
)
def test_a_misspelt_key_is_named_with_the_key_meant(capsys, tmp_path, overrides, words):
    code, text = _train(capsys, tmp_path, *overrides)
    assert code == 2, text[-2000:]
    assert words in text, text[-2000:]
    assert "To append to your config use +" not in text and "Traceback" not in text


def test_the_options_that_have_the_key_are_named(capsys, tmp_path):
    _, text = _train(capsys, tmp_path, "optimizer=adam", "optimizer.momentum=0.9")
    assert "momentum is a setting of optimizer=momentum, rmsprop" in text
    _, text = _train(capsys, tmp_path, "data=digits", "data.image_size=[64]")
    assert "image_size is a setting of data=image_folder" in text


def test_an_argument_the_class_takes_but_the_config_does_not_set_is_added_with_plus(
    capsys, tmp_path
):
    code, text = _train(capsys, tmp_path, "trainer.gradient_clip_algorithm=value")
    assert code == 2
    assert (
        "trainer.gradient_clip_algorithm is not set in this config, but Trainer takes it: add it "
        "with +trainer.gradient_clip_algorithm=value" in text
    )


def test_a_grid_sweep_names_the_key_meant_too(capsys, tmp_path):
    code = run_module(
        "dlkit.cli.train", "--multirun", "trainer.max_epoch=1,2", *folders(tmp_path),
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 2
    assert "did you mean trainer.max_epochs?" in captured.out + captured.err


def test_trainer_max_steps_is_a_trainer_setting(compose_train):
    assert compose_train("trainer.max_steps=8").trainer.max_steps == 8


@pytest.mark.slow  # two short runs in this process
def test_trainer_max_steps_trains_a_completed_run_further(capsys, tmp_path):
    """README: a completed run resumes when it is given more epochs or steps."""
    run_dir = tmp_path / "run"
    steps = ("trainer.max_epochs=-1", *FEW_BATCHES, "data.batch_size=32")
    common = (*TINY, *steps, *folders(tmp_path), f"hydra.run.dir={run_dir}")
    assert run_module("dlkit.cli.train", *common, "trainer.max_steps=4") == 0
    assert read_summary(run_dir)["status"] == "completed"
    code = run_module("dlkit.cli.train", f"resume={run_dir}", "trainer.max_steps=8")
    text = capsys.readouterr().err
    assert code == 0, text[-2000:]
    assert read_summary(run_dir)["status"] == "completed"
    trained = pd.read_csv(run_dir / "metrics.csv").dropna(subset=["train/loss"])
    assert list(trained["epoch"]) == [0, 1]  # four more steps: a second epoch of four batches


def test_a_key_below_a_value_says_so(compose_train):
    cfg = compose_train()
    message = unknown_key_message(cfg, "trainer.max_epochs.foo")
    assert (
        message == "trainer.max_epochs.foo: trainer.max_epochs is a value, not a group of settings"
    )
    assert unknown_key_message(cfg, "ckpt_path.x").endswith(
        "ckpt_path is a value, not a group of settings"
    )
    assert unknown_key_message(cfg, "paths.foo").startswith(
        "paths.foo: no such key; the keys of paths are"
    )
