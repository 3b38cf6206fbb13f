"""Calibration of a classifier on the test split: do its probabilities mean what they say?

A model that says "90 %" should be right about 9 times in 10. The reliability diagram bins the
test samples by the confidence of their predicted class and sets each bin's accuracy against
its mean confidence; the expected calibration error (ECE) is the gap between the two, averaged
over the bins weighted by their samples. Deep nets are often over-confident (bars below the
diagonal), which matters wherever a probability is acted on, not just the predicted class.

ECE comes from torchmetrics (`MulticlassCalibrationError`'s function), the curve from
scikit-learn's `calibration_curve` on (confidence, correct), both over the same uniform bins.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from sklearn.calibration import calibration_curve
from torchmetrics.functional.classification import multiclass_calibration_error

BINS = 10


def calibration_report(
    probabilities: np.ndarray, targets: np.ndarray, path: Path, n_bins: int = BINS
) -> dict:
    """Writes the reliability diagram to `path`; returns ECE, the largest bin gap and the bins."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    targets = np.asarray(targets).astype(int)
    scores = {
        name: float(
            multiclass_calibration_error(
                torch.from_numpy(probabilities),
                torch.from_numpy(targets),
                probabilities.shape[1],
                n_bins=n_bins,
                norm=norm,
                validate_args=False,
            )
        )
        for name, norm in (("ece", "l1"), ("mce", "max"))
    }
    confidence = probabilities.max(axis=1)
    correct = (probabilities.argmax(axis=1) == targets).astype(int)
    accuracy, mean_confidence = calibration_curve(correct, confidence, n_bins=n_bins)
    # samples per bin, binned by scikit-learn's rule (searchsorted on the inner edges) so that
    # the counts line up with the curve's non-empty bins
    edges = np.linspace(0, 1, n_bins + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], confidence), minlength=n_bins)
    filled = np.flatnonzero(counts)
    bins = [
        {
            "low": round(float(edges[b]), 6),
            "high": round(float(edges[b + 1]), 6),
            "confidence": float(c),
            "accuracy": float(a),
            "count": int(counts[b]),
        }
        for b, c, a in zip(filled, mean_confidence, accuracy, strict=True)
    ]
    fig = reliability_figure(bins, counts, edges, scores["ece"])
    fig.savefig(path, dpi=110)  # pragma: no mutate (the picture's resolution)
    plt.close(fig)
    return {**scores, "n_bins": n_bins, "bins": bins}


def reliability_figure(
    bins: list[dict], counts: np.ndarray, edges: np.ndarray, ece: float
) -> Figure:
    """Accuracy against confidence per bin over the diagonal; the confidences' histogram below.

    `# pragma: no mutate` marks the lines that only set the look (size, colours, fonts), which
    `make mutation` leaves alone: what the figure shows is tested, not how it is styled.
    """
    fig, (top, bottom) = plt.subplots(
        2,
        1,
        figsize=(5.5, 6.2),  # pragma: no mutate
        sharex=True,
        gridspec_kw={"height_ratios": [3, 1]},
    )
    width = edges[1] - edges[0]
    lows = np.array([b["low"] for b in bins])
    accuracy = np.array([b["accuracy"] for b in bins])
    confidence = np.array([b["confidence"] for b in bins])
    top.bar(
        lows,
        accuracy,
        width=width,
        align="edge",
        color="#4c72b0",  # pragma: no mutate
        edgecolor="white",  # pragma: no mutate
        label="accuracy in the bin",
    )
    # the gap of each bin between its accuracy and its mean confidence, hatched over the bar
    top.bar(
        lows,
        confidence - accuracy,
        bottom=accuracy,
        width=width,
        align="edge",
        facecolor="none",
        edgecolor="#c44e52",  # pragma: no mutate
        hatch="///",
        linewidth=1.2,  # pragma: no mutate
        label="gap to the bin's mean confidence",
    )
    top.plot([0, 1], [0, 1], "k:", label="perfectly calibrated")
    top.set_xlim(0, 1)
    top.set_ylim(0, 1)
    top.set_ylabel("accuracy")
    top.set_title(f"test split: reliability diagram (ECE {ece:.3f})")
    top.legend(
        loc="upper left",
        fontsize=8,  # pragma: no mutate
        title="below the diagonal: over-confident",
        title_fontsize=8,  # pragma: no mutate
    )
    bottom.bar(
        edges[:-1],
        counts,
        width=width,
        align="edge",
        color="gray",  # pragma: no mutate
        edgecolor="white",  # pragma: no mutate
    )
    bottom.set_xlabel("confidence (probability of the predicted class)")
    bottom.set_ylabel("samples")
    fig.tight_layout()
    return fig
