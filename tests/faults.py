"""Faults for the fault tests: callbacks that stop a run at a chosen moment (`_target_`s of the
tests' configs), and a signal sent to a subprocess when a file appears."""

import os
import signal
import subprocess
import time
from pathlib import Path

import lightning.pytorch as L


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
