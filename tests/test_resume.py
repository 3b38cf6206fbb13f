"""A run killed for real continues with `make train resume=<run folder>` and ends as if never stopped."""

import json
import signal
from pathlib import Path

import pandas as pd
import pytest
import torch
from omegaconf import OmegaConf

from dlkit.errors import ConfigError
from dlkit.runs.resume import check_same_config, resume_arguments, resume_requeued_job
from dlkit.training.run import train
from tests.faults import signal_when
from tests.helpers import (
    FEW_BATCHES,
    STOPPABLE,
    TINY_MLP,
    compose_config,
    folders,
    read_summary,
    run,
    run_module,
    start,
)

# the in-process variant: two epochs of four batches of a small MLP, no pictures
QUICK = (*STOPPABLE, *TINY_MLP, "trainer.max_epochs=2", "callbacks.reports=null")


def _uninterrupted(tmp_path, *overrides: str) -> dict:
    run_dir = tmp_path / "whole"
    result = run("-m", "dlkit.cli.train", *STOPPABLE, *overrides, f"hydra.run.dir={run_dir}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return read_summary(run_dir)


def _train(tmp_path: Path, run_dir: Path, *overrides: str) -> int:
    """`python -m dlkit.cli.train …` (what `make train` runs), in this process: the exit code."""
    return run_module(
        "dlkit.cli.train", *QUICK, *folders(tmp_path), f"hydra.run.dir={run_dir}", *overrides
    )


def test_interrupted_run_goes_on_with_resume_or_from_its_checkpoint(tmp_path, capsys):
    """The fast variant, in one process: stopped in the middle of the second epoch."""
    stopped, whole, elsewhere = tmp_path / "stopped", tmp_path / "whole", tmp_path / "elsewhere"
    stop = ("+callbacks.stop._target_=tests.faults.InterruptAtStep", "+callbacks.stop.step=6")
    assert _train(tmp_path, stopped, *stop) == 1  # Lightning ends a Ctrl+C with exit(1)
    assert read_summary(stopped)["status"] == "interrupted"
    last = stopped / "checkpoints" / "last.ckpt"
    assert torch.load(last, weights_only=True)["global_step"] == 6  # saved where it stopped
    assert _train(tmp_path, whole) == 0

    # `make train ckpt_path=…/last.ckpt`: the same epochs again, in a new folder
    assert _train(tmp_path, elsewhere, f"ckpt_path={last}") == 0
    continued = read_summary(elsewhere)
    assert continued["status"] == "completed"
    assert Path(continued["best_checkpoint"]).parent == elsewhere / "checkpoints"
    weights = [
        torch.load(d / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
        for d in (elsewhere, whole)
    ]
    assert weights[0].keys() == weights[1].keys()
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
    assert (
        read_summary(stopped)["status"] == "interrupted"
    )  # the stopped run's folder is left alone

    # `make train resume=<folder>` refuses when the config files changed since the run started
    saved = OmegaConf.load(stopped / ".hydra" / "config.yaml")
    saved.model.net.dropout = 0.3  # as if cnn.yaml said 0.3 back then
    OmegaConf.save(saved, stopped / ".hydra" / "config.yaml")
    capsys.readouterr()
    assert run_module("dlkit.cli.train", f"resume={stopped}") == 2
    assert "model.net.dropout: 0.3 then, 0.2 now" in capsys.readouterr().out
    assert read_summary(stopped)["status"] == "interrupted"  # still resumable, not marked failed
    # ... and goes on when the value is given on purpose, ending as if never stopped
    assert run_module("dlkit.cli.train", f"resume={stopped}", "model.net.dropout=0.2") == 0
    resumed = read_summary(stopped)
    assert resumed["status"] == "completed" and resumed["resumed_from"] == str(last)
    assert resumed["test"] == read_summary(whole)["test"]  # equal, not close
    assert resumed["val"] == read_summary(whole)["val"]
    epochs = pd.read_csv(stopped / "metrics.csv").dropna(subset=["val/loss"])["epoch"]
    assert list(epochs) == [0, 1, 2]  # epochs 0 and 1, then the best checkpoint's


@pytest.mark.slow
def test_sigkill_after_first_checkpoint_then_resume_equals_uninterrupted(tmp_path):
    run_dir = tmp_path / "killed"
    process = start("make", "train", *STOPPABLE, f"hydra.run.dir={run_dir}")
    signal_when(process, run_dir / "checkpoints" / "last.ckpt", signal.SIGKILL)
    assert read_summary(run_dir)["status"] == "running"  # died without a word: never a fake end
    rows_before = pd.read_csv(run_dir / "metrics.csv")

    result = run("make", "train", f"resume={run_dir}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    resumed = read_summary(run_dir)
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


@pytest.mark.slow
def test_sigterm_saves_a_checkpoint_marks_interrupted_and_resumes(tmp_path):
    run_dir = tmp_path / "preempted"
    process = start("-m", "dlkit.cli.train", *STOPPABLE, f"hydra.run.dir={run_dir}")
    # the first epoch's checkpoint exists: the signal arrives in the middle of the second epoch
    output = signal_when(process, run_dir / "checkpoints" / "epoch_000.ckpt", signal.SIGTERM)
    assert process.returncode == 143, output[-3000:]

    stopped = read_summary(run_dir)
    assert stopped["status"] == "interrupted", stopped
    assert "SIGTERM" in stopped["error"]
    last = torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)
    assert last["global_step"] > 0

    result = run("make", "train", f"resume={run_dir}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    resumed = read_summary(run_dir)
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
    result = run("-m", "dlkit.cli.train", f"resume={tmp_path}")
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    ("restarts", "status", "extra_file", "resumes"),
    [
        ("1", "interrupted", None, True),  # requeued after pre-emption
        ("2", "running", None, True),  # killed at the time limit, requeued again
        ("0", "interrupted", None, False),  # a first start: nothing to continue
        ("1", "completed", None, False),
        ("1", "interrupted", "hpc_ckpt_1.ckpt", False),  # Lightning's own requeue loads that
    ],
)
def test_a_requeued_slurm_job_continues_its_run(
    compose_train, monkeypatch, restarts, status, extra_file, resumes
):
    cfg = compose_train()
    run_dir = Path(cfg.paths.output_dir)
    (run_dir / "checkpoints").mkdir(parents=True)
    (run_dir / "checkpoints" / "last.ckpt").write_bytes(b"")
    (run_dir / "summary.json").write_text(json.dumps({"status": status}))
    if extra_file:
        (run_dir / extra_file).write_bytes(b"")
    monkeypatch.setenv("SLURM_RESTART_COUNT", restarts)
    assert resume_requeued_job(cfg) is resumes
    if resumes:
        assert cfg.resume == str(run_dir)
        assert cfg.ckpt_path == str(run_dir / "checkpoints" / "last.ckpt")
    else:
        assert cfg.resume is None and cfg.ckpt_path is None


def test_resume_stops_when_the_config_files_changed_since_the_run_started(compose_train, tmp_path):
    started = compose_train("model.net.dropout=0.3")  # as if cnn.yaml said 0.3 back then
    (tmp_path / ".hydra").mkdir()
    OmegaConf.save(started, tmp_path / ".hydra" / "config.yaml")
    now = compose_train(f"resume={tmp_path}", "ckpt_path=x.ckpt", "trainer.max_epochs=80")
    with pytest.raises(ConfigError, match=r"model.net.dropout: 0.3 then, 0.2 now"):
        check_same_config(now, ["trainer.max_epochs=80"])
    check_same_config(now, ["trainer.max_epochs=80", "model.net.dropout=0.2"])  # said on purpose


def test_a_run_trains_further_than_its_schedule_was_planned(compose_train, tmp_path):
    """`ckpt_path=…/last.ckpt trainer.max_epochs=<more>` with the step-based one-cycle schedule:
    the schedule is re-planned for the new length instead of stepping past its end."""
    first = compose_train(*TINY_MLP, "trainer.max_epochs=2", *FEW_BATCHES, "scheduler=onecycle")
    train(first)
    last = Path(first.paths.output_dir) / "checkpoints" / "last.ckpt"
    further = compose_config(
        "train",
        [
            *TINY_MLP,
            "trainer.max_epochs=4",
            *FEW_BATCHES,
            "scheduler=onecycle",
            f"ckpt_path={last}",
        ],
        tmp_path / "further",
        tmp_path / "data",
    )
    train(further)
    summary = read_summary(tmp_path / "further")
    assert summary["status"] == "completed" and summary["epochs"] == 4


@pytest.mark.parametrize("longer", [True, False])
def test_a_completed_run_resumes_only_to_train_longer(compose_train, longer):
    overrides = [*TINY_MLP, "trainer.max_epochs=1", *FEW_BATCHES]
    cfg = compose_train(*overrides)
    train(cfg)
    folder = cfg.paths.output_dir
    (Path(folder) / ".hydra").mkdir()
    OmegaConf.save(overrides, Path(folder) / ".hydra" / "overrides.yaml")  # as Hydra records them
    if longer:
        arguments = resume_arguments([f"resume={folder}", "trainer.max_epochs=3"])
        assert "trainer.max_epochs=3" in arguments and any(
            a.startswith("ckpt_path=") for a in arguments
        )
    else:
        with pytest.raises(ConfigError, match=r"completed\. Train it longer in its folder with"):
            resume_arguments([f"resume={folder}"])


def test_resume_passes_over_a_damaged_checkpoint(compose_train, capsys):
    """A last.ckpt cut in half (a full disk, a copy stopped halfway): the newest intact one."""
    overrides = [
        *TINY_MLP,
        "trainer.max_epochs=2",
        *FEW_BATCHES,
        "callbacks.model_checkpoint.save_top_k=-1",
    ]
    cfg = compose_train(*overrides)
    train(cfg)
    folder = Path(cfg.paths.output_dir)
    (folder / ".hydra").mkdir()
    OmegaConf.save(overrides, folder / ".hydra" / "overrides.yaml")
    (folder / "summary.json").write_text('{"status": "interr')  # damaged too
    last = folder / "checkpoints" / "last.ckpt"
    last.write_bytes(last.read_bytes()[: last.stat().st_size // 2])
    arguments = resume_arguments([f"resume={folder}", "trainer.max_epochs=3"])
    chosen = next(a for a in arguments if a.startswith("ckpt_path="))
    assert "epoch_001.ckpt" in chosen
    said = capsys.readouterr().err
    assert "skipped last.ckpt: checkpoint" in said and "is damaged" in said
    assert "summary.json is unreadable" in said
    for checkpoint in (folder / "checkpoints").glob("*.ckpt"):
        checkpoint.write_bytes(b"not a checkpoint")
    with pytest.raises(ConfigError, match="no intact checkpoint in"):
        resume_arguments([f"resume={folder}"])
