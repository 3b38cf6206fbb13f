"""Text data: a tokenizer fitted on the training texts only, ids that stay integers, a state that
travels in a checkpoint as plain data, and the data sets that hold texts."""

import logging
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import torch
from tokenizers import Tokenizer

from dlkit.data.splits import split_indices
from dlkit.errors import BadInput
from dlkit.runs.folder import RunFolder
from dlkit_text.data.surnames import DEFAULT_LANGUAGES, SurnamesDataModule
from dlkit_text.data.text_csv import TextCSVDataModule
from dlkit_text.data.text_folder import TextFolderDataModule
from dlkit_text.data.tokenizer import KINDS, PADDING_ID, UNKNOWN_ID

UNSEEN = "ßæ"  # characters no training text has


def _module(path, **kwargs) -> TextCSVDataModule:
    kwargs = {"text_column": "body", "target": "team", "vocab_size": 200, **kwargs}
    return TextCSVDataModule(str(path), **kwargs)


@pytest.mark.parametrize("kind", KINDS)
def test_the_tokenizer_sees_the_training_texts_only(tmp_path, keyword_texts, kind):
    """A word and characters that only a test text has map to the unknown id."""
    frame = keyword_texts()
    labels = pd.Categorical(frame["team"]).codes
    _, _, test_rows = split_indices(
        labels, val_fraction=0.15, test_fraction=0.15, seed=42, stratify=True
    )
    row = int(test_rows[0])
    frame.loc[row, "body"] = f"{UNSEEN} vote"
    frame.to_csv(tmp_path / "texts.csv", index=False)

    datamodule = _module(tmp_path / "texts.csv", tokenizer=kind)
    datamodule.setup("fit")
    vocabulary = datamodule.tokenizer.get_vocab()
    assert not any(c in token for token in vocabulary for c in UNSEEN)
    position = datamodule.texts["test"].index(f"{UNSEEN} vote")
    assert UNKNOWN_ID in datamodule.datasets["test"].tensors[0][position].tolist()
    assert not (datamodule.datasets["train"].tensors[0] == UNKNOWN_ID).any()
    assert len(datamodule.texts["train"]) == len(datamodule.datasets["train"])


@pytest.mark.parametrize("kind", KINDS)
def test_the_fitted_tokenizer_travels_as_plain_data(tmp_path, texts_csv, kind):
    trained = _module(texts_csv, tokenizer=kind)
    trained.setup("fit")
    torch.save(trained.state_dict(), tmp_path / "state.pt")
    state = torch.load(tmp_path / "state.pt", weights_only=True)
    assert isinstance(state["tokenizer"], str) and state["mean"] is None

    fresh = _module(tmp_path / "elsewhere.csv", tokenizer=kind)  # never set up, no file needed
    fresh.load_state_dict(state)
    pd.DataFrame({"body": trained.texts["test"]}).to_csv(tmp_path / "new.csv", index=False)
    ids = fresh.load_inputs(tmp_path / "new.csv")
    assert ids.dtype == torch.long
    assert torch.equal(ids, trained.datasets["test"].tensors[0])
    net_kwargs = trained.model_kwargs()["net_kwargs"]
    assert net_kwargs == {"vocab_size": trained.tokenizer.get_vocab_size(), "padding_id": 0}


def test_long_texts_are_truncated_and_counted(texts_csv, keyword_texts, caplog):
    datamodule = _module(texts_csv, tokenizer="word", max_length=4)
    with caplog.at_level(logging.INFO):
        datamodule.setup("fit")
    assert datamodule.input_shape == (4,)
    longer = sum(len(t.split()) > 4 for t in keyword_texts()["body"])
    assert f"{longer} of 150 texts are longer than 4 tokens" in caplog.text


def test_texts_are_padded_to_the_longest_training_text(texts_csv):
    datamodule = _module(texts_csv, tokenizer="word", max_length=500)
    datamodule.setup("fit")
    train_ids = datamodule.datasets["train"].tensors[0]
    longest = max(len(t.split()) for t in datamodule.texts["train"])
    assert datamodule.input_shape == (longest,)
    real = (train_ids != PADDING_ID).sum(dim=1)
    assert real.tolist() == [len(t.split()) for t in datamodule.texts["train"]]


def test_ids_stay_integers(texts_csv):
    datamodule = _module(texts_csv)
    datamodule.setup("fit")
    ids = datamodule.datasets["val"].tensors[0]
    assert datamodule.transform_batch(ids) is ids and datamodule.mean is None


