"""A run killed for real continues with `make train resume=<run folder>` and ends as if never stopped."""

import signal

import pandas as pd
import pytest
import torch

from tests.faults import TINY, make_command, python_command, run, signal_when, start, summary


def _uninterrupted(tmp_path, *overrides: str) -> dict:
    run_dir = tmp_path / "whole"
    result = run(python_command(*TINY, *overrides, f"hydra.run.dir={run_dir}"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return summary(run_dir)


def test_sigkill_after_first_checkpoint_then_resume_equals_uninterrupted(tmp_path):
    run_dir = tmp_path / "killed"
    process = start(make_command("train", *TINY, f"hydra.run.dir={run_dir}"))
    signal_when(process, run_dir / "checkpoints" / "last.ckpt", signal.SIGKILL)
    assert summary(run_dir)["status"] == "running"  # died without a word: never a fake end
    rows_before = pd.read_csv(run_dir / "metrics.csv")

    result = run(make_command("train", f"resume={run_dir}"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    resumed = summary(run_dir)
    assert resumed["status"] == "completed"
    assert resumed["resumed_from"] == str(run_dir / "checkpoints" / "last.ckpt")
    whole = _uninterrupted(tmp_path)
    assert resumed["test"] == whole["test"]  # equal, not close
    assert resumed["val"] == whole["val"]
    assert resumed["epochs"] == whole["epochs"] == 3

    metrics = pd.read_csv(run_dir / "metrics.csv")
    validated = metrics.dropna(subset=["val/loss"])
    assert list(validated["epoch"]) == [0, 1, 2, 3]  # epochs 0..2, then the best checkpoint's
    pd.testing.assert_frame_equal(  # the rows written before the kill are still there
        metrics.iloc[: len(rows_before)].dropna(axis=1, how="all"),
        rows_before.dropna(axis=1, how="all"),
        check_dtype=False,
    )
    assert len(list((run_dir / ".hydra").glob("*.yaml"))) == 3  # the run's own records kept


def test_sigterm_saves_a_checkpoint_marks_interrupted_and_resumes(tmp_path):
    run_dir = tmp_path / "preempted"
    process = start(python_command(*TINY, f"hydra.run.dir={run_dir}"))
    # the first epoch's checkpoint exists: the signal arrives in the middle of the second epoch
    output = signal_when(process, run_dir / "checkpoints" / "epoch_000.ckpt", signal.SIGTERM)
    assert process.returncode == 143, output[-3000:]

    stopped = summary(run_dir)
    assert stopped["status"] == "interrupted", stopped
    assert "SIGTERM" in stopped["error"]
    last = torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)
    assert last["global_step"] > 0

    result = run(make_command("train", f"resume={run_dir}"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    resumed = summary(run_dir)
    assert resumed["status"] == "completed"
    assert resumed["test"] == _uninterrupted(tmp_path)["test"]


@pytest.mark.parametrize(
    ("make_folder", "message"),
    [
        (lambda d: d, "not a run folder"),
        (
            lambda d: (d / ".hydra").mkdir() or (d / ".hydra" / "overrides.yaml").write_text("[]"),
            "stopped before its first checkpoint",
        ),
    ],
)
def test_resume_of_a_folder_that_cannot_resume_says_why(tmp_path, make_folder, message):
    make_folder(tmp_path)
    result = run(python_command(f"resume={tmp_path}"))
    assert result.returncode != 0
    assert message in result.stderr
