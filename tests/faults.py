"""Helpers of the fault tests: the real entry point in a subprocess, stopped for real."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import lightning.pytorch as L

from tests.cli import clean_environment
from tests.conftest import FEW_BATCHES, ROOT, read_summary

# Small and quick, but every part of a run: 3 epochs of 4 batches, checkpoints, test.
TINY = ("trainer.max_epochs=3", *FEW_BATCHES)


def environment() -> dict:
    return clean_environment()


def make_command(*args: str) -> list[str]:
    return ["make", "--no-print-directory", *args]


def python_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "dlkit.cli.train", *args]


def start(command: list[str]) -> subprocess.Popen:
    """In a session of its own, so that a signal reaches make and the Python it starts."""
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def run(command: list[str], timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=timeout
    )


def signal_when(process: subprocess.Popen, path: Path, signum: int, timeout: int = 600) -> str:
    """Send `signum` to the whole process group as soon as `path` exists; the output."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"finished before {path} appeared:\n{process.stdout.read()}")
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            raise AssertionError(f"{path} did not appear within {timeout} s")
        time.sleep(0.05)
    os.killpg(process.pid, signum)
    output, _ = process.communicate(timeout=timeout)
    return output


summary = read_summary  # the name the fault tests read best with


class InterruptAtStep(L.Callback):
    """Ctrl+C in the middle of training, as a user (or a scheduler's SIGINT) would."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_end(self, trainer: L.Trainer, *args, **kwargs) -> None:
        if trainer.global_step == self.step:
            raise KeyboardInterrupt


class SignalAt(L.Callback):
    """Sends `signum` to this process at the `at`-th call of the Lightning hook `hook`: a
    pre-emption or a kill at a chosen moment (mid-step, mid-validation, mid-checkpoint, test)."""

    def __init__(self, hook: str, at: int = 1, signum: int = signal.SIGTERM) -> None:
        self.calls = 0

        def fire(*args, **kwargs) -> None:
            self.calls += 1
            if self.calls == at:
                os.kill(os.getpid(), signum)

        setattr(self, hook, fire)
