"""Calibration (ECE, reliability diagram) and the most confident mistakes, on predictors whose
answer is known by construction."""

import numpy as np
import pytest

from dlkit_audit.reports.calibration import calibration_report
from dlkit_audit.reports.mistakes import confident_mistakes, largest_errors


def _binary_predictor(confidence: np.ndarray, right: np.ndarray, targets: np.ndarray):
    """Probabilities [N, 2] that give the predicted class `confidence`; right where `right`."""
    predicted = np.where(right, targets, 1 - targets)
    probabilities = np.empty((len(targets), 2))
    probabilities[np.arange(len(targets)), predicted] = confidence
    probabilities[np.arange(len(targets)), 1 - predicted] = 1 - confidence
    return probabilities


def test_ece_of_a_calibrated_predictor_is_near_zero_and_of_an_overconfident_one_large(tmp_path):
    rng = np.random.default_rng(0)
    n = 20_000
    targets = rng.integers(0, 2, n)
    confidence = rng.uniform(0.5, 1.0, n)
    calibrated = _binary_predictor(
        confidence, rng.random(n) < confidence, targets
    )  # says p, right p
    report = calibration_report(calibrated, targets, tmp_path / "calibrated.png")
    assert report["ece"] < 0.02
    for b in report["bins"]:
        assert b["accuracy"] == pytest.approx(b["confidence"], abs=0.05)
    assert sum(b["count"] for b in report["bins"]) == n

    says_99 = np.full(n, 0.99)
    overconfident = _binary_predictor(says_99, rng.random(n) < 0.6, targets)  # right 60 %
    report = calibration_report(overconfident, targets, tmp_path / "overconfident.png")
    assert report["ece"] == pytest.approx(0.39, abs=0.02)
    assert [b["count"] for b in report["bins"]] == [n]  # all in the top bin
    assert (tmp_path / "calibrated.png").stat().st_size > 0
    assert (tmp_path / "overconfident.png").stat().st_size > 0


def test_the_most_confident_mistakes_are_the_wrong_ones_sorted_by_confidence():
    probabilities = np.array(
        [
            [0.9, 0.05, 0.05],  # right
            [0.2, 0.7, 0.1],  # wrong, 0.7
            [0.05, 0.05, 0.9],  # wrong, 0.9
            [0.3, 0.6, 0.1],  # right
            [0.4, 0.35, 0.25],  # wrong, 0.4
        ]
    )
    targets = np.array([0, 2, 1, 1, 2])
    rows = np.array([10, 11, 12, 13, 14])  # the test rows the predictions belong to
    table = confident_mistakes(probabilities, targets, ["a", "b", "c"], rows)
    assert table["test_row"].tolist() == [12, 11, 14]
    assert table["true"].tolist() == ["b", "c", "c"]
    assert table["predicted"].tolist() == ["c", "b", "a"]
    assert table["confidence"].tolist() == pytest.approx([0.9, 0.7, 0.4])
    assert table["probability_of_true"].tolist() == pytest.approx([0.05, 0.1, 0.25])


def test_largest_errors_come_first():
    table = largest_errors(np.array([1.0, 5.0, 2.0]), np.array([1.5, 1.0, 4.0]), np.arange(3))
    assert table["test_row"].tolist() == [1, 2, 0]
    assert table["error"].tolist() == pytest.approx([4.0, -2.0, -0.5])
