"""What the template costs over a hand-written loop, measured side by side: `make bench`.

In one process, interleaved (raw, template, lightning, raw, template, lightning, …) so that the
load of a shared machine falls on every variant alike, each round trains the same net on the same
split for the same number of epochs:

- raw:       a hand-written PyTorch loop over in-memory tensors (the floor);
- template:  `dlkit.training.run.train` on the config `make train` composes (default callbacks and
             logger; the epochs pinned so that every variant runs the same number);
- lightning: a plain LightningModule in a Trainer with Lightning's own defaults, for reference;
- bare:      the same in a Trainer with nothing (no callbacks, logger, progress bar, checkpoints);

and, on the `overhead` task (a net so small that compute is near zero), the template with each
default callback removed in turn: the per-step cost of each;

then scikit-learn baselines on the same split, and the whole `make train` process beside
benchmarks/hand_written_train.py (the same work by hand), interleaved, plus `--cfg job`,
`--help` and a config error, in subprocesses. Medians of the rounds after warm-up
go to a Markdown table (benchmarks/results.md) with the machine and the versions.

`--tasks images --device cuda` runs a CIFAR-scale fabricated image task on a GPU and reports
samples/s (and GPU utilization where NVML is available); `--quick` shrinks everything (one
epoch of the digits task unless `--tasks` names others, one round) so that the path can be
checked on a CPU in seconds, and writes its table to logs/bench/quick.md, ignored by git: the
committed results.md holds measurements only.

This file is the entry point (`python benchmarks/bench_fit.py [ARGS]`): the arguments and the
loop over the tasks. The work is in the modules beside it: `tasks` (what can be measured),
`measure` (one task's rounds), `fit_variants` (raw, template, lightning), `fit_data` (the config
and split they share), `fit_clock` (how a fit is timed), `fabricated_images` (the `images`
task's data), `sklearn_baselines`, `processes` (`make train` and the fast answers as whole
processes) and `report` (results.md).
"""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path

from tasks import ROOT, available_tasks, mnist1d_available

RESULTS = ROOT / "benchmarks" / "results.md"  # the committed measurements
QUICK_RESULTS = ROOT / "logs" / "bench" / "quick.md"  # a check's table, under the ignored logs/


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tasks",
        nargs="+",
        default=None,
        help="overhead, digits, mnist1d, images, files (default: all but images and files on "
        "CPU, images on CUDA)",
    )
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--epochs", type=int, default=None, help="per variant (default per task)")
    # three rounds gave ratios 0.2x apart between two runs on a shared 2-core machine: seven
    parser.add_argument("--rounds", type=int, default=7, help="measured rounds after warm-up")
    parser.add_argument("--warmup", type=int, default=1, help="rounds run first and not counted")
    parser.add_argument(
        "--variants",
        nargs="+",
        default=["raw", "template", "lightning", "bare"],
        help="in round order",
    )
    parser.add_argument(
        "--make-train-runs",
        type=int,
        default=3,
        help="`make train` processes, each followed by the hand-written script",
    )
    parser.add_argument(
        "--make-train-tasks", nargs="+", default=["digits"], help="tasks timed as `make train`"
    )
    parser.add_argument(
        "--answer-rounds", type=int, default=3, help="times `--cfg job`/`--help`/an error run"
    )
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="every task: also the template less each default callback (the overhead task always)",
    )
    parser.add_argument("--no-sklearn", action="store_true", help="skip the classical baselines")
    parser.add_argument("--precision", default="32", help="32, 16-mixed or bf16-mixed")
    parser.add_argument(
        "--threads", type=int, default=None, help="torch intra-op threads (default: torch's)"
    )
    parser.add_argument("--compile", action="store_true", help="torch.compile the net")
    parser.add_argument(
        "--channels-last", action="store_true", help="convolution weights channels-last"
    )
    parser.add_argument("--num-samples", type=int, default=50_000, help="images task size")
    parser.add_argument(
        "--files-sizes",
        type=int,
        nargs="+",
        default=[2_000, 20_000, 100_000],
        help="files task: the image folders' sizes",
    )
    parser.add_argument(
        "--files-workers", type=int, default=2, help="files task: loader workers of every variant"
    )
    parser.add_argument("--image-size", type=int, default=32, help="images task side")
    parser.add_argument("--batch-size", type=int, default=None, help="override the batch size")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one epoch of one task (digits, or --tasks), one round: checks the path, not speed",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help=f"the report (default {RESULTS.relative_to(ROOT)}; with --quick "
        f"{QUICK_RESULTS.relative_to(ROOT)}, ignored by git: a check is not a measurement)",
    )
    args = parser.parse_args(argv)
    args.output = args.output or (QUICK_RESULTS if args.quick else RESULTS)
    if args.quick:
        args.epochs = args.epochs or 1
        args.rounds, args.warmup = 1, 0
        args.num_samples = min(args.num_samples, 256)
        args.image_size = min(args.image_size, 16)
        args.make_train_runs = 0
        args.answer_rounds = min(args.answer_rounds, 1)
        # every variant and the baselines, in seconds: the overhead task's per-callback
        # breakdown (11 more fits) and MNIST-1D's larger epochs run when named in --tasks
        args.tasks = args.tasks or ["digits"]
        # one torch thread: on a busy or small machine two threads per fit spin more than they
        # compute (the same --quick took 70 s at two threads, 28 s at one, on a loaded 2-core box)
        args.threads = args.threads or 1
    if args.tasks is None:
        if args.device.startswith("cuda"):
            args.tasks = ["images"]
        else:
            args.tasks = ["overhead", "digits"] + (["mnist1d"] if mnist1d_available() else [])
    return args


def main(argv: list[str] | None = None) -> str:
    args = parse_args(argv)
    if "files" in args.tasks:  # image folders from disk: a benchmark of its own (bench_files)
        from bench_files import VARIANTS, run_files

        return run_files(
            args.files_sizes, args.rounds, args.warmup, args.files_workers, VARIANTS, args.output
        )
    started = time.perf_counter()
    tasks = available_tasks(args)
    unknown = [t for t in args.tasks if t not in tasks]
    if unknown:
        raise SystemExit(f"unknown task(s) {unknown}: choose from {sorted(tasks)}")
    if "mnist1d" in args.tasks and not mnist1d_available():
        raise SystemExit("task mnist1d needs configs/data/mnist1d.yaml, which this checkout lacks")
    # torch and the template only now: `--help` and refused arguments answer without them
    import torch

    from dlkit.runs.console import quiet_libraries
    from measure import measure_task
    from processes import time_answers
    from report import answers_line, write_report

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("--device cuda: no CUDA device is visible to torch")
    if args.threads:
        torch.set_num_threads(args.threads)
    quiet_libraries()
    # as `make train` does (dlkit.runs.late_import): the imported modules' half a million objects
    # frozen, so that a full collection during a fit scans only what the runs made
    gc.collect()
    gc.freeze()
    sections = []
    for name in args.tasks:
        sections.append(measure_task(tasks[name], args))
        write_report(args, sections, "", started)  # so far, in case a later task is cut short
    quick_line = answers_line(time_answers(args.answer_rounds), args.answer_rounds)
    report = write_report(args, sections, quick_line, started)
    print(report)
    return report


if __name__ == "__main__":
    main()
