"""`data.train_fraction`: a seeded, stratified share of the training split; val and test unchanged."""

import numpy as np
import pytest

from dlkit.data.splits import split_indices
from dlkit.errors import ConfigError, DataError
from dlkit.training.build import build_datamodule

LABELS = np.repeat(np.arange(4), 50)  # 200 samples, 4 classes of 50


def _split(fraction: float, seed: int = 0, **kwargs):
    return split_indices(
        LABELS, val_fraction=0.2, test_fraction=0.2, seed=seed, stratify=True,
        train_fraction=fraction, **kwargs,
    )  # fmt: skip


def test_a_share_of_the_training_split_keeps_val_and_test():
    full_train, full_val, full_test = _split(1.0)
    train, val, test = _split(0.25)
    assert len(full_train) == 120 and len(train) == 30
    assert set(train) < set(full_train)
    assert np.array_equal(val, full_val) and np.array_equal(test, full_test)
    counts = np.bincount(LABELS[train])
    assert counts.max() - counts.min() <= 1  # stratified: each class keeps its share
    assert np.array_equal(train, _split(0.25)[0])  # seeded
    assert not np.array_equal(train, _split(0.25, seed=1)[0])


def test_a_share_of_a_fold():
    fold_train, fold_val, _ = _split(1.0, num_folds=4, fold=1)
    train, val, _ = _split(0.5, num_folds=4, fold=1)
    assert np.array_equal(val, fold_val) and set(train) < set(fold_train)
    assert len(train) == len(fold_train) // 2


def test_too_small_a_share_says_how_much_is_needed():
    with pytest.raises(
        DataError, match=r"keeps 1 of 120 training samples, fewer than the 4 classes"
    ):
        _split(0.005)
    with pytest.raises(ConfigError, match=r"train_fraction must lie in \(0, 1\]"):
        _split(1.5)


def test_through_the_config(compose_train):
    cfg = compose_train("data.train_fraction=0.5")
    datamodule = build_datamodule(cfg)
    full = build_datamodule(compose_train())
    assert len(datamodule.datasets["train"]) == round(0.5 * len(full.datasets["train"]))
    assert len(datamodule.datasets["val"]) == len(full.datasets["val"])
    assert len(datamodule.datasets["test"]) == len(full.datasets["test"])
