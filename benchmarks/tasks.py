"""The tasks `make bench` can measure, each as the overrides a user would give `make train`.

Kept free of torch and the template, so that the entry point can list the tasks and parse its
arguments (`--help` included) at once.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = ROOT / "configs"


@dataclass
class Task:
    """A benchmark task: the overrides that select it, as a user would give them to `make train`."""

    name: str
    overrides: list[str]
    epochs: int
    sklearn: bool = True
    make_train: bool = True
    note: str = ""
    breakdown: bool = False  # also time the template with each default callback removed


def available_tasks(args: argparse.Namespace) -> dict[str, Task]:
    tasks = {
        # compute near zero (a 64-8-10 MLP on batches of 16): what is left is per-step overhead
        "overhead": Task(
            "overhead",
            ["model=mlp", "model.net.hidden_sizes=[8]", "data.batch_size=16"],
            args.epochs or 3,
            sklearn=False,
            make_train=False,
            note="pure overhead: a 64-8-10 MLP on the digits, batches of 16",
            breakdown=True,
        ),
        "digits": Task("digits", [], args.epochs or 20, note="CNN on the 8x8 digits (default run)"),
        "mnist1d": Task(
            "mnist1d",
            ["experiment=mnist1d_cnn"]
            if (CONFIG_DIR / "experiment" / "mnist1d_cnn.yaml").exists()
            else ["data=mnist1d"],
            args.epochs or 20,
            note="1-D CNN on MNIST-1D",
        ),
        "images": Task(
            "images",
            [
                # benchmarks/ is on sys.path (the entry point's folder): Hydra imports it by name
                "data._target_=fabricated_images.FabricatedImages",
                f"+data.num_samples={args.num_samples}",
                f"+data.image_size={args.image_size}",
                f"data.batch_size={args.batch_size or 256}",
                "model.net.channels=[64,128,256]",
            ],
            args.epochs or 3,
            sklearn=False,
            make_train=False,
            note=f"CNN on fabricated 3x{args.image_size}x{args.image_size} images, "
            f"{args.num_samples} samples",
        ),
    }
    if args.batch_size and args.batch_size != 256:
        for task in tasks.values():
            if not any(o.startswith("data.batch_size=") for o in task.overrides):
                task.overrides.append(f"data.batch_size={args.batch_size}")
    return tasks


def mnist1d_available() -> bool:
    return (CONFIG_DIR / "data" / "mnist1d.yaml").exists()
