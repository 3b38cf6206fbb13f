"""`summary.json` through each change of state of a run, without a run (`dlkit.runs.summary`):
running from the start, each update kept, how the run ended, and the log line that says why.
A real run writing it: tests/test_run_folder.py."""

import logging
from pathlib import Path

import optuna
import pytest
import torch

from dlkit.errors import ConfigError
from dlkit.runs import summary as run_summary
from dlkit.runs.folder import RunFolder
from dlkit.runs.summary import RunSummary, log_failure, split_metrics, was_pruned


@pytest.fixture
def clock(monkeypatch):
    """The summary's clock, moved by hand: clock.now = …"""
    clock = type("Clock", (), {"now": 100.0})()
    monkeypatch.setattr(run_summary.time, "perf_counter", lambda: clock.now)
    return clock


@pytest.mark.parametrize("as_", [str, Path, RunFolder])
def test_a_summary_says_running_from_the_start_and_keeps_each_update(tmp_path, as_):
    run = RunSummary(as_(tmp_path / "run"), seed=3)
    assert run.folder.root == tmp_path / "run"
    assert RunFolder(tmp_path / "run").read_summary() == {"status": "running", "seed": 3}
    run.update(epochs=2, val={"acc": 0.5})
    run.update(epochs=3)
    assert RunFolder(tmp_path / "run").read_summary() == {
        "status": "running",
        "seed": 3,
        "epochs": 3,
        "val": {"acc": 0.5},
    }


def test_finish_sets_the_status_and_the_duration(tmp_path, clock):
    run = RunSummary(tmp_path, seed=0)
    clock.now = 102.123456
    run.finish("completed", test={"acc": 0.9})
    assert RunFolder(tmp_path).read_summary() == {
        "status": "completed",
        "seed": 0,
        "test": {"acc": 0.9},
        "duration_s": 2.123,
    }


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (optuna.TrialPruned("val/acc 0.1 at step 2"), "pruned"),
        (KeyboardInterrupt("ctrl-c"), "interrupted"),
        (SystemExit("SIGTERM"), "interrupted"),
        (RuntimeError("boom"), "failed"),
        (ConfigError("lr must be greater than 0"), "failed"),
    ],
)
def test_fail_records_how_the_run_ended(tmp_path, clock, error, status):
    run = RunSummary(tmp_path)
    clock.now = 101.5
    assert run.fail(error) == status
    assert RunFolder(tmp_path).read_summary() == {
        "status": status,
        "error": f"{type(error).__name__}: {error}",
        "duration_s": 1.5,
    }


def test_only_optunas_own_prune_is_a_prune():
    assert was_pruned(optuna.TrialPruned())
    assert not was_pruned(type("TrialPruned", (Exception,), {})())  # a look-alike elsewhere
    assert not was_pruned(optuna.exceptions.StorageInternalError())
    assert not was_pruned(RuntimeError())


@pytest.mark.parametrize(
    ("error", "level", "text", "traceback"),
    [
        (optuna.TrialPruned("at step 2"), logging.INFO, "fit pruned: at step 2", False),
        (ConfigError("data.path has no value"), logging.ERROR, "data.path has no value", False),
        (RuntimeError("boom"), logging.ERROR, "fit failed: boom", True),
        (KeyboardInterrupt(), logging.ERROR, "fit interrupted: ", True),
    ],
)
def test_a_failure_is_logged_by_its_kind(tmp_path, caplog, error, level, text, traceback):
    log = logging.getLogger("dlkit.test_run_summary")
    with caplog.at_level(logging.INFO, logger=log.name):
        status = log_failure(log, RunSummary(tmp_path), error, "fit")
    (record,) = caplog.records
    assert (record.levelno, record.getMessage()) == (level, text)
    assert (record.exc_info is not None) is traceback  # bad input: its message alone
    assert status == RunFolder(tmp_path).status()


def test_the_metrics_of_one_split():
    metrics = {"val/acc": torch.tensor(0.75), "val/loss": 1, "test/acc": 0.5, "valid/x": 2.0}
    assert split_metrics(metrics, "val") == {"acc": 0.75, "loss": 1.0}
    assert all(type(v) is float for v in split_metrics(metrics, "val").values())
    assert split_metrics(metrics, "test") == {"acc": 0.5}
    assert split_metrics(metrics, "train") == {}
