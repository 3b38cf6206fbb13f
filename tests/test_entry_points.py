"""`make eval`, `make predict` and `make export` from a trained run's checkpoint, through their
entry modules: each scores the run's own test split as the run itself did."""

import subprocess
import sys
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
import pytest
import torch
from omegaconf import OmegaConf

from dlkit.saved.evaluate import evaluate
from dlkit.training.run import train
from tests.helpers import compose_config, read_summary, run, run_module


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict:
    """One short training run shared by the tests of this file: its summary.json, and its test
    split's own samples and labels, rebuilt from the run's saved config."""
    root = tmp_path_factory.mktemp("trained")
    cfg = compose_config(
        "train", ["data=wine", "model=mlp", "trainer.max_epochs=3"], root / "run", root / "data"
    )
    train(cfg)
    datamodule = hydra.utils.instantiate(OmegaConf.load(root / "run" / "config.yaml").data)
    datamodule.setup("test")
    x, y = datamodule.datasets["test"].tensors
    np.save(root / "test_inputs.npy", x.numpy())
    return {
        "summary": read_summary(root / "run"),
        "data_dir": root / "data",
        "test_inputs": root / "test_inputs.npy",
        "test_labels": y.numpy(),
        "class_names": datamodule.class_names,
    }


def _command(name: str, trained: dict, folder: Path, *overrides: str) -> dict:
    """`make <name> ckpt_path=<the run's best checkpoint> …` (its entry module, in this process):
    the command's summary.json."""
    best = trained["summary"]["best_checkpoint"]
    code = run_module(
        f"dlkit.cli.{name}", f"ckpt_path={best}", f"hydra.run.dir={folder}", *overrides
    )
    assert code == 0
    return read_summary(folder)


def test_make_eval_reproduces_the_training_runs_test_metrics(trained, tmp_path):
    summary = _command("eval", trained, tmp_path / "eval", f"paths.data_dir={trained['data_dir']}")
    assert summary["status"] == "completed"
    assert summary["test"].keys() == trained["summary"]["test"].keys()
    for key, value in trained["summary"]["test"].items():
        assert summary["test"][key] == pytest.approx(value, abs=1e-6), key
    assert summary["test_report"] == trained["summary"]["test_report"]
    assert (tmp_path / "eval" / "confusion_matrix.png").is_file()


def test_make_predict_on_the_test_split_scores_the_runs_test_accuracy(trained, tmp_path):
    summary = _command("predict", trained, tmp_path / "p", f"input={trained['test_inputs']}")
    written = pd.read_csv(summary["predictions"])
    names = np.array(trained["class_names"])
    assert len(written) == summary["num_inputs"] == len(trained["test_labels"])
    accuracy = (written["prediction"].to_numpy() == names[trained["test_labels"]]).mean()
    assert accuracy == pytest.approx(trained["summary"]["test"]["acc"], abs=1e-6)


def test_eval_without_a_checkpoint_says_what_to_pass(tmp_path, data_dir):
    cfg = compose_config("eval", [], tmp_path / "eval", data_dir)
    with pytest.raises(ValueError, match=r"no checkpoint given: make eval ckpt_path="):
        evaluate(cfg)
    assert read_summary(tmp_path / "eval")["status"] == "failed"


@pytest.mark.parametrize("fmt", ["torch_export", "torchscript"])
def test_make_export_scores_the_runs_test_accuracy(trained, tmp_path, fmt):
    summary = _command("export", trained, tmp_path / "export", f"format={fmt}")
    assert summary["status"] == "completed" and summary["format"] == fmt
    path = Path(summary["model_file"])
    assert path.parent == tmp_path / "export"

    x = np.load(trained["test_inputs"])  # the samples as the data set holds them
    if fmt == "torch_export":
        exported = _run_without_the_project(path, torch.from_numpy(x))
    else:
        exported = torch.jit.load(str(path))(torch.from_numpy(x)).detach().numpy()
    assert exported.shape == (len(x), 3)  # another batch size than the one exported with
    assert exported.sum(axis=1) == pytest.approx(np.ones(len(x)), abs=1e-5)  # probabilities
    accuracy = (exported.argmax(axis=1) == trained["test_labels"]).mean()
    assert accuracy == pytest.approx(trained["summary"]["test"]["acc"], abs=1e-6)


def _run_without_the_project(program: Path, x: torch.Tensor) -> np.ndarray:
    """The `.pt2` program run by plain torch, in a process where `dlkit` cannot be imported."""
    np.save(program.with_name("x.npy"), x.numpy())
    code = (
        "import sys; sys.modules['dlkit'] = None\n"  # any import of the project fails
        "import numpy as np, torch\n"
        f"m = torch.export.load({str(program)!r}).module()\n"
        f"x = torch.from_numpy(np.load({str(program.with_name('x.npy'))!r}))\n"
        f"np.save({str(program.with_name('y.npy'))!r}, m(x).detach().numpy())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return np.load(program.with_name("y.npy"))


def test_export_of_an_unknown_format_lists_the_formats(trained, tmp_path, capsys):
    best = trained["summary"]["best_checkpoint"]
    code = run_module(
        "dlkit.cli.export", f"ckpt_path={best}", "format=pickle", f"hydra.run.dir={tmp_path}"
    )
    assert code == 2
    said = capsys.readouterr().err
    assert "Could not find 'format/pickle'" in said and "torch_export" in said


@pytest.mark.slow  # three processes, each importing torch and Lightning
def test_make_eval_predict_and_export(trained, tmp_path):
    best = trained["summary"]["best_checkpoint"]
    result = run("make", "eval", f"ckpt_path={best}", f"hydra.run.dir={tmp_path / 'eval'}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert read_summary(tmp_path / "eval")["test"] == pytest.approx(trained["summary"]["test"])
    result = run(
        "make",
        "export",
        f"ckpt_path={best}",
        "format=torchscript",
        f"hydra.run.dir={tmp_path / 'exp'}",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "exp" / "model.pt").is_file()
    np.save(tmp_path / "rows.npy", np.random.default_rng(0).normal(size=(4, 13)).astype("float32"))
    result = run(
        "make",
        "predict",
        f"ckpt_path={best}",
        f"input={tmp_path / 'rows.npy'}",
        f"hydra.run.dir={tmp_path}/p",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(pd.read_csv(tmp_path / "p" / "predictions.csv")) == 4
