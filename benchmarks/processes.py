"""Whole processes timed as a user starts them: `make train` and the hand-written script that
does its work (benchmarks/hand_written_train.py), and the commands that must answer at once
(`--cfg job`, `--help`, a config error), each in a fresh subprocess of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tasks import ROOT, Task

TRAIN_MODULE = "dlkit.cli.train"  # the entry point `make train` runs, as `python -m`
ANSWERS = (  # name, arguments, whether it should succeed
    ("--cfg job", ["--cfg", "job"], True),
    ("--help", ["--help"], True),
    ("config error", ["data=no_such_data"], False),
)


def clean_env() -> dict:
    """Without what `make bench` exports (its flags, and ARGS) into the `make train` it times."""
    leaked = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "ARGS")
    env = {k: v for k, v in os.environ.items() if k not in leaked}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    return env


def timed_process(command: list[str]) -> tuple[float, int, str]:
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=ROOT, env=clean_env(), capture_output=True, text=True, check=False
    )
    return time.perf_counter() - start, done.returncode, done.stdout + done.stderr


def run_make_train(task: Task, log_dir: Path) -> tuple[float, float | None]:
    """Whole-process wall time of `make train` (the default run as a user starts it)."""
    wall, code, output = timed_process(
        ["make", "--no-print-directory", "train", *task.overrides, f"paths.log_dir={log_dir}"]
    )
    if code != 0:
        raise RuntimeError(f"make train failed:\n{output[-3000:]}")
    summaries = sorted(log_dir.glob("train/runs/*/summary.json"), key=os.path.getmtime)
    return wall, json.loads(summaries[-1].read_text())["test"]["acc"]


def run_hand_written() -> tuple[float, float]:
    """Whole-process wall time and test accuracy of the hand-written default run."""
    script = ROOT / "benchmarks" / "hand_written_train.py"
    wall, code, output = timed_process([sys.executable, str(script)])
    if code != 0:
        raise RuntimeError(f"{script.name} failed:\n{output[-3000:]}")
    return wall, float(output.split("test acc ")[1].split()[0])


def time_answers(rounds: int) -> dict[str, list[float]]:
    """Commands that must answer at once: they compose and check the config, nothing more."""
    times: dict[str, list[float]] = {name: [] for name, _, _ in ANSWERS}
    for _ in range(rounds):
        for name, extra, expect_ok in ANSWERS:
            wall, code, output = timed_process([sys.executable, "-m", TRAIN_MODULE, *extra])
            if (code == 0) != expect_ok:
                raise RuntimeError(
                    f"`{TRAIN_MODULE} {' '.join(extra)}` exited {code}:\n{output[-2000:]}"
                )
            times[name].append(wall)
    return times
