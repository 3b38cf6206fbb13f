"""`data.storage=stream` for text folders: the files are listed, the tokenizer fitted on the
training files read one at a time, then the loader's workers read and encode each batch. The same
splits, tokenizer and metrics as in memory; `auto` weighs the token ids; a bad file met in a
worker stops the run with one message, or is skipped; the TF-IDF baseline reads a sample of the
training files and the test files a batch at a time; `make predict` on a folder of texts reads
them a batch at a time."""

import logging

import pandas as pd
import pytest
import torch

from dlkit.data.file_samples import FileSplit
from dlkit.errors import DataError
from dlkit.saved.load import load_run
from dlkit.training.run import train
from dlkit_text.data.text_folder import TextFolderDataModule
from tests.helpers import compose_config, read_summary, run_module

STREAM = ("data.storage=stream", "data.num_workers=1")
WORDS = ("data.tokenizer=word", "data.vocab_size=100", "model.net.embedding_dim=16")


def _module(folder, **kwargs) -> TextFolderDataModule:
    datamodule = TextFolderDataModule(str(folder), tokenizer="word", vocab_size=100, **kwargs)
    datamodule.setup("fit")
    return datamodule


def test_stream_and_memory_make_the_same_splits_tokenizer_and_ids(text_folder):
    memory = _module(text_folder, storage="memory")
    stream = _module(text_folder, storage="stream", num_workers=0)
    assert isinstance(stream.datasets["train"], FileSplit)
    assert stream.tokenizer.to_str() == memory.tokenizer.to_str()  # fitted on the same texts
    for split in ("train", "val", "test"):
        assert torch.equal(stream.datasets[split].labels, memory.datasets[split].tensors[1])
        assert torch.equal(stream.samples(split, 100)[0], memory.datasets[split].tensors[0])
    assert stream.test_table().equals(memory.test_table())
    assert stream.input_shape == memory.input_shape


def test_the_tfidf_baseline_reads_a_sample_of_the_streamed_training_texts(text_folder):
    memory = _module(text_folder, storage="memory")
    stream = _module(text_folder, storage="stream", num_workers=0, batch_size=4)
    # every training text (the sample holds up to 5,000), and the test texts 4 at a time
    texts, targets = stream.baseline_inputs("train")
    assert texts == memory.texts["train"]
    assert targets.tolist() == memory.datasets["train"].tensors[1].tolist()
    batches = list(stream.baseline_batches("test"))
    assert [len(t) for t, _ in batches] == [4, 4, 1]
    assert [t for texts, _ in batches for t in texts] == memory.texts["test"]
    # a sample of 12 of the 42 training texts, a third of each class
    sampled = _module(text_folder, storage="stream", num_workers=0, baseline_sample=12)
    texts, targets = sampled.baseline_inputs("train")
    assert len(texts) == 12 and set(texts) <= set(memory.texts["train"])
    assert sorted(targets.tolist()) == [0] * 4 + [1] * 4 + [2] * 4


def test_auto_weighs_the_token_ids(text_folder, caplog):
    caplog.set_level(logging.INFO, logger="dlkit.data.storage")
    # 60 texts of at most 256 int64 ids: 122,880 bytes
    assert _module(text_folder, memory_budget=1e-4, num_workers=0).storage_used == "stream"
    assert "over data.memory_budget" in caplog.text
    assert _module(text_folder, memory_budget=2e-4).storage_used == "memory"


def test_stream_and_memory_train_to_the_same_metrics(tmp_path, text_folder):
    def trained(name: str, *storage: str) -> dict:
        overrides = ["data=text_folder", f"data.path={text_folder}", *WORDS, *storage]
        overrides += ["trainer.max_epochs=2", "callbacks.rich_progress_bar=null"]
        train(compose_config("train", overrides, tmp_path / name, tmp_path / "data"))
        return read_summary(tmp_path / name)

    baseline = "baseline=tfidf_logistic_regression"
    memory = trained("memory", "data.storage=memory", baseline)
    stream = trained("stream", *STREAM, baseline)
    assert (memory["storage"], stream["storage"]) == ("memory", "stream")
    assert stream["test"] == memory["test"] and stream["val"] == memory["val"]
    # the TF-IDF baseline of a streamed run: fitted on every training file (fewer than
    # data.baseline_sample), the test texts read a batch at a time
    assert stream["baseline"] == {**memory["baseline"], "fit_s": stream["baseline"]["fit_s"]}


