"""Where the model fails: the test samples it got most confidently wrong.

A confusion matrix counts errors; looking at the worst of them shows what they are: a mislabelled
sample, a class the data under-represents, an input unlike the training data. Classification:
the wrong predictions sorted by the probability the model gave its (wrong) class; regression:
the largest absolute errors. Every one goes to a CSV (with the sample's columns for tables); for
images, the most confident ones also as a picture grid.
"""

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from dlkit.data.samples import to_float
from dlkit.runs.folder import RunFolder
from dlkit_audit import file_names

IN_SUMMARY = 5  # the first mistakes also go into summary.json
IN_PICTURE = 16


def confident_mistakes(
    probabilities: np.ndarray, targets: np.ndarray, class_names: Sequence[str], rows: np.ndarray
) -> pd.DataFrame:
    """The misclassified samples, most confident first; `rows[i]` is sample i's test-split row."""
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != targets)
    confidence = probabilities[wrong, predicted[wrong]]
    wrong = wrong[np.argsort(-confidence, kind="stable")]
    names = np.asarray([str(n) for n in class_names])
    return pd.DataFrame(
        {
            "test_row": np.asarray(rows)[wrong],
            "true": names[targets[wrong]],
            "predicted": names[predicted[wrong]],
            "confidence": probabilities[wrong, predicted[wrong]],
            "probability_of_true": probabilities[wrong, targets[wrong]],
        }
    )


def largest_errors(predictions: np.ndarray, targets: np.ndarray, rows: np.ndarray) -> pd.DataFrame:
    """Regression: every test sample, the largest absolute error first."""
    predictions, targets = predictions.reshape(len(targets), -1)[:, 0], targets.reshape(-1)
    error = predictions - targets
    order = np.argsort(-np.abs(error), kind="stable")
    return pd.DataFrame(
        {
            "test_row": np.asarray(rows)[order],
            "true": targets[order],
            "predicted": predictions[order],
            "error": error[order],
        }
    )


def mistakes_report(table: pd.DataFrame, datamodule, folder: RunFolder, regression: bool) -> dict:
    """Writes the CSV (and the picture grid for images); returns the summary.json entry."""
    written = table
    test_table = getattr(datamodule, "test_table", None)
    if test_table is not None and len(table):  # tables: the sample's own columns beside
        columns = test_table().iloc[table["test_row"].to_numpy()].reset_index(drop=True)
        written = pd.concat([table.reset_index(drop=True), columns.add_prefix("input.")], axis=1)
    name = file_names.LARGEST_ERRORS_CSV if regression else file_names.CONFIDENT_MISTAKES_CSV
    written.to_csv(folder.picture(name), index=False)
    if not regression and getattr(datamodule, "modality", None) == "image" and len(table):
        shown = table.head(IN_PICTURE)
        # only the pictured rows, decoded: a streamed run keeps the test split as files
        images = datamodule.samples("test", rows=shown["test_row"].tolist())[0]
        plot_mistakes(shown, images, folder.picture(file_names.CONFIDENT_MISTAKES_PNG))
    first = table.head(IN_SUMMARY).to_dict(orient="records")
    if regression:
        return {"file": name, "largest": first}
    return {"file": name, "count": len(table), "most_confident": first}


def plot_mistakes(table: pd.DataFrame, images: torch.Tensor, path: Path) -> None:
    """`images` (those of the rows of `table`, in its order), each titled with its true and
    predicted class."""
    columns = min(len(table), 4)
    rows = -(-len(table) // columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(2.3 * columns, 2.7 * rows), squeeze=False, layout="constrained"
    )
    for ax in axes.flat:
        ax.axis("off")
    for ax, mistake, image in zip(axes.flat, table.itertuples(), images, strict=False):
        show_image(ax, image)
        ax.set_title(
            f"test row {mistake.test_row}: true {mistake.true}\n"
            f"predicted {mistake.predicted} ({mistake.confidence:.0%})",
            fontsize=9,
            color="#b22222",
        )
    fig.suptitle(f"test split: the {len(table)} most confident mistakes", fontsize=11)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def show_image(ax, image: torch.Tensor) -> None:
    """One image [C, H, W] (uint8, or floats in [0, 1]) on `ax`, grey for one channel."""
    image = to_float(image).clamp(0, 1)
    if image.shape[0] == 1:
        ax.imshow(image[0].numpy(), cmap="gray", vmin=0, vmax=1)
    else:
        ax.imshow(image[:3].permute(1, 2, 0).numpy())
    ax.set_xticks([])
    ax.set_yticks([])
