"""One task measured, as `make bench` runs each: the variants in interleaved rounds (raw,
template, lightning, bare, raw, …, so that a shared machine's load falls on each alike; on a
breakdown task also the template with each default callback removed), then the scikit-learn
baselines and the whole `make train` process beside the hand-written script; the task's section
of the report.
"""

from __future__ import annotations

import gc
import tempfile
from pathlib import Path

from fit_clock import Result
from fit_data import compose_train, load_split
from fit_variants import run_lightning, run_raw, run_template, template_overrides, without
from processes import run_hand_written, run_make_train
from report import breakdown_table, task_table
from sklearn_baselines import run_sklearn
from tasks import Task


def measure_task(task: Task, args) -> str:
    name, epochs = task.name, task.epochs
    with tempfile.TemporaryDirectory() as folder:
        cfg = compose_train(template_overrides(task, epochs, args.device, args), Path(folder))
        split = load_split(cfg, args.device)
    breakdown = task.breakdown or args.breakdown
    parts = [*(k for k in cfg.callbacks if k != "fit_clock"), "logger"] if breakdown else []
    variants = [*args.variants, *(f"template-{part}" for part in parts)]
    runs: dict[str, list[Result]] = {v: [] for v in variants}
    for round_index in range(args.warmup + args.rounds):
        for variant in variants:
            # the garbage of the variant before is collected now, not in the middle of this fit
            gc.collect()
            if variant == "raw":
                result = run_raw(cfg, split, epochs, args.device, args)
            elif variant == "template":
                result = run_template(task, epochs, args.device, args)
            elif variant.startswith("template-"):
                extra = without(variant.removeprefix("template-"))
                result = run_template(task, epochs, args.device, args, extra)
            elif variant in ("lightning", "bare"):
                result = run_lightning(cfg, split, epochs, args.device, args, variant == "bare")
            else:
                raise SystemExit(f"unknown variant {variant!r}: raw, template, lightning or bare")
            counted = round_index >= args.warmup
            print(
                f"[{name}] round {round_index + 1}{'' if counted else ' (warm-up)'} "
                f"{variant}: fit {result.fit_s:.2f} s (CPU {result.fit_cpu_s:.2f} s), "
                f"test acc {result.accuracy:.4f}",
                flush=True,
            )
            if counted:
                runs[variant].append(result)
    sklearn_rows = [] if args.no_sklearn or not task.sklearn else run_sklearn(split)
    make_rows = []  # (make train, hand-written script) pairs, interleaved, each (wall, accuracy)
    if task.make_train and name in args.make_train_tasks and args.device == "cpu":
        with tempfile.TemporaryDirectory() as log_dir:
            for _ in range(args.make_train_runs):
                make = run_make_train(task, Path(log_dir))
                # the script does what the default run does: beside `make train` with no overrides
                hand = None if task.overrides else run_hand_written()
                make_rows.append((make, hand))
                print(f"[{name}] make train {make[0]:.1f} s, hand-written {hand}", flush=True)
    table = task_table(task, runs, sklearn_rows, make_rows, len(split.x["train"]), args)
    return table + (breakdown_table(runs, parts) if parts else "")