def test_regression_targets(texts_csv):
    datamodule = _module(texts_csv, target="stars", task="regression")
    datamodule.setup("fit")
    assert datamodule.num_outputs == 1 and datamodule.class_names is None
    assert datamodule.datasets["train"].tensors[1].dtype == torch.float32
    kwargs = datamodule.model_kwargs()
    assert kwargs["num_targets"] == 1 and "vocab_size" in kwargs["net_kwargs"]


@pytest.mark.parametrize(
    "datamodule",
    [
        lambda root: TextFolderDataModule(str(root), task="regression"),
        lambda root: SurnamesDataModule(task="regression"),
    ],
    ids=["text_folder", "surnames"],
)
def test_labelled_by_class_serves_classification_only(text_folder, datamodule):
    with pytest.raises(BadInput, match=r"serves classification, not task=regression"):
        datamodule(text_folder).setup("fit")


def test_a_classical_model_reads_the_raw_texts_of_each_split(texts_csv):
    datamodule = _module(texts_csv)
    datamodule.setup("fit")
    assert datamodule.baseline_reads == "texts"
    for split in ("train", "test"):
        texts, targets = datamodule.baseline_inputs(split)
        assert texts == datamodule.texts[split] and all(isinstance(t, str) for t in texts)
        np.testing.assert_array_equal(targets, datamodule.datasets[split].tensors[1].numpy())


def test_the_run_folder_gets_the_tokenizer_file(tmp_path, texts_csv):
    datamodule = _module(texts_csv, tokenizer="bpe")
    datamodule.setup("fit")
    datamodule.write_files(RunFolder(tmp_path / "run"))
    saved = Tokenizer.from_file(str(tmp_path / "run" / "tokenizer.json"))
    assert saved.get_vocab() == datamodule.tokenizer.get_vocab()
    texts = datamodule.texts["val"]
    ids = torch.tensor([e.ids for e in saved.encode_batch(texts)])
    assert torch.equal(ids, datamodule.datasets["val"].tensors[0])


def test_predictions_name_each_text(texts_csv, tmp_path):
    datamodule = _module(texts_csv)
    datamodule.setup("fit")
    pd.DataFrame({"body": ["the vote", "some rain today"]}).to_csv(tmp_path / "new.csv")
    assert datamodule.input_columns(tmp_path / "new.csv") == {
        "text": ["the vote", "some rain today"]
    }


def test_the_test_table_holds_the_test_texts_in_order(texts_csv):
    datamodule = _module(texts_csv)
    datamodule.setup("fit")
    assert datamodule.test_table()["text"].tolist() == datamodule.texts["test"]
    assert len(datamodule.test_table()) == len(datamodule.datasets["test"])


def test_a_folder_of_texts_per_class(tmp_path, text_folder):
    datamodule = TextFolderDataModule(str(text_folder), tokenizer="word", vocab_size=100)
    datamodule.setup("fit")
    assert datamodule.class_names == ["politics", "sports", "weather"]
    assert sum(len(t) for t in datamodule.texts.values()) == 60
    # new inputs: a folder of files, or one file, each one text
    new = tmp_path / "new"
    new.mkdir()
    (new / "a.txt").write_text("a goal\nthen more")
    (new / "b.txt").write_text("the vote")
    assert datamodule.read_inputs(new) == ["a goal\nthen more", "the vote"]
    assert datamodule.read_inputs(new / "a.txt") == ["a goal\nthen more"]


def test_new_texts_one_per_line(texts_csv, tmp_path):
    datamodule = _module(texts_csv)
    datamodule.setup("fit")
    (tmp_path / "new.txt").write_text("the vote\n\nsome rain today\n")
    assert datamodule.read_inputs(tmp_path / "new.txt") == ["the vote", "some rain today"]
    assert datamodule.load_inputs(tmp_path / "new.txt").shape == (2, *datamodule.input_shape)


def test_surnames_are_real_and_each_in_one_language(tmp_path):
    datamodule = SurnamesDataModule(data_dir=str(tmp_path), tokenizer="char", max_length=32)
    datamodule.setup("fit")
    assert datamodule.class_names == sorted(DEFAULT_LANGUAGES)
    texts = [t for split in ("train", "val", "test") for t in datamodule.texts[split]]
    assert len(texts) > 6000 and len(set(texts)) == len(texts)  # no name under two languages
    counts = Counter(datamodule.datasets["train"].tensors[1].tolist())
    assert min(counts.values()) > 200  # every language well represented
    assert {"Rossellini", "Virtanen", "Horvat"} <= set(texts)
