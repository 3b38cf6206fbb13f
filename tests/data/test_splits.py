"""Train/val/test splits and folds (`dlkit.data.splits`): sizes, stratification, disjoint parts,
folds that cover the train+val part once, and one clear error for settings that give no split."""

from collections import Counter

import numpy as np
import pytest

from dlkit.data.splits import sample_rows, split_indices
from dlkit.errors import ConfigError, DataError

# 80 samples of class 0, 20 of class 1, sorted: a split that ignores the labels shows at once
LABELS = np.array([0] * 80 + [1] * 20)
PLAIN = {"val_fraction": 0.1, "test_fraction": 0.2, "seed": 0, "stratify": True}


def _classes(labels: np.ndarray, indices: np.ndarray) -> dict[int, int]:
    return dict(Counter(labels[indices].tolist()))


def _is_sorted_and_unique(indices: np.ndarray) -> bool:
    return bool(np.all(np.diff(indices) > 0))


def test_a_stratified_split_keeps_the_class_shares_in_every_part():
    train, val, test = split_indices(LABELS, **PLAIN)
    # fractions are of the whole data set: 20 test, 10 val, 70 train
    assert _classes(LABELS, test) == {0: 16, 1: 4}
    assert _classes(LABELS, val) == {0: 8, 1: 2}
    assert _classes(LABELS, train) == {0: 56, 1: 14}
    assert np.array_equal(np.sort(np.concatenate([train, val, test])), np.arange(100))
    assert all(_is_sorted_and_unique(part) for part in (train, val, test))


def test_an_unstratified_split_has_the_same_sizes_and_ignores_the_labels():
    labels = np.arange(100)  # a regression target: every value its own "class"
    train, val, test = split_indices(labels, **{**PLAIN, "stratify": False})
    assert (len(train), len(val), len(test)) == (70, 10, 20)
    assert np.array_equal(np.sort(np.concatenate([train, val, test])), np.arange(100))
    assert all(_is_sorted_and_unique(part) for part in (train, val, test))


def test_the_seed_decides_the_split():
    first, again, other = (split_indices(LABELS, **{**PLAIN, "seed": s}) for s in (3, 3, 4))
    for a, b in zip(first, again, strict=True):
        assert np.array_equal(a, b)
    assert not np.array_equal(first[2], other[2])  # another test split
    assert not np.array_equal(first[1], other[1])  # another val split


def test_a_shipped_test_split_leaves_val_fraction_as_a_share_of_the_training_data():
    train, val, test = split_indices(LABELS, **{**PLAIN, "val_fraction": 0.25}, has_test=True)
    assert test is None
    assert _classes(LABELS, val) == {0: 20, 1: 5}
    assert _classes(LABELS, train) == {0: 60, 1: 15}
    assert np.array_equal(np.sort(np.concatenate([train, val])), np.arange(100))


@pytest.mark.parametrize("has_test", [False, True])
def test_folds_cover_the_train_val_part_once_and_keep_one_test_split(has_test):
    parts = [
        split_indices(LABELS, **PLAIN, num_folds=4, fold=k, has_test=has_test) for k in range(4)
    ]
    test = parts[0][2]
    train_val = np.arange(100) if has_test else np.setdiff1d(np.arange(100), test)
    if has_test:
        assert test is None
    else:
        assert _classes(LABELS, test) == {0: 16, 1: 4}
    vals = [val for _, val, _ in parts]
    assert np.array_equal(np.sort(np.concatenate(vals)), train_val)  # each sample in one val
    for train, val, fold_test in parts:
        assert fold_test is None if has_test else np.array_equal(fold_test, test)
        assert np.array_equal(np.sort(np.concatenate([train, val])), train_val)
        assert _is_sorted_and_unique(train) and _is_sorted_and_unique(val)
    # stratified: each val fold holds a quarter of each class
    per_class = _classes(LABELS, train_val)
    for val in vals:
        assert _classes(LABELS, val) == {c: n // 4 for c, n in per_class.items()}


def test_folds_are_shuffled_by_the_seed():
    def val_of_fold_0(seed):
        _, val, _ = split_indices(
            np.arange(30), **{**PLAIN, "stratify": False, "seed": seed}, num_folds=3, has_test=True
        )
        return val

    assert len(val_of_fold_0(0)) == 10
    assert not np.array_equal(val_of_fold_0(0), np.arange(10))  # not the first third
    assert np.array_equal(val_of_fold_0(0), val_of_fold_0(0))
    assert not np.array_equal(val_of_fold_0(0), val_of_fold_0(1))


def test_unstratified_folds_do_not_need_repeated_labels():
    # every label once (a regression target): stratified folds could not be made
    train, val, _ = split_indices(
        np.arange(12), **{**PLAIN, "stratify": False}, num_folds=3, fold=2, has_test=True
    )
    assert (len(train), len(val)) == (8, 4)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"num_folds": 0}, "num_folds must be 1 (a plain split) or more, got 0"),
        (
            {"num_folds": 3, "fold": 3},
            "fold=3 is out of range for num_folds=3: choose 0..2, or more folds",
        ),
        ({"val_fraction": 0}, "val_fraction must lie in (0, 1), got 0"),
        ({"val_fraction": 1}, "val_fraction must lie in (0, 1), got 1"),
        ({"test_fraction": 0}, "test_fraction must lie in (0, 1), got 0"),
        (
            {"val_fraction": 0.5, "test_fraction": 0.5},
            "val_fraction + test_fraction = 1 leaves no training data: make their sum less than 1",
        ),
    ],
)
def test_settings_that_give_no_split_are_named(settings, message):
    with pytest.raises(ConfigError) as error:
        split_indices(LABELS, **{**PLAIN, **settings})
    assert str(error.value) == message


