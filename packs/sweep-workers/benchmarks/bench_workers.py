"""Trials per minute with 1, 2 and 4 workers on one study:
`python packs/sweep-workers/benchmarks/bench_workers.py`.

Each measurement is one `make sweep-workers n=<k>` (the command a user types) on a new study
in a journal file, running the same small search (the digits MLP, `hparams_search=
digits_mlp_optuna`, a fixed number of epochs, no pruning, so that every trial does the same
work) to the same number of trials. Worker counts are interleaved round by round (1, 2, 4,
1, 2, 4, …) so that the load of a shared machine falls on each alike. Two figures per count:

- wall: trials / the whole command's time (process start-up and the study summary included);
- study: trials / the time from the first trial's start to the last one's end (the search alone).

Medians over the rounds go to a Markdown table (workers_results.md beside this file by default).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]  # the project root: `make` and the entry points run there
SEARCH = (
    "hparams_search=digits_mlp_optuna",
    "hydra.sweeper.pruner=null",
    "callbacks.rich_progress_bar=null",
    "extras.print_config=false",
)


def clean_env() -> dict[str, str]:
    """Without what a `make` around this script exports (its flags, and ARGS) into the
    `make sweep-workers` it times."""
    leaked = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "ARGS")
    return {k: v for k, v in os.environ.items() if k not in leaked}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--trials", type=int, default=8, help="trials each study reaches")
    parser.add_argument("--epochs", type=int, default=5, help="epochs each trial trains")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--output", type=Path, default=HERE / "workers_results.md")
    return parser.parse_args(argv)


def measure(workers: int, trials: int, epochs: int, folder: Path) -> dict[str, float]:
    """One `make sweep-workers` on a new study; its trials per minute, wall and study."""
    import optuna

    from dlkit_sweep_workers.storage import open_storage

    journal = folder / "bench.journal"
    command = [
        sys.executable, "-m", "dlkit_sweep_workers.cli.sweep_workers", f"n={workers}", *SEARCH,
        f"trainer.max_epochs={epochs}", f"hydra.sweeper.n_trials={trials}",
        "hydra.sweeper.study_name=bench", f"hydra.sweeper.storage={journal}",
        f"paths.log_dir={folder / 'logs'}", f"hydra.sweep.dir={folder / 'sweep'}",
    ]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=clean_env(), capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"sweep-workers n={workers} failed:\n{done.stdout[-3000:]}")
    study = optuna.load_study(study_name="bench", storage=open_storage(str(journal), None, None))
    finished = [t for t in study.trials if t.state.is_finished()]
    assert len(finished) == trials, f"{len(finished)} trials, not {trials}"
    span = max(t.datetime_complete for t in finished) - min(t.datetime_start for t in finished)
    return {"wall": trials / wall * 60, "study": trials / span.total_seconds() * 60}


def report(args: argparse.Namespace, results: dict[int, list[dict[str, float]]]) -> str:
    base = {k: statistics.median(r[k] for r in results[args.workers[0]]) for k in ("wall", "study")}
    lines = [
        "# Workers on one study: trials per minute",
        "",
        f"`python packs/sweep-workers/benchmarks/bench_workers.py --trials {args.trials} --epochs {args.epochs} "
        f"--rounds {args.rounds}`: each trial the digits MLP for {args.epochs} epochs, "
        f"{args.trials} trials a study, median of {args.rounds} round(s), counts interleaved.",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python "
        f"{platform.python_version()}, load average at the end "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}.",
        "",
        "| workers | trials/min (wall) | trials/min (study) | speed-up (study) |",
        "| --- | --- | --- | --- |",
    ]
    for n in args.workers:
        wall = statistics.median(r["wall"] for r in results[n])
        study = statistics.median(r["study"] for r in results[n])
        lines.append(f"| {n} | {wall:.1f} | {study:.1f} | {study / base['study']:.2f}x |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> str:
    args = parse_args(argv)
    results: dict[int, list[dict[str, float]]] = {n: [] for n in args.workers}
    for round_ in range(args.rounds):
        for n in args.workers:
            with tempfile.TemporaryDirectory(prefix="bench-workers-") as folder:
                figures = measure(n, args.trials, args.epochs, Path(folder))
            results[n].append(figures)
            print(f"round {round_ + 1}, {n} workers: {figures}", flush=True)
    text = report(args, results)
    args.output.write_text(text)
    print(text)
    return text


if __name__ == "__main__":
    main()
