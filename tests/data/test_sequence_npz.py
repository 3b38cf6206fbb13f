"""Your own sequences from a .npz file."""

from pathlib import Path

import numpy as np
import pytest
import torch

from dlkit.data.sequences import SequenceNpzDataModule
from dlkit.training.run import train
from tests.helpers import read_summary


def _sequences(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 rises, class 0 falls: learnable from [T, F] = [30, 2] signals."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    ramp = np.linspace(-1, 1, 30)[None, :, None] * np.where(y == 1, 1, -1)[:, None, None]
    x = ramp + rng.normal(scale=0.3, size=(n, 30, 2))
    return x.astype(np.float32), y


def _train_npz(compose_train, tmp_path: Path, *overrides: str) -> tuple[Path, dict]:
    x, y = _sequences(200, 0)
    path = tmp_path / "signals.npz"
    np.savez(path, x=x, y=y, class_names=np.array(["falls", "rises"]))
    cfg = compose_train(
        "data=sequence_npz",
        f"data.path={path}",
        "augmentation=sequence",
        "model=cnn",
        "data.batch_size=16",
        *overrides,
    )
    train(cfg)
    run_dir = Path(cfg.paths.output_dir)
    return run_dir, read_summary(run_dir)


def test_npz_sequences_run_with_augmentation(compose_train, tmp_path):
    run_dir, summary = _train_npz(compose_train, tmp_path, "trainer.max_epochs=1")
    assert summary["status"] == "completed"
    assert (run_dir / "augmentation_preview.png").is_file()
    state = torch.load(summary["best_checkpoint"], weights_only=True)["SequenceNpzDataModule"]
    assert state["class_names"] == ["falls", "rises"] and state["input_shape"] == [30, 2]


@pytest.mark.slow
def test_npz_sequences_learn_with_augmentation(compose_train, tmp_path):
    _, summary = _train_npz(compose_train, tmp_path, "trainer.max_epochs=3")
    assert summary["test"]["acc"] > 0.8


def test_npz_with_own_test_split_and_one_feature(tmp_path):
    x, y = _sequences(60, 0)
    x_test, y_test = _sequences(20, 1)
    path = tmp_path / "signals.npz"
    np.savez(path, x=x[:, :, 0], y=y, x_test=x_test[:, :, 0], y_test=y_test)
    datamodule = SequenceNpzDataModule(str(path))
    datamodule.setup("fit")
    assert datamodule.input_shape == (30, 1)
    assert torch.equal(datamodule.datasets["test"].tensors[1], torch.from_numpy(y_test))
    assert datamodule.class_names == ["0", "1"]


def test_npz_regression(tmp_path):
    x, _ = _sequences(50, 0)
    path = tmp_path / "signals.npz"
    np.savez(path, x=x, y=x.mean(axis=(1, 2)))
    datamodule = SequenceNpzDataModule(str(path), task="regression")
    datamodule.setup("fit")
    kwargs = datamodule.model_kwargs()
    assert kwargs["num_targets"] == 1
    train_targets = datamodule.datasets["train"].tensors[1].double()  # the training part's alone
    assert kwargs["target_mean"] == pytest.approx(train_targets.mean().item())


@pytest.mark.parametrize(
    ("arrays", "task", "message"),
    [
        ({"x": np.zeros((10, 5))}, "classification", r"lacks the array\(s\) \['y'\]"),
        ({"x": np.zeros((10, 5, 2, 2)), "y": np.zeros(10, int)}, "classification", "shape"),
        ({"x": np.zeros((10, 5)), "y": np.zeros(9, int)}, "classification", "9 targets"),
        (
            {"x": np.zeros((10, 5)), "y": np.zeros(10, int), "x_test": np.zeros((4, 5))},
            "classification",
            "both `x_test` and `y_test`",
        ),
        ({"x": np.zeros((10, 5)), "y": np.full(10, 0.5)}, "classification", "task=regression"),
        (
            {"x": np.full((10, 5), np.nan), "y": np.arange(10) % 2},
            "classification",
            "NaN or infinite",
        ),
        ({"x": np.zeros((10, 5)), "y": np.full(10, np.inf)}, "regression", "NaN or infinite"),
    ],
)
def test_bad_npz_files(tmp_path, arrays, task, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=message):
        SequenceNpzDataModule(str(path), task=task).setup("fit")


def test_missing_or_unreadable_npz(tmp_path):
    with pytest.raises(ValueError, match=r"sequence file not found: .*Point data.path"):
        SequenceNpzDataModule(str(tmp_path / "none.npz")).setup("fit")
    (tmp_path / "text.npz").write_text("not numpy")
    with pytest.raises(ValueError, match=r"cannot read .*text.npz as a .npz file"):
        SequenceNpzDataModule(str(tmp_path / "text.npz")).setup("fit")
