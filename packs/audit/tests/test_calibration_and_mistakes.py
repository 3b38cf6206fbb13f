"""Calibration (ECE, reliability diagram) and the most confident mistakes, on predictors whose
answer is known by construction."""

import matplotlib.image
import numpy as np
import pytest

from dlkit_audit.reports import calibration
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


def test_each_bin_counts_its_samples_between_its_edges(tmp_path):
    """Bins of width 1 / n_bins from 0 to 1; a sample falls in the bin whose edges hold its
    confidence; bins with no sample are left out of the list."""
    rng = np.random.default_rng(1)
    n = 2_000
    targets = rng.integers(0, 2, n)
    confidence = rng.uniform(0.5, 1.0, n)
    report = calibration_report(
        _binary_predictor(confidence, rng.random(n) < 0.7, targets),
        targets,
        tmp_path / "r.png",
        n_bins=5,
    )
    assert report["n_bins"] == 5
    edges = [edge for b in report["bins"] for edge in (b["low"], b["high"])]
    # [0, 0.2) and [0.2, 0.4) hold no confidence above 0.5: not listed
    assert edges == pytest.approx([0.4, 0.6, 0.6, 0.8, 0.8, 1.0], abs=1e-9)
    for b in report["bins"]:
        inside = (confidence >= b["low"]) & (confidence < b["high"])
        assert b["count"] == inside.sum()
        assert b["confidence"] == pytest.approx(confidence[inside].mean())


def test_mce_is_the_largest_gap_of_a_bin_and_ece_their_weighted_mean(tmp_path):
    """Three classes: 300 samples said at 0.65 and right 65% of the time (no gap), 100 said at
    0.95 and right 55% of the time (a gap of 0.4)."""
    right = np.r_[np.arange(300) < 195, np.arange(100) < 55]
    says = np.r_[np.full(300, 0.65), np.full(100, 0.95)]
    targets = np.zeros(400, dtype=int)
    probabilities = np.empty((400, 3))
    predicted = np.where(right, 0, 1)
    probabilities[np.arange(400), predicted] = says
    probabilities[np.arange(400), 2] = (1 - says) / 2
    probabilities[np.arange(400), 1 - predicted] = (1 - says) / 2
    report = calibration_report(probabilities, targets, tmp_path / "r.png")
    assert report["mce"] == pytest.approx(0.4, abs=1e-5)  # torchmetrics computes in float32
    assert report["ece"] == pytest.approx(0.4 * 100 / 400, abs=1e-5)
    bins = [value for b in report["bins"] for value in (b["confidence"], b["accuracy"], b["count"])]
    assert bins == pytest.approx([0.65, 0.65, 300, 0.95, 0.55, 100])


def test_ece_is_measured_over_the_diagrams_bins(tmp_path):
    """Said at 0.6 and always right, said at 0.9 and right half the time: in bins of a tenth each
    group is 0.4 off, in two halves the gaps cancel in one bin."""
    right = np.r_[np.ones(100, bool), np.arange(100) < 50]
    targets = np.zeros(200, dtype=int)
    probabilities = _binary_predictor(np.r_[np.full(100, 0.6), np.full(100, 0.9)], right, targets)
    tenths = calibration_report(probabilities, targets, tmp_path / "tenths.png")
    halves = calibration_report(probabilities, targets, tmp_path / "halves.png", n_bins=2)
    assert tenths["ece"] == pytest.approx(0.4, abs=1e-5)
    assert halves["ece"] == pytest.approx(0.0, abs=1e-5)
    assert len(halves["bins"]) == 1 and halves["bins"][0]["confidence"] == pytest.approx(0.75)


@pytest.fixture
def drawn(monkeypatch) -> dict:
    """The reliability figure `calibration_report` draws (and saves), kept for a look."""
    figures = {}
    real = calibration.reliability_figure
    monkeypatch.setattr(
        calibration, "reliability_figure", lambda *a: figures.setdefault("fig", real(*a))
    )
    return figures


def test_the_reliability_diagram_shows_each_bin_against_the_diagonal(tmp_path, drawn):
    """Per bin, a bar at its accuracy and a hatched, unfilled bar from there up to its mean
    confidence (below the diagonal: over-confident); the confidences' histogram under it, on
    the same confidence axis; the ECE in the title."""
    rng = np.random.default_rng(2)
    n = 1_000
    targets = rng.integers(0, 2, n)
    confidence = rng.uniform(0.5, 0.7, n)  # no sample above 0.7: the top bins stay empty
    report = calibration_report(
        _binary_predictor(confidence, rng.random(n) < 0.5, targets), targets, tmp_path / "r.png"
    )
    image = matplotlib.image.imread(tmp_path / "r.png")
    assert image.shape[0] > image.shape[1] > 300  # saved: taller than wide
    top, bottom = drawn["fig"].axes
    bins = report["bins"]
    bars, gaps = top.patches[: len(bins)], top.patches[len(bins) :]
    assert len(gaps) == len(bins) == 2
    for bar, gap, b in zip(bars, gaps, bins, strict=True):
        assert (bar.get_x(), bar.get_width()) == pytest.approx((b["low"], 0.1))
        assert (bar.get_y(), bar.get_height()) == pytest.approx((0, b["accuracy"]))
        assert (gap.get_x(), gap.get_width()) == pytest.approx((b["low"], 0.1))
        assert gap.get_y() == pytest.approx(b["accuracy"])
        assert gap.get_height() == pytest.approx(b["confidence"] - b["accuracy"])
        assert gap.get_hatch() and gap.get_facecolor()[3] == 0  # unfilled: the bar shows
    (diagonal,) = top.get_lines()
    assert list(diagonal.get_xdata()) == list(diagonal.get_ydata()) == [0, 1]
    assert diagonal.get_linestyle() == ":"
    assert top.get_xlim() == top.get_ylim() == (0, 1)
    assert top.get_ylabel() == "accuracy"
    assert top.get_title() == f"test split: reliability diagram (ECE {report['ece']:.3f})"
    legend = top.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        "perfectly calibrated",
        "accuracy in the bin",
        "gap to the bin's mean confidence",
    ]
    assert legend.get_title().get_text() == "below the diagonal: over-confident"
    assert legend._loc == 2  # upper left, clear of the bars, which rise to the right
    # the histogram: every bin, the empty ones too, on the same confidence axis
    histogram = bottom.patches
    assert [p.get_x() for p in histogram] == pytest.approx(np.linspace(0, 0.9, 10))
    assert [p.get_width() for p in histogram] == pytest.approx([0.1] * 10)
    counts = [0] * 5 + [b["count"] for b in bins] + [0] * 3
    assert [p.get_height() for p in histogram] == counts
    assert bottom.get_shared_x_axes().joined(top, bottom)
    assert bottom.get_xlabel() == "confidence (probability of the predicted class)"
    assert bottom.get_ylabel() == "samples"
    heights = [ax.get_position().height for ax in (top, bottom)]
    assert heights[0] == pytest.approx(3 * heights[1], rel=0.05)  # the diagram first


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
