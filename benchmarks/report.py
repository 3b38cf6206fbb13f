"""The Markdown the benchmark writes (benchmarks/results.md): the machine and its load, a table
per task, the line on the fast answers; so that a reader can tell what was measured and where.
"""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import lightning
import sklearn
import torch
import torchmetrics

from processes import TRAIN_MODULE
from tasks import Task

VARIANT_NAMES = {
    "raw": "raw PyTorch loop, in-memory tensors",
    "template": "this template (`train()`, default callbacks + logger)",
    "lightning": "plain Lightning Trainer, its defaults",
    "bare": "Lightning with nothing (no callbacks, logger, progress bar, checkpoints)",
}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else "none"
    return (
        f"{cpu}, {os.cpu_count()} cores (torch threads {torch.get_num_threads()}), GPU: {gpu}; "
        f"Python {platform.python_version()}, torch {torch.__version__}, "
        f"lightning {lightning.__version__}, torchmetrics {torchmetrics.__version__}, "
        f"scikit-learn {sklearn.__version__}"
    )


def load_average() -> str:
    try:
        return ", ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float], form: str = "{:.2f}", unit: str = "x") -> str:
    """The median with the min-max over rounds beside it: `1.08x (1.03 to 1.15)`."""
    low, mid, high = (form.format(v) for v in (min(values), median(values), max(values)))
    return f"{mid}{unit} ({low} to {high})" if len(values) > 1 else f"{mid}{unit}"


def per_step_ms(runs: list, bases: list, steps: int, clock: str = "fit_s") -> list[float]:
    """Per round, how many ms per step `runs` took more than `bases` (same round, same load),
    by the wall clock (`fit_s`) or the process's CPU time (`fit_cpu_s`)."""
    return [
        (getattr(r, clock) - getattr(b, clock)) / steps * 1000
        for r, b in zip(runs, bases, strict=True)
    ]


