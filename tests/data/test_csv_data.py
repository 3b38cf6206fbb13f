"""Your own table from a CSV file: encoding fitted on training rows, every bad input stopped."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from dlkit.data.csv_table import CSVDataModule
from dlkit.data.splits import split_indices
from dlkit.training.run import train
from tests.helpers import read_summary


def _table(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """A learnable table: the label follows a number and a colour; one id, some gaps."""
    rng = np.random.default_rng(seed)
    size = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)
    label = np.where(size + (colour == "red") * 1.5 > 0.5, "big", "small")
    frame = pd.DataFrame(
        {"id": np.arange(n), "size": size, "colour": colour, "noise": rng.normal(size=n)}
    )
    frame.loc[::17, "size"] = np.nan  # gaps: filled with the training median
    frame.loc[::23, "colour"] = None  # a missing category is a category of its own
    frame["label"] = label
    frame["price"] = 3 * size + rng.normal(scale=0.1, size=n)
    frame.loc[frame["price"].isna(), "price"] = 0.0
    return frame


@pytest.fixture
def csv_file(tmp_path) -> Path:
    path = tmp_path / "table.csv"
    _table().to_csv(path, index=False)
    return path


def _module(path: Path, **kwargs) -> CSVDataModule:
    kwargs.setdefault("target", "label")
    kwargs.setdefault("drop", ["id", "price"])
    return CSVDataModule(str(path), **kwargs)


def test_csv_trains_through_train(compose_train, csv_file):
    cfg = compose_train(
        "data=csv",
        f"data.path={csv_file}",
        "data.target=label",
        "data.drop=[id,price]",
        "model=mlp",
        "trainer.max_epochs=10",
    )
    train(cfg)
    summary = read_summary(cfg)
    assert summary["test"]["acc"] > 0.8  # two classes: chance is about 0.5
    state = torch.load(summary["best_checkpoint"], weights_only=True)["CSVDataModule"]
    assert state["class_names"] == ["big", "small"]
    assert [c["name"] for c in state["encoder"]] == ["size", "colour", "noise"]


def test_encoding_is_fitted_on_training_rows(csv_file):
    datamodule = _module(csv_file)
    datamodule.setup("fit")
    assert datamodule.feature_names == [
        "size",
        "colour=<missing>",
        "colour=blue",
        "colour=green",
        "colour=red",
        "noise",
    ]
    assert datamodule.input_shape == (6,)
    # gaps are filled with the median of the training rows, not of the whole file
    frame = pd.read_csv(csv_file)
    labels = pd.Categorical(frame["label"]).codes
    train_rows, _, _ = split_indices(
        labels, val_fraction=0.15, test_fraction=0.15, seed=42, stratify=True
    )
    fill = datamodule.encoder.columns[0]["fill"]
    assert fill == pytest.approx(frame["size"].iloc[train_rows].median())
    assert fill != pytest.approx(frame["size"].median())
    train_x = datamodule.datasets["train"].tensors[0]
    assert torch.equal(train_x[:, 5], torch.tensor(frame["noise"].iloc[train_rows].values).float())
    assert torch.all(train_x[:, 1:5].sum(1) == 1)  # exactly one colour per row


def test_regression_target(csv_file):
    datamodule = _module(csv_file, target="price", task="regression", drop=["id", "label"])
    datamodule.setup("fit")
    assert datamodule.task == "regression" and datamodule.num_outputs == 1
    assert datamodule.datasets["train"].tensors[1].dtype == torch.float32


def test_new_rows_use_the_training_encoding(tmp_path, csv_file):
    trained = _module(csv_file)
    trained.setup("fit")
    state = trained.state_dict()
    torch.save(state, tmp_path / "state.pt")
    fresh = _module(csv_file)
    fresh.load_state_dict(torch.load(tmp_path / "state.pt", weights_only=True))

    new = pd.DataFrame(
        {"size": [0.5, None], "colour": ["purple", "red"], "noise": [0.0, 1.0], "id": [1, 2]}
    )
    new.to_csv(tmp_path / "new.csv", index=False)  # no target column: it is what we predict
    inputs = fresh.load_inputs(tmp_path / "new.csv")
    raw = trained.encoder.transform(new)
    assert torch.allclose(inputs, trained.transform_batch(raw))
    assert raw[0, 1:5].sum() == 0  # a colour never seen in training: all zeros
    assert raw[1, 0] == pytest.approx(trained.encoder.columns[0]["fill"])

    new.drop(columns=["noise"]).to_csv(tmp_path / "short.csv", index=False)
    with pytest.raises(ValueError, match=r"lacks the feature column\(s\) \['noise'\]"):
        fresh.load_inputs(tmp_path / "short.csv")


def _write(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (None, {"target": "lable"}, r"target column 'lable' is not in .*Set data.target"),
        (None, {"drop": ["idd"]}, r"name column\(s\) \['idd'\] that .* lacks"),
        (
            lambda f: f.assign(label=f["label"].where(f.index % 50 != 0)),
            {},
            r"target column 'label' .* is empty in 6 row\(s\) \(lines \[2, 52",
        ),
        (None, {"target": "price", "drop": ["id", "label"]}, r"fractional .*set task=regression"),
        (None, {"task": "regression"}, r"regression needs numbers .*set task=classification"),
        (
            lambda f: f.assign(name=[f"customer {i}" for i in range(len(f))]),
            {},
            r"'name' has 210 distinct values .*data.drop=\[name\]",
        ),
        (lambda f: f.assign(size=np.nan), {}, r"column 'size' has no values.*data.drop=\[size\]"),
        (lambda f: f.assign(label="big"), {}, r"at least 2 classes"),
        (lambda f: f.iloc[:0], {}, r"has a header but no rows"),
    ],
)
def test_bad_tables_stop_with_the_fix(tmp_path, change, kwargs, message):
    frame = _table()
    path = _write(tmp_path, change(frame) if change else frame)
    with pytest.raises(ValueError, match=message):
        _module(path, **kwargs).setup("fit")


def test_missing_or_unreadable_file(tmp_path):
    with pytest.raises(ValueError, match=r"CSV file not found: .*nowhere.csv. Point data.path"):
        _module(tmp_path / "nowhere.csv").setup("fit")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ValueError, match=r"cannot read .*empty.csv as CSV"):
        _module(tmp_path / "empty.csv").setup("fit")


def test_csv_without_a_path_says_which_setting_is_missing(compose_train):
    cfg = compose_train("data=csv", "model=mlp")
    with pytest.raises(Exception, match=r"Missing mandatory value: data\.path"):
        train(cfg)
