"""The test split's report: what a held-out evaluation should show besides the headline metrics.

Classification: the confusion matrix (counts and normalized by true class), precision, recall and
F1 per class, and for two classes the ROC and precision-recall curves with their areas.
Regression: predicted-vs-true and residual plots. Scores come from scikit-learn's metrics and the
curves from its `*Display` classes; the returned dictionary goes into summary.json.
"""

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator
from sklearn import metrics

from dlkit.runs.folder import RunFolder


def classification_report(
    probabilities: np.ndarray, targets: np.ndarray, class_names: Sequence[str], folder: RunFolder
) -> dict:
    """Writes confusion_matrix.png (and roc_pr_curves.png for two classes); returns the scores."""
    labels = np.arange(len(class_names))
    predicted = probabilities.argmax(axis=1)
    matrix = metrics.confusion_matrix(targets, predicted, labels=labels)
    normalized = normalized_by_true_class(matrix)
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        targets, predicted, labels=labels, zero_division=0
    )
    report: dict = {
        "per_class": {
            str(name): {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, name in enumerate(class_names)
        },
        "confusion_matrix": {
            "labels": [str(name) for name in class_names],
            "counts": matrix.tolist(),
            "normalized": np.round(normalized, 4).tolist(),
        },
    }
    folder.root.mkdir(parents=True, exist_ok=True)
    plot_confusion_matrix(matrix, class_names, folder.picture(folder.confusion_matrix_png))
    if len(class_names) == 2 and len(np.unique(targets)) == 2:
        scores = probabilities[:, 1]  # the second class is the positive one
        report["roc_auc"] = float(metrics.roc_auc_score(targets, scores))
        report["average_precision"] = float(metrics.average_precision_score(targets, scores))
        named = np.asarray([str(n) for n in class_names])[targets]  # axis and legend by name
        plot_roc_pr(named, scores, str(class_names[1]), folder.picture(folder.roc_pr_curves_png))
    return report


def regression_report(predictions: np.ndarray, targets: np.ndarray, folder: RunFolder) -> dict:
    """Writes predicted_vs_true.png and residuals.png; returns the residuals' summary."""
    predictions, targets = predictions.reshape(-1), targets.reshape(-1).astype(float)
    folder.root.mkdir(parents=True, exist_ok=True)
    for kind, title, name in (
        ("actual_vs_predicted", "test split: predicted vs true", folder.predicted_vs_true_png),
        ("residual_vs_predicted", "test split: residuals (true - predicted)", folder.residuals_png),
    ):
        fig, ax = plt.subplots(figsize=(5, 4.5))
        metrics.PredictionErrorDisplay.from_predictions(
            targets, predictions, kind=kind, ax=ax, subsample=None, scatter_kwargs={"alpha": 0.5}
        )
        ax.set_title(title)
        for axis in (ax.xaxis, ax.yaxis):  # a few round ticks, whatever the targets' scale
            axis.set_major_locator(MaxNLocator(nbins=6))
        ax.tick_params(labelsize=8)
        fig.tight_layout()
        fig.savefig(folder.picture(name), dpi=110)
        plt.close(fig)
    residuals = targets - predictions
    return {"residual_mean": float(residuals.mean()), "residual_std": float(residuals.std())}


def plot_roc_pr(targets: np.ndarray, scores: np.ndarray, positive: str, path: Path) -> None:
    """ROC and precision-recall curves of a binary classifier, side by side; `targets` are class
    names, so that the axes and the legend name the positive class the same way."""
    fig, (roc, pr) = plt.subplots(1, 2, figsize=(10, 4.5))
    metrics.RocCurveDisplay.from_predictions(
        targets, scores, pos_label=positive, ax=roc, name="network"
    )
    roc.plot([0, 1], [0, 1], "k:", label="chance")
    roc.set_title("test split: ROC curve")
    roc.legend(loc="lower right")
    metrics.PrecisionRecallDisplay.from_predictions(
        targets, scores, pos_label=positive, ax=pr, name="network"
    )
    pr.axhline((targets == positive).mean(), color="k", linestyle=":", label="chance")
    pr.set_title("test split: precision-recall curve")
    pr.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def normalized_by_true_class(matrix: np.ndarray) -> np.ndarray:
    """Each row divided by its total: the diagonal holds each class's recall."""
    return matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)


def plot_confusion_matrix(matrix: np.ndarray, class_names: Sequence[str], path: str | Path) -> None:
    """Counts and row-normalized rates (recall per class on the diagonal), side by side."""
    normalized = normalized_by_true_class(matrix)
    size = max(4.0, 0.45 * len(class_names) + 2.5)
    fig, axes = plt.subplots(1, 2, figsize=(2 * size + 1, size))
    for ax, values, title, fmt in (
        (axes[0], matrix, "counts", "d"),
        (axes[1], normalized, "normalized by true class", ".2f"),
    ):
        image = ax.imshow(values, cmap="Blues")
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        ticks = np.arange(len(class_names))
        ax.set_xticks(
            ticks,
            class_names,
            rotation=45 if len(class_names) > 10 else 0,
            ha="right" if len(class_names) > 10 else "center",
        )
        ax.set_yticks(ticks, class_names)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(f"test confusion matrix ({title})")
        if len(class_names) <= 20:
            threshold = values.max() / 2 if values.size else 0
            for i, j in np.ndindex(values.shape):
                ax.text(
                    j,
                    i,
                    format(values[i, j], fmt),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if values[i, j] > threshold else "black",
                )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
