"""`make export format=onnx` from a trained run's checkpoint: the file runs in ONNX Runtime at
any batch size and scores the run's own test split as the run did; an image net trained at
another size than the images resizes inside the file as `make predict` does; a text net takes
token ids; a model ONNX cannot express stops the command with the cause in one message."""

from pathlib import Path

import hydra
import numpy as np
import onnx
import onnxruntime
import pandas as pd
import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from dlkit.saved.inference import InferenceModel
from dlkit.training.run import train
from dlkit_onnx.onnx_format import Onnx
from tests.exports import exported_difference
from tests.helpers import CONFIG_DIR, FEW_BATCHES, compose_config, read_summary, run, run_module
from tests.models.nets import PAIRS, build_net
from tests.models.synthetic import SHAPES, synthetic_data
from tests.test_export_nets import VARIANTS


def _export(run_dir: Path, folder: Path) -> dict:
    """`make export ckpt_path=<the run's best checkpoint> format=onnx` (its entry module, in
    this process): the command's summary.json."""
    best = read_summary(run_dir)["best_checkpoint"]
    code = run_module(
        "dlkit.cli.export", f"ckpt_path={best}", "format=onnx", f"hydra.run.dir={folder}"
    )
    assert code == 0
    return read_summary(folder)


def _test_split(run_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """The run's test samples as its data module holds them, and their labels, rebuilt from the
    run's saved config; as many as the run scored (it may have tested a few batches only)."""
    datamodule = hydra.utils.instantiate(OmegaConf.load(run_dir / "config.yaml").data)
    datamodule.setup("test")
    x, y = datamodule.datasets["test"].tensors
    scored = int(np.sum(read_summary(run_dir)["test_report"]["confusion_matrix"]["counts"]))
    x = x[:scored].float().div(255) if x.dtype == torch.uint8 else x[:scored]  # as exported
    return x.numpy(), y[:scored].numpy()


def _run_onnx(path: Path, x: np.ndarray) -> np.ndarray:
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x})[0]


def test_make_export_onnx_scores_the_runs_test_accuracy(trained_run, tmp_path):
    summary = _export(trained_run, tmp_path / "export")
    assert summary["status"] == "completed" and summary["format"] == "onnx"
    path = Path(summary["model_file"])
    assert path == tmp_path / "export" / "model.onnx"
    assert summary["parity"]["max_abs_diff"] <= 1e-5

    x, labels = _test_split(trained_run)
    exported = _run_onnx(path, x)
    assert len(x) not in (2, summary["parity"]["samples"])  # another batch size than exported
    assert exported.shape == (len(x), 10)
    assert exported.sum(axis=1) == pytest.approx(np.ones(len(x)), abs=1e-5)  # probabilities
    accuracy = (exported.argmax(axis=1) == labels).mean()
    assert accuracy == pytest.approx(read_summary(trained_run)["test"]["acc"], abs=1e-6)


def test_an_image_net_trained_at_another_size_resizes_inside_the_onnx_file(tmp_path, data_dir):
    """Digits (8x8) fed to a CNN at 12x12: the exported file takes the 8x8 images, resizes and
    standardizes them itself, and gives the probabilities `make predict` gives."""
    run_dir = tmp_path / "run"
    overrides = ["model=cnn", "+data.net_inputs={size:[12,12]}", "trainer.max_epochs=1"]
    train(compose_config("train", [*overrides, *FEW_BATCHES], run_dir, data_dir))
    summary = _export(run_dir, tmp_path / "export")
    assert summary["status"] == "completed" and summary["input_shape"] == ["batch", 1, 8, 8]

    x, _ = _test_split(run_dir)
    np.save(tmp_path / "inputs.npy", x)
    best = read_summary(run_dir)["best_checkpoint"]
    folder = tmp_path / "predict"
    code = run_module(
        "dlkit.cli.predict",
        f"ckpt_path={best}",
        f"input={tmp_path / 'inputs.npy'}",
        f"hydra.run.dir={folder}",
    )
    assert code == 0
    predictions = pd.read_csv(read_summary(folder)["predictions"])
    columns = [c for c in predictions.columns if c.startswith("probability_")]
    assert len(columns) == 10
    path = Path(summary["model_file"])
    assert "Resize" in {node.op_type for node in onnx.load(path).graph.node}
    probabilities = _run_onnx(path, x)
    # ONNX Runtime's resize differs from PyTorch's in the fourth decimal
    np.testing.assert_allclose(probabilities, predictions[columns].to_numpy(), atol=1e-3)


@pytest.mark.slow  # a whole process importing torch, Lightning and the ONNX exporter
def test_make_export_format_onnx_as_a_user_types_it(trained_run, tmp_path):
    best = read_summary(trained_run)["best_checkpoint"]
    result = run("make", "export", f"ckpt_path={best}", "format=onnx", f"hydra.run.dir={tmp_path}")
    said = result.stdout + result.stderr
    assert result.returncode == 0, said[-3000:]
    assert "max |exported - pytorch|" in said
    assert "onnx_ir" not in said and "onnxscript" not in said  # the exporter's passes, quiet
    x, _ = _test_split(trained_run)
    assert _run_onnx(tmp_path / "model.onnx", x[:5]).shape == (5, 10)


