"""The run folder's files without a run: `summary.json` through each change of state
(`dlkit.runs.summary`), the paths of `RunFolder`/`SweepFolder` and the atomic writes
(`dlkit.runs.folder`). A real run writing them: tests/test_run_folder.py."""

import json
import logging
import math
from pathlib import Path

import numpy as np
import optuna
import pytest
import torch
from omegaconf import OmegaConf

from dlkit.errors import ConfigError
from dlkit.runs import folder as run_folder
from dlkit.runs import summary as run_summary
from dlkit.runs.folder import RunFolder, SweepFolder, write_json_atomic, write_text_atomic
from dlkit.runs.summary import RunSummary, log_failure, split_metrics, was_pruned

RANK_VARIABLES = ("RANK", "LOCAL_RANK", "NODE_RANK", "GROUP_RANK", "SLURM_PROCID")


@pytest.fixture(autouse=True)
def rank_zero(monkeypatch):
    """Every test runs as the only process, whatever launched pytest."""
    for name in RANK_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def clock(monkeypatch):
    """The summary's clock, moved by hand: clock.now = …"""
    clock = type("Clock", (), {"now": 100.0})()
    monkeypatch.setattr(run_summary.time, "perf_counter", lambda: clock.now)
    return clock


def _read(path: Path):
    return json.loads(path.read_text())


@pytest.mark.parametrize("as_", [str, Path, RunFolder])
def test_a_summary_says_running_from_the_start_and_keeps_each_update(tmp_path, as_):
    run = RunSummary(as_(tmp_path / "run"), seed=3)
    assert run.folder.root == tmp_path / "run"
    assert _read(tmp_path / "run" / "summary.json") == {"status": "running", "seed": 3}
    run.update(epochs=2, val={"acc": 0.5})
    run.update(epochs=3)
    assert _read(tmp_path / "run" / "summary.json") == {
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


def test_the_files_of_a_run_folder(tmp_path):
    run = RunFolder(tmp_path)
    assert repr(run) == f"RunFolder({str(tmp_path)!r})"
    named = {
        run.config: "config.yaml",
        run.summary: "summary.json",
        run.checkpoints: "checkpoints",
        run.last_checkpoint: "checkpoints/last.ckpt",
        run.predictions: "predictions.csv",
        run.hydra_config: ".hydra/config.yaml",
        run.hydra_settings: ".hydra/hydra.yaml",
        run.hydra_overrides: ".hydra/overrides.yaml",
        run.picture(RunFolder.learning_curves_png): "learning_curves.png",
        run.model_file("onnx"): "model.onnx",
        run.model_file("torchscript"): "model.pt",
        run.fold(2).summary: "fold_2/summary.json",
    }
    assert {path: path.relative_to(tmp_path).as_posix() for path in named} == named


@pytest.mark.parametrize("ckpt", ["checkpoints/epoch=3.ckpt", "last.ckpt"])
def test_the_run_folder_of_a_checkpoint(tmp_path, ckpt):
    assert RunFolder.of_checkpoint(tmp_path / ckpt).root == tmp_path


def test_what_a_run_folder_reads_back(tmp_path):
    run = RunFolder(tmp_path)
    assert (run.overrides(), run.read_summary(), run.status(), run.saved_config()) == (
        [],
        {},
        None,
        None,
    )
    run.summary.write_text('{"status": "compl')  # a run that died writing it
    assert run.read_summary() == {} and run.status() is None
    run.write_summary({"status": "failed"})
    assert run.status() == "failed"
    run.hydra_overrides.parent.mkdir()
    run.hydra_overrides.write_text("- model=mlp\n- optimizer.lr=0.1\n")
    assert run.overrides() == ["model=mlp", "optimizer.lr=0.1"]
    run.hydra_config.write_text("seed: 1\n")
    assert run.saved_config() == {"seed": 1}  # Hydra's own, when there is no resolved copy
    run.config.write_text("seed: 2\n")
    assert run.saved_config() == {"seed": 2}


def test_the_saved_config_is_resolved_and_masked(tmp_path):
    cfg = OmegaConf.create({"lr": 0.1, "copy": "${lr}", "logger": {"api_key": "abcdef123"}})
    RunFolder(tmp_path).save_config(cfg)
    saved = OmegaConf.to_container(OmegaConf.load(tmp_path / "config.yaml"))  # as written
    assert saved == {
        "lr": 0.1,
        "copy": 0.1,
        "logger": {"api_key": "***"},
    }
    SweepFolder(tmp_path).save_config(cfg)  # a sweep's: as Hydra composed it
    assert (tmp_path / "multirun.yaml").read_text() == OmegaConf.to_yaml(cfg)


@pytest.mark.parametrize("variable", RANK_VARIABLES)
def test_only_rank_zero_writes(tmp_path, monkeypatch, variable):
    monkeypatch.setenv(variable, "1")
    run = RunFolder(tmp_path / "run")
    run.write_summary({"status": "running"})
    run.save_config(OmegaConf.create({"seed": 0}))
    assert not (tmp_path / "run").exists()


def test_a_sweep_folder_lists_the_jobs_hydra_started(tmp_path):
    for job in ("1", "0", "10", "notes"):
        (tmp_path / job).mkdir()
    for job in ("1", "0", "10"):
        (tmp_path / job / ".hydra").mkdir()
    sweep = SweepFolder(tmp_path)
    assert [job.root.name for job in sweep.jobs()] == ["0", "1", "10"]
    names = [sweep.config, sweep.summary_csv, sweep.summary_png, sweep.cv_summary]
    assert [p.relative_to(tmp_path).as_posix() for p in names] == [
        "multirun.yaml",
        "sweep_summary.csv",
        "sweep_summary.png",
        "cv_summary.json",
    ]


def test_json_is_written_as_plain_types(tmp_path):
    path = tmp_path / "new" / "folder" / "data.json"  # the folders are made
    write_json_atomic(
        path,
        {
            "loss": torch.tensor(0.5),
            "count": np.int64(3),
            "shares": (np.float32(0.25), math.nan, -math.inf),
            1: [Path("a/b"), None, True, "x"],
        },
    )
    assert path.read_text() == (
        "{\n"
        '  "loss": 0.5,\n'
        '  "count": 3,\n'
        '  "shares": [\n    0.25,\n    null,\n    null\n  ],\n'
        '  "1": [\n    "a/b",\n    null,\n    true,\n    "x"\n  ]\n'
        "}\n"
    )
    write_text_atomic(path, "replaced")
    assert path.read_text() == "replaced"
    assert [p.name for p in path.parent.iterdir()] == ["data.json"]


def test_the_temporary_file_is_hidden_beside_the_file(tmp_path, monkeypatch):
    seen = []
    dump = run_folder.json.dump

    def watched(data, file, **kwargs):
        seen.extend(p.name for p in tmp_path.iterdir())
        dump(data, file, **kwargs)

    monkeypatch.setattr(run_folder.json, "dump", watched)
    write_json_atomic(tmp_path / "summary.json", {"status": "running"})
    (temporary,) = seen  # on the same file system: the rename is atomic
    assert temporary.startswith(".summary.json.") and temporary.endswith(".tmp")
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path):
    path = tmp_path / "summary.json"
    write_json_atomic(path, {"status": "running"})
    with pytest.raises(TypeError, match="not JSON serializable"):
        write_json_atomic(path, {"status": "completed", "model": object()})
    assert _read(path) == {"status": "running"}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]
