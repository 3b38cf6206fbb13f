"""A bad configuration stops before any work (before torch is even imported) with one message."""

import subprocess
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from dlkit.config.checks import RULES, check_config
from dlkit.config.targets import check_arguments
from dlkit.data.images import DigitsDataModule
from dlkit.errors import ConfigError
from dlkit.models.classification import ClassificationModule
from dlkit.models.nets.mlp import MLP
from dlkit.training.run import train
from tests.helpers import ROOT, clean_environment, read_summary

SMOOTH = {
    "net": {"_target_": "dlkit.models.nets.mlp.MLP"},
    "input_shape": [4],
    "optimizer": {"_target_": "torch.optim.SGD", "_partial_": True, "lr": 0.1},
    "num_classes": 3,
    "label_smoothing": 1.0,
}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["trainer.max_epochs=abc"], "trainer.max_epochs must be a whole number, got 'abc'"),
        (["optimizer.lr=-0.1"], "optimizer.lr must be greater than 0, got -0.1"),
        (["optimizer.lr=0"], "optimizer.lr must be greater than 0"),
        (["model.net.dropout=1.0"], "model.net.dropout must lie in [0, 1), got 1"),
        (["model=mlp", "model.net.dropout=-0.5"], "model.net.dropout must lie in [0, 1)"),
        (["data.batch_size=0"], "data.batch_size must be at least 1, got 0"),
        (["data.num_folds=1", "data.fold=3"], "data.fold=3 is out of range for data.num_folds=1"),
        (["cv.folds=1", "cv.fold=3"], "cv.fold=3 needs folds to choose from"),
        (["cv.folds=5", "cv.fold=7"], "cv.fold=7 is out of range for cv.folds=5"),
        (["trainer.gradient_clip_val=-1"], "trainer.gradient_clip_val must be at least 0"),
        (["seed=x"], "seed must be a whole number"),
        (["data=csv", "model=mlp"], "data.path has no value: give it one (make train data.path="),
        (["data.train_fraction=0"], "data.train_fraction must lie in (0, 1], got 0"),
        (["optimizer.lr=fast"], "optimizer.lr must be a number, got 'fast'"),
        (["seed=${nowhere}"], "invalid configuration: seed: Interpolation key 'nowhere' not found"),
    ],
)
def test_out_of_range_or_wrong_type_is_named(compose_train, overrides, message):
    with pytest.raises(ConfigError) as error:
        check_config(compose_train(*overrides))
    assert message in str(error.value)


def test_every_problem_in_one_message(compose_train):
    cfg = compose_train("optimizer.lr=-1", "model.net.dropout=2", "trainer.max_epochs=abc")
    with pytest.raises(ConfigError) as error:
        check_config(cfg)
    text = str(error.value)
    assert text.count("\n  - ") == 3 and "optimizer.lr" in text and "dropout" in text


def test_the_default_config_passes(compose_train):
    cfg = compose_train()
    check_config(cfg)  # raises on any problem
    check_arguments(cfg)
    # and it passes with its values read: the rules' keys are there (a rule whose key the
    # config no longer has would let every value through unchecked); null is a value
    # (data.num_workers: chosen from the cores)
    absent = object()
    read = {key for key in RULES if OmegaConf.select(cfg, key, default=absent) is not absent}
    assert read >= {
        "seed", "trainer.max_epochs", "trainer.log_every_n_steps", "optimizer.lr",
        "optimizer.weight_decay", "model.net.dropout", "model.label_smoothing",
        "data.batch_size", "data.val_fraction", "data.test_fraction", "data.train_fraction",
        "data.num_workers", "callbacks.early_stopping.patience",
    }  # fmt: skip


def test_an_added_key_is_checked_through_the_parents_that_take_kwargs(compose_train):
    """The data modules pass their shared settings on to BaseDataModule as **kwargs."""
    with pytest.raises(ConfigError, match=r"did you mean data\.batch_size\?"):
        check_arguments(compose_train("data=wine", "+data.batch_sizee=3"))
    check_arguments(compose_train("data=wine", "data.batch_size=3"))


def test_an_added_key_the_class_does_not_take_suggests_the_right_one(compose_train):
    cfg = compose_train("+trainer.max_epoch=3", "debug=fdr")
    with pytest.raises(ConfigError, match=r"did you mean trainer.max_epochs\?"):
        train(cfg)
    assert read_summary(Path(cfg.paths.output_dir))["status"] == "failed"


def _entry_point(*overrides: str) -> subprocess.CompletedProcess:
    """The real entry point, with Python listing each module it imports (-X importtime)."""
    command = [sys.executable, "-X", "importtime", "-m", "dlkit.cli.train", *overrides]
    return subprocess.run(
        command, cwd=ROOT, env=clean_environment(), capture_output=True, text=True
    )


def _imported_torch(result: subprocess.CompletedProcess) -> bool:
    return any(line.rsplit("|", 1)[-1].strip() == "torch" for line in result.stderr.splitlines())


def test_bad_value_stops_before_torch_is_imported(tmp_path):
    result = _entry_point("optimizer.lr=-1", f"hydra.run.dir={tmp_path}")
    assert result.returncode == 2 and not _imported_torch(result)
    assert "optimizer.lr must be greater than 0" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert read_summary(tmp_path)["status"] == "failed"
    assert not (tmp_path / "checkpoints").exists()


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("trainer.max_epoch=3", "did you mean trainer.max_epochs?"),  # misspelled key
        ("model=cnnn", "Could not find 'model/cnnn'"),  # unknown option
    ],
)
def test_hydra_stops_misspelled_keys_and_unknown_options(tmp_path, override, message):
    result = _entry_point(override, f"hydra.run.dir={tmp_path}")
    assert result.returncode == 2 and message in result.stderr
    assert not _imported_torch(result)


def test_an_incompatible_data_and_model_pair_is_one_message_without_traceback(tmp_path):
    result = _entry_point("data=iris", "model=gru", f"hydra.run.dir={tmp_path}")
    output = result.stdout + result.stderr
    assert result.returncode == 2, output[-2000:]
    assert "takes sequence data, but data=iris is table data" in output
    assert "Models that fit table data: mlp" in output
    assert "Traceback" not in output
    assert read_summary(tmp_path)["status"] == "failed"


@pytest.mark.parametrize(
    ("override", "build"),
    [
        ("model.net.dropout=1.0", lambda: MLP((4,), 3, dropout=1.0)),
        ("data.batch_size=0", lambda: DigitsDataModule(batch_size=0)),
        ("model.label_smoothing=1.0", lambda: ClassificationModule(**SMOOTH)),
    ],
)
def test_a_library_call_is_checked_by_the_same_rule(compose_train, override, build):
    """The constructors call the rule the config check uses: the same words for the same value."""
    with pytest.raises(ConfigError) as from_config:
        check_config(compose_train(override))
    with pytest.raises(ConfigError) as from_library:
        build()
    assert str(from_library.value) in str(from_config.value)
