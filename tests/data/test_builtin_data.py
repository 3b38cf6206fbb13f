"""The offline data sets: MNIST-1D sequences and scikit-learn's tables, trained through `train`."""

from pathlib import Path

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from dlkit.data.sequences import MNIST1DDataModule
from dlkit.data.tables import SklearnTableDataModule
from dlkit.training.run import train
from tests.helpers import read_summary


def test_mnist1d_keeps_its_own_split_and_is_cached(tmp_path):
    datamodule = MNIST1DDataModule(data_dir=str(tmp_path), val_fraction=0.2)
    datamodule.prepare_data()
    cache = tmp_path / "mnist1d" / "mnist1d.npz"
    written = cache.stat().st_mtime_ns
    datamodule.setup("fit")
    train_x, train_y = datamodule.datasets["train"].tensors
    assert train_x.shape == (3200, 40, 1) and train_x.dtype == torch.float32
    assert len(datamodule.datasets["val"]) == 800 and len(datamodule.datasets["test"]) == 1000
    assert datamodule.input_shape == (40, 1) and datamodule.num_outputs == 10
    assert set(train_y.unique().tolist()) == set(range(10))

    again = MNIST1DDataModule(data_dir=str(tmp_path))
    again.prepare_data()
    again.setup("fit")
    assert cache.stat().st_mtime_ns == written  # read from the cache, not generated again
    assert torch.equal(again.datasets["test"].tensors[0], datamodule.datasets["test"].tensors[0])


def test_mnist1d_runs_through_a_1d_cnn(compose_train):
    cfg = compose_train("data=mnist1d", "model=cnn", "debug=fdr")
    train(cfg)
    summary = read_summary(cfg)
    assert summary["status"] == "completed"
    # MNIST-1D as generated: its own 1,000 test signals, 4,000 for training and validation
    samples = summary["samples"]
    assert samples["test"] == 1000 and samples["train"] + samples["val"] == 4000
    assert 0 <= summary["test"]["acc"] <= 1 and summary["test"]["loss"] > 0
    saved = OmegaConf.load(Path(cfg.paths.output_dir) / "config.yaml")
    assert saved.model.net._target_ == "dlkit.models.nets.cnn.CNN"


@pytest.mark.slow
def test_mnist1d_trains_a_1d_cnn(compose_train):
    cfg = compose_train("data=mnist1d", "model=cnn", "trainer.max_epochs=3")
    train(cfg)
    summary = read_summary(cfg)
    assert summary["status"] == "completed"
    assert summary["test"]["acc"] > 0.3  # ten classes: chance is 0.1


@pytest.mark.parametrize(
    ("name", "num_features", "num_classes"),
    [("iris", 4, 3), ("wine", 13, 3), ("breast_cancer", 30, 2)],
)
def test_sklearn_tables_size_the_model(name, num_features, num_classes):
    datamodule = SklearnTableDataModule(name)
    datamodule.setup("fit")
    assert datamodule.task == "classification"
    assert datamodule.input_shape == (num_features,) and datamodule.num_outputs == num_classes
    assert len(datamodule.feature_names) == num_features


def test_checkpoints_hold_the_fitted_preprocessing(compose_train):
    cfg = compose_train("data=wine", "model=mlp", "trainer.max_epochs=1")
    train(cfg)
    summary = read_summary(cfg)
    assert summary["status"] == "completed" and summary["task"] == "classification"
    # Lightning stores the data module's state in every checkpoint, in plain types
    state = torch.load(summary["best_checkpoint"], weights_only=True)["SklearnTableDataModule"]
    assert state["class_names"] == ["class_0", "class_1", "class_2"]
    assert len(state["mean"][0]) == 13 and state["feature_names"][0] == "alcohol"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "min_acc"),
    [("iris", 0.6), ("wine", 0.8), ("breast_cancer", 0.85)],  # iris: 23 test flowers
)
def test_sklearn_classification_tables_train_an_mlp(compose_train, name, min_acc):
    cfg = compose_train(f"data={name}", "model=mlp", "trainer.max_epochs=15")
    train(cfg)
    assert read_summary(cfg)["test"]["acc"] > min_acc