@pytest.mark.slow  # two runs with a worker each (~10 s); audio's fast test covers the same path
def test_a_bad_file_met_in_a_worker_is_named_once_or_skipped(tmp_path, text_folder, capsys):
    listed = _module(text_folder, storage="stream", num_workers=0)
    # a validation file: the tokenizer's fit reads only the training files, so a worker meets it
    bad = next(p for p in map(str, listed.datasets["val"].paths))
    with open(bad, "wb") as file:
        file.write(b"caf\xe9 au lait")  # latin-1, not UTF-8

    def make_train(name: str, *overrides: str) -> int:
        return run_module(
            "dlkit.cli.train", "data=text_folder", f"data.path={text_folder}", *WORDS, *STREAM,
            "trainer.max_epochs=1", "extras.print_config=false", "callbacks.rich_progress_bar=null",
            f"hydra.run.dir={tmp_path / name}", f"paths.data_dir={tmp_path / 'data'}", *overrides,
        )  # fmt: skip

    assert make_train("stops") == 2
    out = capsys.readouterr().out
    expected = f"{bad} is not UTF-8 text"
    assert out.count(expected) == 1 and "data.skip_bad_files=true" in out
    assert "Traceback" not in out
    assert read_summary(tmp_path / "stops")["status"] == "failed"

    assert make_train("skips", "data.skip_bad_files=true") == 0
    summary = read_summary(tmp_path / "skips")
    assert summary["status"] == "completed" and summary["skipped_files"]["count"] == 1
    assert bad in summary["skipped_files"]["files"][0]


def test_make_predict_reads_a_folder_of_texts_a_batch_at_a_time(tmp_path, text_folder, capsys):
    overrides = ["data=text_folder", f"data.path={text_folder}", *WORDS, *STREAM]
    overrides += ["trainer.max_epochs=1", "callbacks.rich_progress_bar=null"]
    train(compose_config("train", overrides, tmp_path / "run", tmp_path / "data"))
    best = read_summary(tmp_path / "run")["best_checkpoint"]
    new = tmp_path / "new"
    new.mkdir()
    for i, path in enumerate(sorted(text_folder.rglob("*.txt"))[:10]):
        (new / f"{i:02d}.txt").write_bytes(path.read_bytes())

    def make_predict(name: str) -> int:
        return run_module(
            "dlkit.cli.predict", f"ckpt_path={best}", f"input={new}", "batch_size=4",
            "extras.print_config=false", f"hydra.run.dir={tmp_path / name}",
        )  # fmt: skip

    assert make_predict("pred") == 0
    table = pd.read_csv(tmp_path / "pred" / "predictions.csv")
    assert table["input"].tolist() == [f"{i:02d}.txt" for i in range(10)]
    # the same predictions as from every text read at once and encoded together
    saved = load_run(best, "predict")
    with torch.inference_mode():
        whole = saved.model.predict_from_outputs(saved.model(saved.datamodule.load_inputs(new)))
    names = saved.datamodule.class_names
    probabilities = table[[f"probability_{c}" for c in names]].to_numpy()
    assert probabilities == pytest.approx(whole.numpy(), abs=1e-6)

    # a file that is not UTF-8 in the third batch: the first batches come before it is met
    (new / "09.txt").write_bytes(b"caf\xe9 au lait")
    batches = saved.datamodule.input_batches(new, 4)
    assert len(next(batches)) == 4 and len(next(batches)) == 4
    with pytest.raises(DataError, match=r"09\.txt is not UTF-8 text"):
        next(batches)
    capsys.readouterr()
    assert make_predict("bad") == 2
    assert "09.txt is not UTF-8 text" in capsys.readouterr().out
