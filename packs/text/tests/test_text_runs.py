"""Texts through `make train`, `make predict`, `make eval` and `make export`: every text model
option learns, the fitted tokenizer travels with the run, the TF-IDF baseline shares the split,
and predictions name their texts."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from omegaconf import OmegaConf
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from tokenizers import Tokenizer

from dlkit.saved.evaluate import evaluate
from dlkit.saved.export import export
from dlkit.saved.load import load_run
from dlkit.training.run import train
from tests.helpers import FEW_BATCHES, compose_config, output, read_summary, run
from tests.models.probes import CountHostReads

# small versions of every text model option
TINY_TEXT_NETS = {
    "text_mlp": ["model.net.hidden_sizes=[32]"],
    "text_cnn": ["model.net.channels=[16]"],
    "text_rnn": ["model.net.hidden_size=32", "model.net.num_layers=1"],
    "text_lstm": ["model.net.hidden_size=32", "model.net.num_layers=1"],
    "text_gru": ["model.net.hidden_size=32", "model.net.num_layers=1"],
    "text_transformer": [
        "model.net.d_model=32",
        "model.net.num_heads=2",
        "model.net.num_layers=1",
    ],
}
# the fixture `trained` runs a GRU in the fast suite; the default text_cnn learns there too, the
# other options' runs are slow tests (test_text_nets trains each one directly, in seconds)
LEARNERS = [
    model if model == "text_cnn" else pytest.param(model, marks=pytest.mark.slow)
    for model in TINY_TEXT_NETS
]


@pytest.mark.parametrize("data", ["surnames", "text_csv", "text_folder"])
def test_text_data_train_the_text_cnn_unless_told(compose_train, data):
    assert compose_train(f"data={data}").model.net._target_.endswith("TextCNN")
    assert compose_train(f"data={data}", "model=text_gru").model.net.cell == "gru"


@pytest.mark.parametrize("model", LEARNERS)
def test_every_text_model_option_learns_through_train(
    compose_train, tmp_path, model, text_csv_overrides
):
    cfg = compose_train(
        *text_csv_overrides(tmp_path / "texts.csv"),
        "data.tokenizer=word",  # the keyword is one token: a few steps find it
        f"model={model}",
        *TINY_TEXT_NETS[model],
        "trainer.max_epochs=8",
        "scheduler=none",
        "optimizer.lr=0.01",
        "~callbacks.reports",
        "~callbacks.early_stopping",
        *FEW_BATCHES,
    )
    train(cfg)
    summary = read_summary(cfg)
    assert summary["status"] == "completed"
    assert summary["test"]["acc"] > 0.7, summary["test"]  # three classes: chance is 1/3


def test_regression_on_texts_beside_its_baseline(compose_train, tmp_path, text_csv_overrides):
    """`task=regression` on a text column of numbers; the TF-IDF baseline fits Ridge."""
    cfg = compose_train(
        *text_csv_overrides(tmp_path / "texts.csv"),
        "data.target=stars",
        "task=regression",
        "data.tokenizer=word",
        *TINY_TEXT_NETS["text_mlp"],
        "model=text_mlp",
        "baseline=tfidf_logistic_regression",
        "trainer.max_epochs=1",
        "~callbacks.reports",
        *FEW_BATCHES,
    )
    train(cfg)
    summary = read_summary(cfg)
    assert summary["status"] == "completed" and "r2" in summary["test"]
    # the count of "good" sets the number: TF-IDF + Ridge finds much of it (the mean: r2 = 0)
    assert summary["baseline"]["test"]["r2"] > 0.5


@pytest.fixture(scope="module")
def trained(tmp_path_factory, text_csv_overrides) -> dict:
    """A GRU on the keyword texts beside the TF-IDF baseline, with every report."""
    root = tmp_path_factory.mktemp("text_run")
    overrides = [
        *text_csv_overrides(root / "texts.csv"),
        "model=text_gru",
        *TINY_TEXT_NETS["text_gru"],
        "baseline=tfidf_logistic_regression",
        "trainer.max_epochs=10",
        "scheduler=none",
        "optimizer.lr=0.01",
        "callbacks.rich_progress_bar=null",
    ]
    train(compose_config("train", overrides, root / "run", root / "data"))
    return {"root": root, "run": root / "run", "summary": read_summary(root / "run")}


def test_the_tokenizer_travels_with_the_run(trained):
    run = trained["run"]
    assert OmegaConf.load(run / "config.yaml").data.tokenizer == "bpe"  # not masked as a secret
    saved = load_run(trained["summary"]["best_checkpoint"], "predict")
    from_file = Tokenizer.from_file(str(run / "tokenizer.json"))
    test_texts = saved.datamodule.texts["test"]
    ids = torch.tensor([e.ids for e in from_file.encode_batch(test_texts)])
    assert torch.equal(ids, saved.datamodule.datasets["test"].tensors[0])
    checkpoint = torch.load(trained["summary"]["best_checkpoint"], weights_only=True)
    state = checkpoint["TextCSVDataModule"]
    assert Tokenizer.from_str(state["tokenizer"]).get_vocab() == from_file.get_vocab()


def test_the_baseline_reads_the_texts_of_the_same_split(trained):
    saved = load_run(trained["summary"]["best_checkpoint"], "eval")
    datamodule = saved.datamodule
    y = {split: d.tensors[1].numpy() for split, d in datamodule.datasets.items()}
    assert [len(datamodule.texts[s]) for s in y] == [len(v) for v in y.values()]
    pipeline = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(C=10.0, max_iter=2000, random_state=42),
    ).fit(datamodule.texts["train"], y["train"])
    expected = (pipeline.predict(datamodule.texts["test"]) == y["test"]).mean()
    baseline = trained["summary"]["baseline"]
    assert baseline["name"] == "tfidf_logistic_regression"
    assert baseline["test"]["acc"] == pytest.approx(expected)
    assert trained["summary"]["test"]["acc"] > 0.7


@pytest.mark.slow
def test_export_takes_token_ids(trained, tmp_path):
    best = trained["summary"]["best_checkpoint"]
    cfg = compose_config(
        "export", [f"ckpt_path={best}", "format=torch_export"], tmp_path / "exp", trained["root"]
    )
    export(cfg)
    summary = read_summary(tmp_path / "exp")
    assert summary["parity"]["max_abs_diff"] <= 1e-4
    saved = load_run(best, "export")
    ids = saved.datamodule.datasets["test"].tensors[0][:3]
    program = torch.export.load(summary["model_file"]).module()
    with torch.inference_mode():
        expected = saved.model.predict_from_outputs(saved.model(ids))
    torch.testing.assert_close(program(ids), expected)


@pytest.mark.slow
def test_make_predict_on_raw_strings(trained, tmp_path, keyword_texts, keywords):
    new = keyword_texts(60, seed=7)
    new[["body"]].to_csv(tmp_path / "new.csv", index=False)
    result = run(
        "make",
        "predict",
        f"ckpt_path={trained['summary']['best_checkpoint']}",
        f"input={tmp_path / 'new.csv'}",
        f"hydra.run.dir={tmp_path / 'pred'}",
    )
    assert result.returncode == 0, output(result)[-3000:]
    table = pd.read_csv(tmp_path / "pred" / "predictions.csv")
    assert table["text"].tolist() == new["body"].tolist()
    probabilities = table[[f"probability_{c}" for c in sorted(keywords)]].to_numpy()
    assert probabilities.sum(axis=1) == pytest.approx(np.ones(60), abs=1e-5)
    assert (table["prediction"] == new["team"]).mean() >= 0.75  # chance: 1/3


@pytest.mark.slow
def test_eval_encodes_the_test_texts_as_training_did(trained, tmp_path):
    best = trained["summary"]["best_checkpoint"]
    evaluate(compose_config("eval", [f"ckpt_path={best}"], tmp_path / "eval", trained["root"]))
    summary = read_summary(tmp_path / "eval")
    assert summary["test"]["acc"] == pytest.approx(trained["summary"]["test"]["acc"])


@pytest.mark.slow
def test_folds_fit_a_tokenizer_each(compose_train, tmp_path, text_csv_overrides):
    cfg = compose_train(
        *text_csv_overrides(tmp_path / "texts.csv"),
        "model=text_mlp",
        "cv.folds=2",
        "baseline=tfidf_logistic_regression",
        "trainer.max_epochs=1",
        "~callbacks.reports",
        *FEW_BATCHES,
    )
    train(cfg)
    summary = read_summary(cfg)
    assert len(summary["folds"]) == 2 and "test/acc" in summary["cv"]["mean"]
    run = Path(cfg.paths.output_dir)
    vocabularies = [json.loads((run / f"fold_{k}" / "tokenizer.json").read_text()) for k in (0, 1)]
    assert all(v["model"]["vocab"] for v in vocabularies)


@pytest.mark.slow
def test_text_training_steps_read_nothing_from_the_device(
    compose_train, tmp_path, text_csv_overrides
):
    """The masks and the last real token are found on the device (unidirectional GRU)."""
    CountHostReads.found.clear()
    cfg = compose_train(
        *text_csv_overrides(tmp_path / "texts.csv"),
        "model=text_gru",
        *TINY_TEXT_NETS["text_gru"],
        "trainer.max_epochs=1",
        *FEW_BATCHES,
        "+callbacks.zz_count_reads._target_=tests.models.probes.CountHostReads",
    )
    train(cfg)
    assert read_summary(cfg)["status"] == "completed"
    assert CountHostReads.found == [], "\n".join(CountHostReads.found)


@pytest.mark.slow
def test_a_sweep_over_text_models(tmp_path, text_csv_overrides):
    overrides = text_csv_overrides(tmp_path / "texts.csv")
    result = run(
        "-m",
        "dlkit.cli.train",
        *overrides,
        "model=text_gru,text_cnn",
        "data.tokenizer=char,word",
        "trainer.max_epochs=1",
        *FEW_BATCHES,
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        "--multirun",
    )
    assert result.returncode == 0, output(result)[-3000:]
    table = pd.read_csv(tmp_path / "sweep" / "sweep_summary.csv")
    assert len(table) == 4 and (table["status"] == "completed").all()