def task_table(task: Task, runs: dict, sklearn_rows, make_rows, samples: int, args) -> str:
    """One task's section: the variants side by side, then the baselines and `make train`."""
    epochs = task.epochs
    steps = runs["raw"][0].steps
    lines = [
        f"### {task.name}: {task.note}; {steps // epochs} steps/epoch, {epochs} epochs, "
        f"device {args.device}",
        "",
        "| variant | fit s | per epoch s | ratio to raw (wall) | ratio to raw (CPU) "
        "| overhead ms/step | samples/s | test acc |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    raw = runs["raw"]
    for key in ("raw", "template", "lightning", "bare"):
        if key not in runs:
            continue
        fit = median([r.fit_s for r in runs[key]])
        acc = median([r.accuracy for r in runs[key]])
        # ratios within a round (same load), then their median across rounds
        ratio = spread([r.fit_s / base.fit_s for r, base in zip(runs[key], raw, strict=True)])
        cpu_ratio = spread(
            [r.fit_cpu_s / base.fit_cpu_s for r, base in zip(runs[key], raw, strict=True)]
        )
        overhead = spread(per_step_ms(runs[key], raw, steps), "{:+.2f}", "")
        util = [r.gpu_util for r in runs[key] if r.gpu_util is not None]
        label = VARIANT_NAMES[key] + (f", GPU util {median(util):.0f}%" if util else "")
        lines.append(
            f"| {label} | {fit:.2f} | {fit / epochs:.3f} | {ratio} | {cpu_ratio} "
            f"| {overhead} | {samples * epochs / fit:,.0f} | {acc:.4f} |"
        )
    lines.append(
        f"\nMedians of {len(raw)} interleaved rounds after {args.warmup} warm-up round(s), "
        "min-max over the rounds in brackets; ratios are taken within each round, then their "
        "median. CPU = process CPU time "
        "(all threads), which the load of other processes disturbs less than wall time."
    )
    if "template" in runs:
        whole = median([r.total_s for r in runs["template"]])
        lines.append(
            f"\n`train()` as a whole (fit, then validate and test the best checkpoint, "
            f"plots, summary): {whole:.2f} s median."
        )
    if sklearn_rows:
        lines += ["", "| scikit-learn baseline | fit s | test acc |", "| --- | ---: | ---: |"]
        for row in sklearn_rows:
            lines.append(f"| {row['name']} | {row['fit_s']:.2f} | {row['accuracy']:.4f} |")
    if make_rows:
        lines += ["", *start_up_lines(task, make_rows)]
    return "\n".join(lines)


def start_up_lines(task: Task, pairs: list) -> list[str]:
    """`make train` beside the hand-written script, whole processes, interleaved in pairs."""
    walls = [make[0] for make, _ in pairs]
    command = " ".join(["make train", *task.overrides])
    lines = [
        f"Whole process `{command}` (its own epochs and early stopping): "
        f"{median(walls):.1f} s wall median of {len(walls)} "
        f"({', '.join(f'{w:.1f}' for w in walls)}), "
        f"test accuracy {median([make[1] for make, _ in pairs]):.4f}."
    ]
    hands = [hand for _, hand in pairs if hand]
    if hands:
        ratios = [make[0] / hand[0] for make, hand in pairs]
        hand_wall = median([h[0] for h in hands])
        lines.append(
            f"\nThe same work by hand (`python benchmarks/hand_written_train.py`, run after each "
            f"`make train`): {hand_wall:.1f} s wall median, test accuracy "
            f"{median([h[1] for h in hands]):.4f}; `make train` / by hand: "
            f"{median(walls) / hand_wall:.2f}x as the medians' quotient, {spread(ratios)} "
            "as the median of the pairs' ratios."
        )
    return lines


def breakdown_table(runs: dict, parts: list[str]) -> str:
    """Each default callback's (and the logger's) cost per step: the template's time less the
    template's without it, per round; and the template over Lightning with nothing."""
    steps = runs["template"][0].steps
    lines = [
        "",
        "",
        "| removed from the template | saves ms/step (wall) | saves ms/step (CPU) "
        "| ratio to template (wall) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for part in parts:
        lighter = runs[f"template-{part}"]
        saved = [
            spread([-v for v in per_step_ms(lighter, runs["template"], steps, c)], "{:+.3f}", "")
            for c in ("fit_s", "fit_cpu_s")
        ]
        ratio = [r.fit_s / t.fit_s for r, t in zip(lighter, runs["template"], strict=True)]
        lines.append(f"| `{part}` | {saved[0]} | {saved[1]} | {spread(ratio)} |")
    if "bare" in runs:
        over = [
            spread(per_step_ms(runs["template"], runs["bare"], steps, c), "{:+.3f}", "")
            for c in ("fit_s", "fit_cpu_s")
        ]
        lines.append(
            f"\nThe template over Lightning with nothing: {over[0]} ms/step wall, "
            f"{over[1]} ms/step CPU."
        )
    return "\n".join(lines)


def answers_line(times: dict[str, list[float]], rounds: int) -> str:
    """The fast answers' medians in one sentence; empty when none were timed."""
    if not rounds:
        return ""
    return (
        f"Answers that must come at once (`python -m {TRAIN_MODULE} …`, median of {rounds}): "
        + ", ".join(f"`{k}` {median(v):.2f} s" for k, v in times.items())
    )


def write_report(args, sections: list[str], quick_line: str, started: float) -> str:
    report = "\n".join(
        [
            "# Benchmark results",
            "",
            f"Written by `make bench` ({' '.join(sys.argv[1:]) or 'defaults'}) on "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
            "",
            f"Machine: {machine()}.",
            f"Load average at the end (1, 5, 15 min): {load_average()}; compare ratios "
            "(interleaved in one process) rather than absolute seconds on a shared machine.",
            "",
            *[s + "\n" for s in sections],
            quick_line,
            "",
            f"Benchmark wall time: {time.perf_counter() - started:.0f} s.",
            "",
        ]
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    return report