@pytest.mark.parametrize(
    "settings",
    [
        # with folds the val part is a fold: val_fraction is not used
        {"val_fraction": 0, "num_folds": 2},
        {"val_fraction": 0.9, "test_fraction": 0.2, "num_folds": 2},
        # a shipped test split: test_fraction is not used
        {"test_fraction": 0, "has_test": True},
        {"val_fraction": 0.5, "test_fraction": 0.7, "has_test": True},
    ],
)
def test_settings_that_are_not_used_are_not_checked(settings):
    train, val, _ = split_indices(LABELS, **{**PLAIN, **settings})
    assert len(train) and len(val)


def test_a_class_too_small_to_stratify_says_how_small():
    labels = np.array([0] * 20 + [2])  # class 1 absent, class 2 a single sample
    with pytest.raises(DataError) as error:
        split_indices(labels, **PLAIN)
    text = str(error.value)
    assert text.startswith(
        "a stratified split needs at least one sample of every class in each part, but 21 "
        "samples of 2 classes (the smallest has 1) are too few for these shares: add samples, "
        "merge or drop rare classes, raise data.val_fraction / data.test_fraction, or use fewer "
        "folds ("
    )
    assert "least populated" in text  # scikit-learn's own words, at the end


def test_too_few_samples_for_a_test_part_of_every_class_is_a_data_error():
    labels = np.repeat([0, 1, 2], 5)  # a folder of five photos per class
    with pytest.raises(DataError, match=r"15 samples of 3 classes \(the smallest has 5\)"):
        split_indices(labels, val_fraction=0.1, test_fraction=0.2, seed=0, stratify=True)


def test_more_folds_than_samples_of_each_class_says_use_fewer_folds():
    labels = np.array([0, 1] * 6)
    with pytest.raises(DataError, match=r"the smallest has 6.*n_splits=8"):
        split_indices(labels, **PLAIN, num_folds=8, has_test=True)


def test_other_split_errors_are_left_as_they_are():
    # not stratified: scikit-learn's own message is the clearest one
    with pytest.raises(ValueError, match="n_splits=8") as error:
        split_indices(np.arange(6), **{**PLAIN, "stratify": False}, num_folds=8, has_test=True)
    assert not isinstance(error.value, DataError)
    # stratified, but not a matter of class sizes: too few samples for a test split at all
    with pytest.raises(ValueError, match="the resulting train set will be empty") as error:
        split_indices(np.array([0]), **PLAIN)
    assert not isinstance(error.value, DataError)


def test_a_sample_of_rows_is_seeded_stratified_and_at_least_one_per_class():
    labels = np.array([0] * 60 + [1] * 30)
    rows = np.arange(100, 190)  # any row numbers: the sample is of these
    sample = sample_rows(rows, labels, 30, seed=0, stratify=True, setting="data.baseline_sample")
    assert _is_sorted_and_unique(sample) and set(sample) <= set(rows)
    assert Counter(labels[sample - 100].tolist()) == {0: 20, 1: 10}
    assert np.array_equal(sample, sample_rows(rows, labels, 30, 0, True, "x"))
    assert not np.array_equal(sample, sample_rows(rows, labels, 30, 1, True, "x"))
    assert np.array_equal(sample_rows(rows, labels, 500, 0, True, "x"), rows)  # all of them
    with pytest.raises(DataError, match=r"data\.baseline_sample keeps 1 of 90 .* at least 2"):
        sample_rows(rows, labels, 1, 0, True, "data.baseline_sample")
