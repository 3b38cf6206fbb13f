"""`data.storage=stream` for clip folders: the clips are listed, then decoded one at a time in the
DataLoader's workers. The same splits, statistics and metrics as in memory; `auto` picks by the
decoded size; a bad clip met in a worker stops the run with one message, or is skipped; the MFCC
baseline reads a sample of the training clips and the test clips a batch at a time."""

import logging
import re

import numpy as np
import pytest
import torch

from dlkit.data.file_samples import FileSplit
from dlkit.errors import DataError
from dlkit.training.run import train
from dlkit_audio.data.audio_folder import AudioFolderDataModule
from tests.helpers import compose_config, read_summary, run_module

STREAM = ("data.storage=stream", "data.num_workers=1")


def _module(folder, **kwargs) -> AudioFolderDataModule:
    datamodule = AudioFolderDataModule(str(folder), duration=0.5, **kwargs)
    datamodule.setup("fit")
    return datamodule


def test_stream_and_memory_make_the_same_splits_and_statistics(tone_folder):
    memory = _module(tone_folder, storage="memory")
    stream = _module(tone_folder, storage="stream", num_workers=0)
    assert isinstance(stream.datasets["train"], FileSplit)
    for split in ("train", "val", "test"):
        assert torch.equal(stream.datasets[split].labels, memory.datasets[split].tensors[1])
    assert stream.test_table().equals(memory.test_table())
    # the training split (42 clips) is within the sample: the statistics of every clip
    assert torch.allclose(stream.mean, memory.mean) and torch.allclose(stream.std, memory.std)
    assert stream.input_shape == memory.input_shape
    x, y = stream.samples("test", rows=[4, 1])
    assert y.tolist() == memory.datasets["test"].tensors[1][[4, 1]].tolist()
    assert torch.equal(x, memory.datasets["test"].tensors[0][[4, 1]])


def test_the_mfcc_baseline_reads_a_sample_of_the_streamed_training_clips(tone_folder):
    memory = _module(tone_folder, storage="memory")
    stream = _module(tone_folder, storage="stream", num_workers=0, batch_size=4)
    # every training clip (the sample holds up to 5,000): the features and scale of memory's
    for got, expected in zip(
        stream.baseline_inputs("train"), memory.baseline_inputs("train"), strict=True
    ):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    # the test clips decoded 4 at a time, scaled as the training clips were
    batches = list(stream.baseline_batches("test"))
    assert [len(y) for _, y in batches] == [4, 4, 1]
    x_test, y_test = memory.baseline_inputs("test")
    np.testing.assert_allclose(np.concatenate([x for x, _ in batches]), x_test, atol=1e-5)
    assert np.concatenate([y for _, y in batches]).tolist() == y_test.tolist()
    # a sample of 12 of the 42 training clips, a third of each pitch
    sampled = _module(tone_folder, storage="stream", num_workers=0, baseline_sample=12)
    x, y = sampled.baseline_inputs("train")
    assert x.shape == (12, 40) and sorted(y.tolist()) == [0] * 4 + [1] * 4 + [2] * 4


def test_standardization_streamed_comes_from_a_seeded_sample(tone_folder):
    whole = _module(tone_folder, storage="memory")
    sampled = _module(tone_folder, storage="stream", num_workers=0, standardization_sample=12)
    again = _module(tone_folder, storage="stream", num_workers=0, standardization_sample=12)
    assert torch.equal(sampled.mean, again.mean)  # seeded: the same 12 clips
    assert not torch.equal(sampled.mean, whole.mean)
    # per band, in dB-scale units: 12 of 42 tones of three pitches
    assert (sampled.mean - whole.mean).abs().max() < 0.5 * whole.std.max()


def test_auto_streams_clips_whose_decoded_size_exceeds_the_budget(tone_folder, caplog):
    caplog.set_level(logging.INFO, logger="dlkit.data.storage")
    # 60 clips of 0.5 s at 16 kHz as float32: 1.92 MB decoded
    assert _module(tone_folder, memory_budget=1e-3).storage_used == "stream"
    assert "decodes to 0.00 GB, over data.memory_budget" in caplog.text
    assert _module(tone_folder, memory_budget=2e-3).storage_used == "memory"