def test_diabetes_is_regression(compose_train):
    cfg = compose_train("data=diabetes", "model=mlp", "trainer.max_epochs=6")
    train(cfg)
    summary = read_summary(cfg)
    assert summary["task"] == "regression"
    assert summary["optimized_metric"]["name"] == "val/r2"
    assert summary["test"]["r2"] > 0.2  # a constant guess scores 0


def test_standardization_uses_training_rows_only():
    datamodule = SklearnTableDataModule("wine", seed=1)
    datamodule.setup("fit")
    train_x = datamodule.datasets["train"].tensors[0].double()
    assert torch.allclose(datamodule.mean.double(), train_x.mean(0, keepdim=True), atol=1e-4)
    everything = torch.cat([d.tensors[0] for d in datamodule.datasets.values()]).double()
    assert not torch.allclose(datamodule.mean.double(), everything.mean(0, keepdim=True), atol=1e-4)
    standardized = datamodule.transform_batch(datamodule.datasets["train"].tensors[0])
    assert torch.allclose(standardized.mean(0), torch.zeros(13), atol=1e-4)


def test_unknown_sklearn_table_names_the_choices():
    with pytest.raises(ValueError, match=r"unknown scikit-learn table 'iriss'.*breast_cancer"):
        SklearnTableDataModule("iriss").setup("fit")


def test_small_classes_cannot_be_stratified():
    datamodule = SklearnTableDataModule("iris", num_folds=60)
    with pytest.raises(
        ValueError, match="stratified split needs at least one sample of every class in each part"
    ):
        datamodule.setup("fit")


@pytest.fixture
def np_inputs(tmp_path):
    def _write(x: np.ndarray) -> Path:
        path = tmp_path / "inputs.npz"
        np.savez(path, x=x)
        return path

    return _write


def test_state_dict_is_plain_and_load_inputs_matches_training(tmp_path, np_inputs):
    trained = MNIST1DDataModule(data_dir=str(tmp_path))
    trained.setup("fit")
    state = trained.state_dict()
    torch.save(state, tmp_path / "state.pt")
    restored_state = torch.load(tmp_path / "state.pt", weights_only=True)
    assert restored_state["class_names"] == [str(c) for c in range(10)]
    assert restored_state["input_shape"] == [40, 1]

    fresh = MNIST1DDataModule(data_dir=str(tmp_path / "elsewhere"))  # never set up
    fresh.load_state_dict(restored_state)
    test_x = trained.datasets["test"].tensors[0]
    inputs = fresh.load_inputs(np_inputs(test_x[:5, :, 0].numpy()))  # [N, T] also accepted
    assert torch.allclose(inputs, trained.transform_batch(test_x[:5]))

    with pytest.raises(ValueError, match=r"shape \(30, 1\) per sample.*trained on \(40, 1\)"):
        fresh.load_inputs(np_inputs(np.zeros((2, 30))))
    with pytest.raises(ValueError, match="no fitted preprocessing"):
        MNIST1DDataModule().load_inputs(np_inputs(np.zeros((2, 40))))


def test_table_inputs_from_csv_by_feature_name(tmp_path):
    trained = SklearnTableDataModule("iris")
    trained.setup("fit")
    fresh = SklearnTableDataModule("iris")
    fresh.load_state_dict(trained.state_dict())
    x = trained.datasets["test"].tensors[0][:3]
    names = trained.feature_names
    header = ",".join(["id", *reversed(names)])
    rows = [",".join(["7", *(str(v) for v in reversed(row.tolist()))]) for row in x]
    (tmp_path / "new.csv").write_text("\n".join([header, *rows]) + "\n")
    assert torch.allclose(fresh.load_inputs(tmp_path / "new.csv"), trained.transform_batch(x))

    (tmp_path / "short.csv").write_text("sepal length (cm)\n1.0\n")
    with pytest.raises(ValueError, match="lacks the feature column"):
        fresh.load_inputs(tmp_path / "short.csv")
