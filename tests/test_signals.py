"""Stopped at any moment, resumed, and ending exactly as a run never stopped.

A pre-emption (SIGTERM) or a kill (SIGKILL) is sent at a chosen moment (`tests.faults.SignalAt`):
mid-step, mid-validation, while a checkpoint is built, at an epoch's end, during the final
test. `make train resume=<folder>` then continues, and the test metrics must equal those of an
uninterrupted run to the last digit.
"""

import signal
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers import STOPPABLE, read_summary, run

T, K = signal.SIGTERM, signal.SIGKILL
# (hook, the call that signals, signal): STOPPABLE trains 3 epochs of 4 batches, 2 validation batches
MOMENTS = [
    ("on_train_batch_start", 5, T), ("on_train_batch_start", 6, T), ("on_train_batch_start", 8, T),
    ("on_train_batch_end", 7, T), ("on_train_batch_start", 10, T),
    ("on_validation_batch_start", 3, T), ("on_validation_batch_start", 4, T),
    ("on_validation_batch_start", 5, T), ("on_validation_end", 2, T),
    ("on_save_checkpoint", 3, T), ("on_train_epoch_end", 2, T), ("on_test_batch_start", 1, T),
    ("on_train_batch_start", 6, K), ("on_train_batch_start", 10, K),
    ("on_validation_batch_start", 3, K), ("on_validation_batch_start", 6, K),
    ("on_save_checkpoint", 3, K), ("on_train_epoch_end", 2, K), ("on_test_batch_start", 1, K),
    ("on_validation_end", 3, K),
]  # fmt: skip


@pytest.mark.slow  # forty processes
def test_every_interrupted_run_resumes_to_the_uninterrupted_result(tmp_path):
    whole = tmp_path / "whole"
    assert run("-m", "dlkit.cli.train", *STOPPABLE, f"hydra.run.dir={whole}").returncode == 0
    expected = read_summary(whole)["test"]

    def interrupt_and_resume(index_moment):
        index, (hook, at, signum) = index_moment
        folder = tmp_path / f"run{index}"
        stop = (
            "+callbacks.zz_signal._target_=tests.faults.SignalAt",
            f"+callbacks.zz_signal.hook={hook}",
            f"+callbacks.zz_signal.at={at}",
            f"+callbacks.zz_signal.signum={int(signum)}",
        )
        stopped = run("-m", "dlkit.cli.train", *STOPPABLE, *stop, f"hydra.run.dir={folder}")
        moment = f"{signal.Signals(signum).name} at call {at} of {hook}"
        if stopped.returncode == 0:
            return f"{moment}: the run was not stopped"
        resumed = run("make", "train", f"resume={folder}", "ARGS=~callbacks.zz_signal")
        if resumed.returncode != 0:
            return f"{moment}: resume exited {resumed.returncode}\n{resumed.stderr[-2000:]}"
        if read_summary(folder)["test"] != expected:
            return f"{moment}: {read_summary(folder)['test']} != {expected}"
        return None

    with ThreadPoolExecutor(max_workers=2) as pool:
        failures = [f for f in pool.map(interrupt_and_resume, enumerate(MOMENTS)) if f]
    assert not failures, "\n".join(failures)
