"""Helpers of the worker tests: `make sweep …` workers as real processes on one study.

Each worker runs the small digits MLP search (`hparams_search=digits_mlp_optuna`) with a few
batches an epoch, in a sweep folder of its own, its output in a file (several processes
writing to pipes nobody reads would block).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
from dlkit_sweep_workers.storage import open_storage
from optuna.trial import TrialState
from tests.helpers import ROOT, SHORT, clean_environment, folders

STUDY = "par"


def search(tmp_path: Path, storage: str, n_trials: int, *extra: str) -> list[str]:
    """The overrides every worker of a test gets: one study, its data and logs under tmp_path."""
    return [
        *SHORT,
        *folders(tmp_path),
        "hparams_search=digits_mlp_optuna",
        f"hydra.sweeper.study_name={STUDY}",
        f"hydra.sweeper.storage={storage}",
        f"hydra.sweeper.n_trials={n_trials}",
        *extra,
    ]


class Worker:
    """One `python -m dlkit.cli.train --multirun …` (what `make sweep` runs), in its own session
    so that a signal reaches every process it started."""

    def __init__(self, tmp_path: Path, index: int, overrides: list[str]) -> None:
        self.sweep_dir = tmp_path / f"worker_{index}"
        self.log = tmp_path / f"worker_{index}.out"
        self.command = [
            sys.executable, "-m", "dlkit.cli.train", "--multirun", *overrides,
            f"hydra.sweep.dir={self.sweep_dir}",
        ]  # fmt: skip
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        with open(self.log, "a") as out:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=clean_environment(), stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        return self

    def wait(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"worker still running after {timeout} s:\n{self.output()}"
            ) from None

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def job_started(self) -> bool:
        return any(self.sweep_dir.glob("*/.hydra"))


def run_workers(tmp_path: Path, n: int, overrides: list[str], timeout: float = 900) -> list:
    """n workers started at the same moment; waits for all of them."""
    workers = [Worker(tmp_path, i, overrides).start() for i in range(n)]
    for worker in workers:
        assert worker.wait(timeout) == 0, worker.output()[-4000:]
    return workers


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.2)


def load(storage: str, study_name: str = STUDY) -> optuna.Study:
    """The study as the workers left it (through the same storage code they use)."""
    return optuna.load_study(study_name=study_name, storage=open_storage(storage, None, None))


def finished(study: optuna.Study) -> list:
    return [t for t in study.get_trials(deepcopy=False) if t.state.is_finished()]


def assert_study_complete(study: optuna.Study, n_trials: int) -> None:
    """Exactly n_trials trials, each run once and finished, none left running."""
    numbers = [t.number for t in study.trials]
    assert numbers == list(range(n_trials)), numbers
    assert len(finished(study)) == n_trials
    assert not study.get_trials(states=(TrialState.RUNNING, TrialState.WAITING))


def assert_clean(workers: list) -> None:
    for worker in workers:
        assert "Traceback" not in worker.output(), worker.output()[-4000:]
