"""A failure whose reason is clear ends with one message and exit code 2, never a traceback.

The entry points turn every `dlkit.errors.BadInput` into that ending: each entry point is run
once as `make` starts it (`python -m dlkit.cli.<command>`, a fresh process) to show it, and the
other failures are checked to raise a `BadInput` with their message, in this process (a fresh
process per case would cost seconds of imports each).
"""

import pickle
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from dlkit.errors import BadInput
from dlkit.saved.evaluate import evaluate
from dlkit.saved.export import export
from dlkit.saved.predict import predict
from dlkit.training.run import train
from tests.helpers import (
    ROOT,
    TINY,
    clean_environment,
    compose_config,
    output,
    read_summary,
    run_module,
)


def _run(command: str, *overrides: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", f"dlkit.cli.{command}", *overrides],
        cwd=ROOT,
        env={**clean_environment(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _one_message(result: subprocess.CompletedProcess, words: str) -> None:
    text = output(result)
    assert result.returncode == 2, text[-3000:]
    assert words in text, text[-3000:]
    assert "Traceback" not in text, text[-3000:]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    """The best checkpoint of one tiny digits run, inside its run folder."""
    root = tmp_path_factory.mktemp("trained")
    train(compose_config("train", list(TINY), root / "run", root / "data"))
    return Path(read_summary(root / "run")["best_checkpoint"])


def _predict(checkpoint: Path, inputs: Path, folder: Path) -> None:
    cfg = compose_config("predict", [f"ckpt_path={checkpoint}", f"input={inputs}"], folder, folder)
    predict(cfg)


def test_a_missing_checkpoint(tmp_path):
    result = _run(
        "predict", f"ckpt_path={tmp_path}/none.ckpt", "input=x.npz", f"paths.log_dir={tmp_path}"
    )
    _one_message(result, f"ckpt_path must name an existing file, but '{tmp_path}/none.ckpt'")


def test_a_checkpoint_outside_a_run_folder(checkpoint, tmp_path):
    alone = tmp_path / "alone.ckpt"
    alone.write_bytes(checkpoint.read_bytes())
    cfg = compose_config("eval", [f"ckpt_path={alone}"], tmp_path / "eval", tmp_path)
    with pytest.raises(BadInput, match=r"no config\.yaml in"):
        evaluate(cfg)
    assert read_summary(tmp_path / "eval")["status"] == "failed"


class _Payload:
    """Unpickling this writes a file: proof that loading ran code."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.write_text, (self.path, "code ran"))


def test_a_checkpoint_carrying_code_is_refused_not_run(checkpoint, tmp_path):
    """Loading uses `weights_only=True`: a pickled object in a checkpoint stops the command."""
    run_dir = checkpoint.parent.parent
    evil = checkpoint.with_name("evil.ckpt")
    marker = tmp_path / "payload_ran"
    with zipfile.ZipFile(checkpoint) as source, zipfile.ZipFile(evil, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith("data.pkl"):  # the checkpoint's object tree
                data = pickle.dumps({"state_dict": {}, "payload": _Payload(marker)}, protocol=2)
            target.writestr(item, data)
    np.savez(tmp_path / "x.npz", x=np.zeros((2, 1, 8, 8), np.float32))
    with pytest.raises(BadInput, match="holds objects that only running code could rebuild"):
        _predict(evil, tmp_path / "x.npz", tmp_path / "predict")
    cfg = compose_config("export", [f"ckpt_path={evil}"], tmp_path / "export", tmp_path)
    with pytest.raises(BadInput, match="holds objects that only running code could rebuild"):
        export(cfg)
    assert not marker.exists(), "loading the checkpoint ran its code"
    assert run_dir.is_dir()


def test_a_damaged_checkpoint(checkpoint, tmp_path):
    cut = checkpoint.with_name("cut.ckpt")
    cut.write_bytes(checkpoint.read_bytes()[: checkpoint.stat().st_size // 2])
    np.savez(tmp_path / "x.npz", x=np.zeros((2, 1, 8, 8), np.float32))
    with pytest.raises(BadInput, match="is damaged or not a PyTorch checkpoint"):
        _predict(cut, tmp_path / "x.npz", tmp_path / "predict")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"hello, I am no checkpoint\n", "is damaged or not a PyTorch checkpoint (KeyError"),
        ("tensor", "no checkpoint of a run (it holds a Tensor, no state_dict)"),
        ("dict", "no checkpoint of a run (it holds a dict of ['weights'], no state_dict)"),
    ],
    ids=["text", "a_tensor", "a_dict_of_other_things"],
)
def test_make_eval_of_a_file_that_is_no_checkpoint(checkpoint, tmp_path, capsys, content, words):
    """Another file named `.ckpt` in a run's checkpoints/: one message, exit 2."""
    run_dir = tmp_path / "run"
    shutil.copytree(checkpoint.parent.parent, run_dir)
    other = run_dir / "checkpoints" / "notes.ckpt"
    if content == "tensor":
        torch.save(torch.zeros(3), other)
    elif content == "dict":
        torch.save({"weights": torch.zeros(3)}, other)
    else:
        other.write_bytes(content)
    code = run_module("dlkit.cli.eval", f"ckpt_path={other}", f"hydra.run.dir={tmp_path / 'e'}")
    said = capsys.readouterr()
    assert code == 2
    assert words in said.out + said.err and "Traceback" not in said.out + said.err
    assert read_summary(tmp_path / "e")["status"] == "failed"


def test_a_precision_lightning_does_not_know(tmp_path, capsys):
    code = run_module("dlkit.cli.train", *TINY, "trainer.precision=bf17",
                      f"hydra.run.dir={tmp_path}", f"paths.data_dir={tmp_path / 'data'}")  # fmt: skip
    said = capsys.readouterr()
    assert code == 2
    text = said.out + said.err
    assert "the Trainer refuses its settings" in text and "Precision 'bf17' is invalid" in text
    assert "bf16-mixed" in text and "Traceback" not in text  # the values it takes
    assert read_summary(tmp_path)["status"] == "failed"


def test_inputs_of_another_shape(checkpoint, tmp_path):
    np.savez(tmp_path / "x.npz", x=np.zeros((3, 1, 5, 5), np.float32))
    with pytest.raises(BadInput, match=r"per sample, but the model was trained on \(1, 8, 8\)"):
        _predict(checkpoint, tmp_path / "x.npz", tmp_path / "predict")


def test_a_gpu_trainer_without_a_gpu(compose_train):
    cfg = compose_train(*TINY, "trainer=gpu")
    with pytest.raises(BadInput, match="trainer=gpu and trainer=ddp need CUDA GPUs"):
        train(cfg)
    assert read_summary(cfg)["status"] == "failed"


def test_a_diverged_run(compose_train):
    cfg = compose_train(*TINY, "optimizer.lr=1e6", "scheduler=none")
    with pytest.raises(BadInput, match="the run diverged"):
        train(cfg)


@pytest.mark.parametrize(
    ("override", "words"),
    [("trainer.max_epoch=3", "did you mean trainer.max_epochs?"), ("model=cnnn", "model/cnnn")],
)
def test_what_hydra_rejects(override, words, tmp_path):
    _one_message(_run("train", override, f"hydra.run.dir={tmp_path}"), words)
