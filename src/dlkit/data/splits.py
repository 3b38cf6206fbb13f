"""Seeded train/val/test splits and cross-validation folds, by scikit-learn.

The test split is drawn once from the whole data set (or is the one the data set ships with) and
never changes with the fold: folds only re-divide the train+val part. Classification splits are
stratified, so every part keeps the class proportions. `train_fraction` keeps a seeded, stratified
share of the training part (how a model fares with less data); validation and test stay as they are.
`sample_rows` draws such a seeded, stratified sample of any rows (a streamed run's baseline is
fitted on one).
"""

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

from dlkit.config.checks import fold_problem
from dlkit.config.values import PART, SHARE, require
from dlkit.errors import ConfigError, DataError


def check_split_settings(
    val_fraction: float,
    test_fraction: float,
    num_folds: int,
    fold: int,
    has_test: bool,
    train_fraction: float = 1.0,
) -> None:
    """Stop before any work on settings that cannot give a split."""
    require("train_fraction", train_fraction, PART)
    if problem := fold_problem(num_folds, fold, "num_folds", "fold"):
        raise ConfigError(problem)
    if num_folds == 1:
        require("val_fraction", val_fraction, SHARE)
    if not has_test:
        require("test_fraction", test_fraction, SHARE)
        if num_folds == 1 and val_fraction + test_fraction >= 1:
            raise ConfigError(
                f"val_fraction + test_fraction = {val_fraction + test_fraction:g} leaves no "
                "training data: make their sum less than 1"
            )


def split_indices(
    labels: np.ndarray,
    *,
    val_fraction: float,
    test_fraction: float,
    seed: int,
    stratify: bool,
    num_folds: int = 1,
    fold: int = 0,
    has_test: bool = False,
    train_fraction: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Indices of the train, val and test parts (test is None when the data set ships its own).

    Fractions are of the whole data set; when the test split is shipped, `val_fraction` is the
    share of the shipped training data held out for validation. `train_fraction` is the share of
    the training part that is kept (after the split, so val and test do not change with it).
    """
    check_split_settings(val_fraction, test_fraction, num_folds, fold, has_test, train_fraction)
    try:
        train, val, test = _split(
            labels, val_fraction, test_fraction, seed, stratify, num_folds, fold, has_test
        )
        return _subsample(train, labels, train_fraction, seed, stratify), val, test
    except ValueError as error:  # scikit-learn's: a class too small, or a part too small
        message = str(error)
        if not stratify or not any(s in message for s in _TOO_FEW_TO_STRATIFY):
            raise
        counts = np.bincount(labels)
        raise DataError(
            f"a stratified split needs at least one sample of every class in each part, but "
            f"{len(labels)} samples of {int((counts > 0).sum())} classes (the smallest has "
            f"{int(counts[counts > 0].min())}) are too few for these shares: add samples, "
            f"merge or drop rare classes, raise data.val_fraction / data.test_fraction, or use "
            f"fewer folds ({error})"
        ) from error


# the phrases of scikit-learn's errors when a stratified split cannot be made
_TOO_FEW_TO_STRATIFY = ("least populated", "n_splits", "greater or equal to the number of classes")


def _subsample(
    train: np.ndarray, labels: np.ndarray, fraction: float, seed: int, stratify: bool
) -> np.ndarray:
    """A seeded share of the training indices, stratified for classification."""
    keep = max(round(fraction * len(train)), 1)
    if keep >= len(train):
        return train
    classes = len(np.unique(labels[train])) if stratify else 1
    if keep < classes:
        raise DataError(
            f"data.train_fraction={fraction:g} keeps {keep} of {len(train)} training samples, "
            f"fewer than the {classes} classes: a stratified share needs at least one sample "
            f"of each, so raise data.train_fraction to at least {classes / len(train):.2g}"
        )
    return sample_rows(train, labels[train], keep, seed, stratify, "data.train_fraction")


def sample_rows(
    rows: np.ndarray, labels: np.ndarray, keep: int, seed: int, stratify: bool, setting: str
) -> np.ndarray:
    """A seeded choice of `keep` of `rows` (all of them when there are no more), stratified by
    their `labels` for classification; sorted. `setting` names what set `keep`."""
    if keep >= len(rows):
        return rows
    classes = len(np.unique(labels)) if stratify else 1
    if keep < classes:
        raise DataError(
            f"{setting} keeps {keep} of {len(rows)} samples, fewer than the {classes} classes: "
            f"a stratified sample needs at least one of each, so raise {setting} to at least "
            f"{classes}"
        )
    kept, _ = train_test_split(
        rows, train_size=keep, random_state=seed, stratify=labels if stratify else None
    )
    return np.sort(kept)


def _split(labels, val_fraction, test_fraction, seed, stratify, num_folds, fold, has_test):
    everything = np.arange(len(labels))
    if has_test:
        train_val, test = everything, None
    else:
        train_val, test = train_test_split(
            everything,
            test_size=test_fraction,
            random_state=seed,
            stratify=labels if stratify else None,
        )
    if num_folds > 1:
        folds = (StratifiedKFold if stratify else KFold)(num_folds, shuffle=True, random_state=seed)
        train_pos, val_pos = list(folds.split(train_val, labels[train_val]))[fold]
        return np.sort(train_val[train_pos]), np.sort(train_val[val_pos]), test
    val_share = val_fraction if has_test else val_fraction / (1 - test_fraction)
    train, val = train_test_split(
        train_val,
        test_size=val_share,
        random_state=seed,
        stratify=labels[train_val] if stratify else None,
    )
    return np.sort(train), np.sort(val), None if test is None else np.sort(test)
