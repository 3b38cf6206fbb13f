"""One task measured, as `make bench` runs each: the variants in interleaved rounds (raw,
template, lightning, raw, …, so that a shared machine's load falls on each alike), then the
scikit-learn baselines and the whole `make train` process; the task's section of the report.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fit_clock import Result
from fit_data import compose_train, load_split
from fit_variants import run_lightning, run_raw, run_template, template_overrides
from processes import run_make_train
from report import task_table
from sklearn_baselines import run_sklearn
from tasks import Task


def measure_task(task: Task, args) -> str:
    name, epochs = task.name, task.epochs
    with tempfile.TemporaryDirectory() as folder:
        cfg = compose_train(template_overrides(task, epochs, args.device, args), Path(folder))
        split = load_split(cfg, args.device)
    runs: dict[str, list[Result]] = {v: [] for v in args.variants}
    for round_index in range(args.warmup + args.rounds):
        for variant in args.variants:
            if variant == "raw":
                result = run_raw(cfg, split, epochs, args.device, args)
            elif variant == "template":
                result = run_template(task, epochs, args.device, args)
            elif variant == "lightning":
                result = run_lightning(cfg, split, epochs, args.device, args)
            else:
                raise SystemExit(f"unknown variant {variant!r}: raw, template or lightning")
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
    make_rows = []
    if task.make_train and name in args.make_train_tasks and args.device == "cpu":
        with tempfile.TemporaryDirectory() as log_dir:
            for _ in range(args.make_train_runs):
                make_rows.append(run_make_train(task, Path(log_dir)))
                print(f"[{name}] make train: {make_rows[-1][0]:.1f} s", flush=True)
    return task_table(task, runs, sklearn_rows, make_rows, len(split.x["train"]), args)
