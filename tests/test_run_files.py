"""The files of a run folder, without a run (`dlkit.runs.folder`): the paths of `RunFolder` and
`SweepFolder`, what they read back, and the writes that replace a file whole or not at all."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from dlkit.runs import folder as run_folder
from dlkit.runs.distributed import RANK_VARIABLES
from dlkit.runs.folder import (
    RunFolder,
    SweepFolder,
    write_json_atomic,
    write_text_atomic,
)


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
        run.fold(2).summary: "fold_2/summary.json",
        run.metrics: "metrics.csv",
        run.lock: ".run.lock",
    }
    assert {path: path.relative_to(tmp_path).as_posix() for path in named} == named


def test_the_files_of_a_sweep(tmp_path):
    """The names README's tables give for a sweep's root."""
    sweep = SweepFolder(tmp_path)
    named = {
        sweep.config: "multirun.yaml",
        sweep.summary_csv: "sweep_summary.csv",
        sweep.summary_png: "sweep_summary.png",
        sweep.cv_summary: "cv_summary.json",
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
    assert json.loads(path.read_text()) == {"status": "running"}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_config_nodes_are_written_as_plain_json(tmp_path):
    """A bad `++seed=[1,2]` is recorded with its failed run, not a second error."""
    folder = RunFolder(tmp_path)
    folder.write_summary({"seed": OmegaConf.create([1, 2]), "data": OmegaConf.create({"a": 1})})
    assert json.loads(folder.summary.read_text()) == {"seed": [1, 2], "data": {"a": 1}}
