"""`data.storage=stream` for text folders: the files are listed, the tokenizer fitted on the
training files read one at a time, then the loader's workers read and encode each batch. The same
splits, tokenizer and metrics as in memory; `auto` weighs the token ids; a bad file met in a
worker stops the run with one message, or is skipped."""

import logging

import pytest
import torch

from dlkit.data.file_samples import FileSplit
from dlkit.errors import ConfigError
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
    with pytest.raises(ConfigError, match=r"set data\.storage=memory"):  # the TF-IDF baseline
        stream.baseline_inputs("train")


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

    memory, stream = trained("memory", "data.storage=memory"), trained("stream", *STREAM)
    assert (memory["storage"], stream["storage"]) == ("memory", "stream")
    assert stream["test"] == memory["test"] and stream["val"] == memory["val"]


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
