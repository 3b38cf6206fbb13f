"""`make eval` and `make export` from a trained run's checkpoint (through Hydra compose, and make)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime
import pandas as pd
import pytest
import torch

from dlkit.saved.evaluate import evaluate
from dlkit.saved.export import export
from dlkit.saved.load import load_run
from dlkit.training.run import train
from tests.cli import run_make
from tests.conftest import compose_config, read_summary


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict:
    """One short training run shared by the tests of this file: its summary.json."""
    root = tmp_path_factory.mktemp("trained")
    cfg = compose_config(
        "train", ["data=wine", "model=mlp", "trainer.max_epochs=3"], root / "run", root / "data"
    )
    train(cfg)
    return {"summary": read_summary(root / "run"), "data_dir": root / "data"}


def test_eval_reproduces_the_training_runs_test_metrics(trained, tmp_path):
    best = trained["summary"]["best_checkpoint"]
    cfg = compose_config("eval", [f"ckpt_path={best}"], tmp_path / "eval", trained["data_dir"])
    evaluate(cfg)
    summary = read_summary(tmp_path / "eval")
    assert summary["status"] == "completed"
    assert summary["test"].keys() == trained["summary"]["test"].keys()
    for key, value in trained["summary"]["test"].items():
        assert summary["test"][key] == pytest.approx(value, abs=1e-6), key
    assert summary["test_report"] == trained["summary"]["test_report"]
    assert (tmp_path / "eval" / "confusion_matrix.png").is_file()


def test_eval_without_a_checkpoint_says_what_to_pass(tmp_path, data_dir):
    cfg = compose_config("eval", [], tmp_path / "eval", data_dir)
    with pytest.raises(ValueError, match=r"no checkpoint given: make eval ckpt_path="):
        evaluate(cfg)
    assert read_summary(tmp_path / "eval")["status"] == "failed"


def _reference(ckpt_path: str, x: torch.Tensor) -> np.ndarray:
    """PyTorch's predictions the way training computes them: data module transform, task module."""
    run = load_run(ckpt_path, "export")
    with torch.inference_mode():
        return run.model.predict_from_outputs(run.model(run.datamodule.transform_batch(x))).numpy()


@pytest.mark.parametrize("fmt", ["onnx", "torch_export", "torchscript"])
def test_export_matches_pytorch(trained, tmp_path, fmt):
    best = trained["summary"]["best_checkpoint"]
    cfg = compose_config(
        "export", [f"ckpt_path={best}", f"format={fmt}"], tmp_path / "export", trained["data_dir"]
    )
    export(cfg)
    summary = read_summary(tmp_path / "export")
    assert summary["status"] == "completed" and summary["format"] == fmt
    path = Path(summary["model_file"])
    assert path.parent == tmp_path / "export"

    x = torch.rand(5, 13) * 10  # another batch size than the one exported with
    if fmt == "onnx":
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        exported = session.run(None, {"input": x.numpy()})[0]
    elif fmt == "torch_export":
        exported = _run_without_the_project(path, x)
    else:
        exported = torch.jit.load(str(path))(x).detach().numpy()
    assert exported.shape == (5, 3)
    np.testing.assert_allclose(exported, _reference(best, x), atol=1e-5)
    assert exported.sum(axis=1) == pytest.approx(np.ones(5), abs=1e-5)  # probabilities


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


def test_export_of_an_unknown_format_fails_clearly(trained, tmp_path):
    best = trained["summary"]["best_checkpoint"]
    cfg = compose_config(
        "export", [f"ckpt_path={best}", "format=pickle"], tmp_path / "export", trained["data_dir"]
    )
    with pytest.raises(
        ValueError, match="unknown export format=pickle: choose torch_export or onnx or torchscript"
    ):
        export(cfg)


@pytest.mark.slow  # three processes, each importing torch and Lightning
def test_make_eval_predict_and_export(trained, tmp_path):
    best = trained["summary"]["best_checkpoint"]
    result = run_make("eval", f"ckpt_path={best}", f"hydra.run.dir={tmp_path / 'eval'}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert read_summary(tmp_path / "eval")["test"] == pytest.approx(trained["summary"]["test"])
    result = run_make(
        "export", f"ckpt_path={best}", "format=torchscript", f"hydra.run.dir={tmp_path / 'exp'}"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "exp" / "model.pt").is_file()
    np.save(tmp_path / "rows.npy", np.random.default_rng(0).normal(size=(4, 13)).astype("float32"))
    result = run_make(
        "predict",
        f"ckpt_path={best}",
        f"input={tmp_path / 'rows.npy'}",
        f"hydra.run.dir={tmp_path}/p",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(pd.read_csv(tmp_path / "p" / "predictions.csv")) == 4
