"""The fold rules of `dlkit.config.checks`: `data.num_folds`/`data.fold` of a data module and
`cv.folds`/`cv.fold` of a cross-validation run, with the exact message a user reads."""

import pytest
from omegaconf import OmegaConf

from dlkit.config.checks import cv_problems, fold_problem


@pytest.mark.parametrize(
    ("folds", "fold", "problem"),
    [
        (1, None, None),
        (1, 0, None),
        (5, None, None),
        (5, 0, None),
        (5, 4, None),
        (0, None, "k must be 1 (a plain split) or more, got 0"),
        (-2, 0, "k must be 1 (a plain split) or more, got -2"),
        ("3", 0, "k must be 1 (a plain split) or more, got '3'"),
        (True, None, "k must be 1 (a plain split) or more, got True"),
        (5, 5, "i=5 is out of range for k=5: choose 0..4, or more folds"),
        (5, -1, "i=-1 is out of range for k=5: choose 0..4, or more folds"),
        (5, "1", "i='1' is out of range for k=5: choose 0..4, or more folds"),
        (5, True, "i=True is out of range for k=5: choose 0..4, or more folds"),
    ],
)
def test_the_fold_rule(folds, fold, problem):
    assert fold_problem(folds, fold, "k", "i") == problem


RESUME = (
    "ckpt_path resumes one model, but cv.folds=3 trains 3: resume the fold it belongs to "
    "alone, e.g. `make train cv.folds=3 cv.fold=<k> ckpt_path=<run>/fold_<k>/checkpoints/last.ckpt`"
)


@pytest.mark.parametrize(
    ("cv", "ckpt_path", "problems"),
    [
        (None, None, []),
        ({"fold": 3}, None, []),  # not a cross-validation group
        ({"folds": 1, "fold": None}, "last.ckpt", []),
        ({"folds": 3, "fold": 2}, None, []),
        ({"folds": 3, "fold": 2}, "last.ckpt", []),  # one fold resumes
        ({"folds": 3, "fold": None}, None, []),
        ({"folds": 3, "fold": None}, "", []),
        ({"folds": 3, "fold": None}, "last.ckpt", [RESUME]),
        ({"folds": 2, "fold": None}, "last.ckpt", [RESUME.replace("3", "2")]),
        (
            {"folds": 1, "fold": 0},
            None,
            [
                "cv.fold=0 needs folds to choose from: add cv.folds=<k> (k >= 2), "
                "e.g. `make sweep cv.folds=5 cv.fold=0,1,2,3,4`"
            ],
        ),
        (
            {"folds": 3, "fold": 3},
            "last.ckpt",
            ["cv.fold=3 is out of range for cv.folds=3: choose 0..2, or more folds"],
        ),
        ({"folds": 0, "fold": None}, None, ["cv.folds must be 1 (a plain split) or more, got 0"]),
    ],
)
def test_cross_validation_settings(cv, ckpt_path, problems):
    assert cv_problems(cv, ckpt_path) == problems
    if cv is not None:  # the same rules for the composed config
        assert cv_problems(OmegaConf.create(cv), ckpt_path) == problems
