"""Attributions as pictures: heat maps over images and over maps (spectrograms), a line under
each signal, bars per column.

Image heat maps are drawn by Captum's `visualize_image_attr` (attributions summed over channels,
the top 2 % clipped), each beside its image; signed methods show evidence for the explained
class in green and against it in red, unsigned ones (saliency, Grad-CAM) in shades of blue.
"""

import warnings
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

#: the methods whose attributions carry a sign (for or against the explained class)
SIGNED = ("integrated_gradients", "occlusion")
PER_ROW = 4  # images per row of the grid (each: the image and its heat map)
TOP_COLUMNS = 20  # tables: the columns drawn, most important first


def caption(label: str, true: str | None) -> tuple[str, str]:
    """A sample's title and its colour: green when the prediction is right, red when wrong."""
    if true is None:
        return label, "black"
    right = label.split(" (")[0] == f"predicted {true}"
    return f"{label}\ntrue {true}", "#2e7d32" if right else "#b22222"


def plot_images(
    images: torch.Tensor,
    values: torch.Tensor,
    labels: Sequence[str],
    trues: Sequence[str | None],
    method: str,
    title: str,
    path: Path,
) -> None:
    """Per image [C, H, W] in [0, 1]: the image, and its heat map blended over it."""
    from captum.attr import visualization

    n = len(images)
    columns = min(n, PER_ROW)
    rows = -(-n // columns)
    fig, axes = plt.subplots(
        rows, 2 * columns, figsize=(2.1 * 2 * columns, 2.5 * rows + 0.6), squeeze=False
    )
    for ax in axes.flat:
        ax.axis("off")
    sign = "all" if method in SIGNED else "absolute_value"
    for i in range(n):
        image_ax, heat_ax = (
            axes[i // columns][2 * (i % columns)],
            axes[i // columns][2 * (i % columns) + 1],
        )
        image = images[i].permute(1, 2, 0).clamp(0, 1).numpy()
        attribution = values[i].permute(1, 2, 0).numpy()
        if image.shape[2] == 1:
            image_ax.imshow(image[:, :, 0], cmap="gray", vmin=0, vmax=1)
        else:
            image_ax.imshow(image)
        text, color = caption(labels[i], trues[i])
        image_ax.set_title(text, fontsize=8, color=color)
        if not np.abs(attribution).sum() > 0:  # Captum cannot scale an all-zero map
            heat_ax.imshow(image.mean(axis=2), cmap="gray", vmin=0, vmax=1)
            heat_ax.set_title("attribution: zero", fontsize=8)
            continue
        with warnings.catch_warnings():  # "normalizing by a value near 0": a faint map
            warnings.simplefilter("ignore")
            visualization.visualize_image_attr(
                attribution,
                image,
                method="heat_map",  # beside its image, not over it: clearer at any size
                sign=sign,
                plt_fig_axis=(fig, heat_ax),
                use_pyplot=False,
            )
        if image.shape[2] == 1:  # the strokes' outline over the map, to see what lies where
            heat_ax.contour(image[:, :, 0], levels=[0.5], colors="dimgray", linewidths=0.8)
        heat_ax.set_title("attribution", fontsize=8)
    legend = (
        "green: for the explained class, red: against"
        if sign == "all"
        else "darker: larger attribution"
    )
    fig.suptitle(f"{title}\n{legend}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_maps(
    maps: torch.Tensor,
    values: torch.Tensor,
    names: Sequence[str],
    labels: Sequence[str],
    trues: Sequence[str | None],
    method: str,
    title: str,
    axes: tuple[str, str],
    path: Path,
) -> None:
    """Per map [H, W] (a spectrogram: bands up, frames across, the lowest band at the bottom):
    the map in gray, its attribution over it in colour, opaque where the attribution is large
    (the largest 2 % clipped, as Captum clips image heat maps), titled with the sample's name.

    Captum's `visualize_image_attr` blends over pictures in [0, 1] drawn top-down; a spectrogram
    is in dB, drawn bottom-up with its own axes, hence this drawing."""
    n = len(maps)
    columns = min(n, PER_ROW)
    rows = -(-n // columns)
    fig, grid = plt.subplots(
        rows, columns, figsize=(3.4 * columns, 2.9 * rows + 0.7), squeeze=False,
        layout="constrained",
    )  # fmt: skip
    for ax in grid.flat:
        ax.axis("off")
    signed = method in SIGNED
    for i in range(n):
        ax = grid[i // columns][i % columns]
        ax.axis("on")
        picture, attribution = maps[i].numpy(), values[i].numpy()
        ax.imshow(picture, cmap="gray", origin="lower", aspect="auto", interpolation="nearest")
        scale = np.percentile(np.abs(attribution), 98)
        if scale > 0:
            strength = np.clip(np.abs(attribution) / scale, 0, 1)
            color = np.where(attribution[..., None] >= 0, (0.18, 0.6, 0.2), (0.8, 0.1, 0.1))
            if not signed:
                color = np.broadcast_to(np.array((0.1, 0.3, 0.9)), color.shape)
            overlay = np.concatenate([color, 0.85 * strength[..., None]], axis=-1)
            ax.imshow(overlay, origin="lower", aspect="auto", interpolation="nearest")
        text, color_ = caption(labels[i], trues[i])
        zero = "" if scale > 0 else "\nattribution: zero"
        ax.set_title(f"{names[i]}\n{text}{zero}", fontsize=8, color=color_)
        ax.set_xlabel(axes[0], fontsize=7)
        ax.set_ylabel(axes[1], fontsize=7)
        ax.tick_params(labelsize=6)
    legend = (
        "green: for the explained class, red: against" if signed else "blue: larger attribution"
    )
    fig.suptitle(f"{title}\n{legend}, drawn over the input (gray)", fontsize=10)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_sequences(
    signals: torch.Tensor,
    values: torch.Tensor,
    labels: Sequence[str],
    trues: Sequence[str | None],
    method: str,
    title: str,
    path: Path,
) -> None:
    """Per sequence [T, F]: its features as lines, and under them the attribution per step
    (summed over the features)."""
    n = len(signals)
    columns = 2 if n > 3 else 1
    rows = -(-n // columns)
    fig = plt.figure(figsize=(6.5 * columns, 2.5 * rows + 0.9), layout="constrained")
    panels = fig.subfigures(rows, columns, squeeze=False)
    steps = np.arange(signals.shape[1])
    for i in range(n):
        signal_ax, attribution_ax = panels[i // columns][i % columns].subplots(
            2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 1]}
        )
        for f in range(min(signals.shape[2], 4)):
            signal_ax.plot(steps, signals[i, :, f].numpy(), lw=1.4, label=f"feature {f}")
        if signals.shape[2] > 1:
            signal_ax.legend(fontsize=7, loc="upper right")
        text, color = caption(labels[i], trues[i])
        signal_ax.set_title(text.replace("\n", ", "), fontsize=9, color=color, loc="left")
        signal_ax.set_ylabel("input", fontsize=8)
        signal_ax.tick_params(labelbottom=False)
        per_step = values[i].sum(dim=-1).numpy()
        colors = np.where(per_step >= 0, "#2e7d32", "#b22222") if method in SIGNED else "#4c72b0"
        attribution_ax.bar(steps, per_step, width=0.9, color=colors)
        attribution_ax.axhline(0, color="gray", lw=0.6)
        attribution_ax.set_ylabel("attribution", fontsize=8)
        attribution_ax.set_xlabel("step", fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_table(per_column: pd.DataFrame, title: str, positive: str, path: Path) -> None:
    """Mean absolute attribution per column (bars, most important on top), and each row's
    signed attribution beside it (dots): how much, and in which direction, a column moves the
    prediction (`positive` says what the dots' colours mean)."""
    importance = per_column.abs().mean().sort_values(ascending=False).head(TOP_COLUMNS)
    names = list(importance.index)[::-1]  # barh draws bottom-up
    fig, (bars, dots) = plt.subplots(
        1, 2, figsize=(11, 1.0 + 0.38 * len(names)), sharey=True, layout="constrained"
    )
    positions = np.arange(len(names))
    bars.barh(positions, importance[names].to_numpy(), color="#4c72b0")
    bars.set_yticks(positions, names)
    bars.set_xlabel("mean |attribution| over the rows")
    bars.set_title("importance", fontsize=10)
    jitter = np.random.default_rng(0).uniform(-0.25, 0.25, len(per_column))
    for position, name in zip(positions, names, strict=True):
        values = per_column[name].to_numpy()
        dots.scatter(
            values, position + jitter, s=9, alpha=0.6, c=np.where(values >= 0, "#2e7d32", "#b22222")
        )
    dots.axvline(0, color="gray", lw=0.8)
    dots.set_xlabel(f"attribution per row ({positive})")
    dots.set_title("per row", fontsize=10)
    fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=110)
    plt.close(fig)