def _keyword_texts(path: Path, n: int = 150) -> Path:
    """A CSV of short texts whose class is named by one keyword among filler words."""
    rng = np.random.default_rng(0)
    keywords = {"politics": "vote", "sports": "goal", "weather": "rain"}
    rows = []
    for i in range(n):
        team = list(keywords)[i % len(keywords)]
        words = list(rng.choice(["the", "a", "some", "very", "of", "and"], size=rng.integers(1, 6)))
        words.insert(int(rng.integers(0, len(words) + 1)), keywords[team])
        rows.append({"body": " ".join(words), "team": team})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_a_text_net_exported_as_onnx_takes_token_ids(tmp_path, data_dir):
    pytest.importorskip("dlkit_text")
    run_dir = tmp_path / "run"
    texts = _keyword_texts(tmp_path / "texts.csv")
    overrides = [
        "data=text_csv",
        f"data.path={texts}",
        "data.text_column=body",
        "data.target=team",
        "data.tokenizer=word",
        "data.vocab_size=100",
        "trainer.max_epochs=1",
    ]
    train(compose_config("train", [*overrides, *FEW_BATCHES], run_dir, data_dir))
    summary = _export(run_dir, tmp_path / "export")
    assert summary["status"] == "completed"
    path = Path(summary["model_file"])
    assert onnx.load(path).graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT64

    ids, labels = _test_split(run_dir)
    assert ids.dtype == np.int64  # token ids as the data module holds them, not floats
    exported = _run_onnx(path, ids)
    accuracy = (exported.argmax(axis=1) == labels).mean()
    assert accuracy == pytest.approx(read_summary(run_dir)["test"]["acc"], abs=1e-6)


class _WithEigenvalues(InferenceModel):
    """The trained model plus a term (zero) from eigenvalues, which torch.export expresses and
    ONNX has no operator for."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.flatten(1)
        eigenvalues = torch.linalg.eigvals(flat.T @ flat).real.sum()
        return super().forward(x) + 0 * eigenvalues


class _SpecialCasingPairs(InferenceModel):
    """The trained model, with code that asks whether the batch is a pair: torch.export cannot
    keep the batch axis free, and the exporter falls back to the example's batch size."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        probabilities = super().forward(x)
        return probabilities.clone() if x.shape[0] == 2 else probabilities


@pytest.mark.parametrize(
    ("model", "cause"),
    [
        (_WithEigenvalues, "No ONNX function found for <OpOverload(op='aten.linalg_eig'"),
        (_SpecialCasingPairs, "the exported graph takes batches of exactly 2"),
    ],
    ids=["an_operator_onnx_lacks", "a_fixed_batch_size"],
)
def test_a_model_onnx_cannot_express_stops_with_its_cause_in_one_message(
    trained_run, tmp_path, monkeypatch, capsys, model, cause
):
    monkeypatch.setattr("dlkit.saved.export.InferenceModel", model)
    best = read_summary(trained_run)["best_checkpoint"]
    code = run_module(
        "dlkit.cli.export", f"ckpt_path={best}", "format=onnx", f"hydra.run.dir={tmp_path}"
    )
    assert code == 2
    said = capsys.readouterr()
    text = said.out + said.err
    assert "this model cannot be exported as onnx" in text and "Traceback" not in text
    assert cause in text and "try another format" in text
    assert read_summary(tmp_path)["status"] == "failed"
    assert not (tmp_path / "model.onnx").exists()  # no file that would fail in the runtime


# every net of the course, written at one batch size, run back in ONNX Runtime at another
CORE_NETS = [(m, modality, {}) for m, modality in PAIRS] + [
    (m, "sequence", switches) for m, switches in VARIANTS
]


@pytest.mark.slow  # an ONNX export per net: seconds each
@pytest.mark.parametrize(("model", "modality", "switches"), CORE_NETS, ids=str)
def test_every_net_exports_to_onnx_with_a_free_batch_size(tmp_path, model, modality, switches):
    net = build_net(model, SHAPES[modality], **switches)
    inputs = lambda n: torch.randn(n, *SHAPES[modality])  # noqa: E731
    assert exported_difference(Onnx(), net, inputs, tmp_path) <= 1e-4


TEXT_NETS = [
    ("text_cnn", ()),
    ("text_mlp", ()),
    ("text_transformer", ()),
    ("text_rnn", ("model.net.bidirectional=true",)),
    ("text_lstm", ("model.net.bidirectional=true", "model.net.pooling=mean")),
    ("text_gru", ("model.net.bidirectional=true", "model.net.num_layers=2")),
]


@pytest.mark.slow  # an ONNX export per net: seconds each
@pytest.mark.parametrize(("model", "switches"), TEXT_NETS, ids=str)
def test_every_text_net_exports_to_onnx_with_a_free_batch_size(tmp_path, model, switches):
    pytest.importorskip("dlkit_text")
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        config = compose("train", overrides=[f"model={model}", *switches]).model.net
    config = OmegaConf.to_container(config)
    net = hydra.utils.get_class(config.pop("_target_"))
    net = net(**config, input_shape=(12,), num_outputs=3, vocab_size=50, padding_id=0)

    def token_ids(n: int) -> torch.Tensor:  # texts of 3 to 10 tokens, padded at the end
        ids = torch.randint(1, 50, (n, 12))
        for i in range(n):
            ids[i, 3 + i % 8 :] = 0
        return ids

    assert exported_difference(Onnx(), net, token_ids, tmp_path) <= 1e-4


@pytest.mark.slow  # a training run and an ONNX export
def test_make_export_onnx_of_a_transformer_run(tmp_path, data_dir):
    """ONNX, the Transformer and a free batch size (the file took batches of exactly 2)."""
    run_dir = tmp_path / "run"
    overrides = ["model=transformer", *synthetic_data("sequence"), "trainer.max_epochs=1"]
    train(compose_config("train", [*overrides, *FEW_BATCHES], run_dir, data_dir))
    summary = _export(run_dir, tmp_path / "export")
    assert summary["parity"]["samples"] > 2 and summary["parity"]["max_abs_diff"] <= 1e-4
    graph = onnx.load(summary["model_file"]).graph
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param  # a named, free batch axis