def test_stream_and_memory_train_to_the_same_metrics(tmp_path, tone_folder):
    def trained(name: str, *storage: str) -> dict:
        overrides = [
            "data=audio_folder",
            f"data.path={tone_folder}",
            "data.duration=0.5",
            "data.batch_size=8",
            "model.net.channels=[8]",
            "trainer.max_epochs=2",
            "augmentation=audio",
            "callbacks.rich_progress_bar=null",
            *storage,
        ]
        train(compose_config("train", overrides, tmp_path / name, tmp_path / "data"))
        return read_summary(tmp_path / name)

    memory, stream = trained("memory", "data.storage=memory"), trained("stream", *STREAM)
    assert (memory["storage"], stream["storage"]) == ("memory", "stream")
    # the same split, batches, statistics (all 42 training clips) and draws: the same numbers
    assert stream["test"] == memory["test"] and stream["val"] == memory["val"]
    assert stream["test"]["acc"] < 1  # so the test clips it got wrong are drawn from their files
    assert (tmp_path / "stream" / "spectrogram_mistakes.png").is_file()
    assert (tmp_path / "stream" / "augmentation_preview.png").is_file()  # from decoded clips


def test_a_bad_clip_met_in_a_worker_is_named_once_or_skipped(tmp_path, tone_folder, capsys):
    bad = tone_folder / "mid" / "000.wav"
    bad.write_bytes(bad.read_bytes()[:30])
    # without standardization no clip is decoded before the first step: a worker meets it
    settings = (*STREAM, "data.normalize=false", "data.duration=0.5", "trainer.max_epochs=1")

    def make_train(name: str, *overrides: str) -> int:
        return run_module(
            "dlkit.cli.train", "data=audio_folder", f"data.path={tone_folder}", *settings,
            "extras.print_config=false", "callbacks.rich_progress_bar=null",
            f"hydra.run.dir={tmp_path / name}", f"paths.data_dir={tmp_path / 'data'}", *overrides,
        )  # fmt: skip

    assert make_train("stops") == 2
    out = capsys.readouterr().out
    expected = f"cannot decode audio file {bad}"
    assert out.count(expected) == 1 and "data.skip_bad_files=true" in out
    assert "Traceback" not in out
    assert read_summary(tmp_path / "stops")["status"] == "failed"

    assert make_train("skips", "data.skip_bad_files=true") == 0
    summary = read_summary(tmp_path / "skips")
    assert summary["status"] == "completed" and summary["skipped_files"]["count"] == 1
    assert str(bad) in summary["skipped_files"]["files"][0]


def test_predictions_on_a_clip_folder_come_a_batch_at_a_time(tmp_path, tone_folder_writer):
    datamodule = _module(tone_folder_writer(tmp_path / "train", per_class=6), storage="memory")
    new = tone_folder_writer(tmp_path / "new", per_class=3, sample_rate=22050, seed=1)
    batches = list(datamodule.input_batches(new, 4))
    assert [len(b) for b in batches] == [4, 4, 1]
    assert torch.allclose(torch.cat(batches), datamodule.load_inputs(new), atol=1e-5)
    bad = new / "low" / "001.wav"
    bad.write_bytes(bad.read_bytes()[:30])
    with pytest.raises(DataError, match=re.escape(f"cannot decode audio file {bad}")):
        list(datamodule.input_batches(new, 4))


@pytest.mark.slow  # synthesizes 70 clips first, in a subprocess (2-9 s)
def test_spoken_digits_stream_as_any_clip_folder(tmp_path):
    from dlkit_audio.data.spoken_digits import SpokenDigitsDataModule

    def digits(**kwargs) -> SpokenDigitsDataModule:
        datamodule = SpokenDigitsDataModule(data_dir=str(tmp_path), clips_per_digit=7, **kwargs)
        datamodule.setup("fit")
        return datamodule

    stream, memory = digits(storage="stream", num_workers=0), digits(storage="memory")
    assert stream.storage_used == "stream" and stream.class_names == memory.class_names
    for split in ("train", "val", "test"):
        assert torch.equal(stream.datasets[split].labels, memory.datasets[split].tensors[1])
    assert torch.allclose(stream.mean, memory.mean) and torch.allclose(stream.std, memory.std)
    assert stream.test_table().equals(memory.test_table())
