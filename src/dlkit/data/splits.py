"""Seeded train/val/test splits and cross-validation folds, by scikit-learn.

The test split is drawn once from the whole data set (or is the one the data set ships with) and
never changes with the fold: folds only re-divide the train+val part.
"""

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split


def check_split_settings(
    val_fraction: float, test_fraction: float, num_folds: int, fold: int, has_test: bool
) -> None:
    """Stop before any work on settings that cannot give a split."""
    if num_folds < 1:
        raise ValueError(f"num_folds must be 1 (a plain split) or more, got {num_folds}")
    if not 0 <= fold < num_folds:
        raise ValueError(
            f"fold {fold} is out of range for {num_folds} fold(s): choose 0..{num_folds - 1}"
        )
    if num_folds == 1 and not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must lie in (0, 1), got {val_fraction}")
    if not has_test:
        if not 0 < test_fraction < 1:
            raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
        if num_folds == 1 and val_fraction + test_fraction >= 1:
            raise ValueError(
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
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Indices of the train, val and test parts (test is None when the data set ships its own).

    Fractions are of the whole data set; when the test split is shipped, `val_fraction` is the
    share of the shipped training data held out for validation.
    """
    check_split_settings(val_fraction, test_fraction, num_folds, fold, has_test)
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
