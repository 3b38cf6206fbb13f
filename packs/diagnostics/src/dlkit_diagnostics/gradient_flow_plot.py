"""`gradient_flow.png` and `gradient_flow.csv`: per-layer gradient norms and activation spread.

The records come from `dlkit_diagnostics.gradient_flow.GradientFlow`: one row per (step, kind,
layer) with kind "grad_norm" (the layer's weight gradient norm) or "activation_std" (the spread
of an activation layer's output). Layers keep the order of the net, first to last.
"""

import csv
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

FIELDS = ("step", "kind", "layer", "value")
PROFILES = 4  # steps drawn as per-layer profiles: the first, the last, and between


def write_records(records: Sequence[dict], path: str | Path) -> None:
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(records)


def read_records(path: str | Path) -> list[dict]:
    with open(path, newline="") as file:
        return [
            {**row, "step": int(row["step"]), "value": float(row["value"])}
            for row in csv.DictReader(file)
        ]


def by_step(records: Sequence[dict], kind: str) -> dict[int, dict[str, float]]:
    """{step: {layer: value}} of one kind, steps in order, layers in the net's order."""
    table: dict[int, dict[str, float]] = {}
    for r in records:
        if r["kind"] == kind:
            table.setdefault(r["step"], {})[r["layer"]] = r["value"]
    return dict(sorted(table.items()))


def plot_gradient_flow(records: Sequence[dict], path: str | Path) -> None:
    fig = gradient_flow_figure(records)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def gradient_flow_figure(records: Sequence[dict]) -> Figure:
    """Per-layer profiles at a few steps, each layer's norm over training, activation spread."""
    grads, spreads = by_step(records, "grad_norm"), by_step(records, "activation_std")
    panels = 3 if spreads else 2
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 4.0))
    _profiles(axes[0], grads, "gradient norm per layer", "weight gradient norm")
    _over_training(axes[1], grads)
    if spreads:
        _profiles(axes[2], spreads, "activation spread (std) per layer", "std of the activations")
    fig.tight_layout()
    return fig


def _profiles(ax, table: dict[int, dict[str, float]], title: str, ylabel: str) -> None:
    steps = list(table)
    chosen = sorted({steps[round(i)] for i in np.linspace(0, len(steps) - 1, PROFILES)})
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(chosen)))
    for step, color in zip(chosen, colors, strict=True):
        values = list(table[step].values())
        ax.plot(range(len(values)), values, "o-", color=color, label=f"step {step}")
    layers = list(table[steps[0]])
    ax.set_xticks(range(len(layers)), layers, rotation=60, ha="right", fontsize=7)
    ax.set_yscale("log")
    ax.set_xlabel("layer (input side left)")
    ax.set_ylabel(f"{ylabel} (log scale)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def _over_training(ax, table: dict[int, dict[str, float]]) -> None:
    steps = list(table)
    layers = list(table[steps[0]])
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(layers)))
    for index, (layer, color) in enumerate(zip(layers, colors, strict=True)):
        values = [table[s].get(layer, np.nan) for s in steps]
        ends = index in (0, len(layers) - 1)
        ax.plot(steps, values, color=color, lw=2 if ends else 0.8, label=layer if ends else None)
    ax.set_yscale("log")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("weight gradient norm (log scale)")
    ax.set_title("gradient norm over training (dark: first layers)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
