"""`data.storage=stream`: an image folder decoded by the loader's workers gives what the in-memory
path gives (splits, statistics, metrics), `auto` picks by the memory budget, bad files are named
or skipped (and their test rows left out of the test outputs), predictions on a folder come a
batch at a time, and a classical baseline is fitted on a sample of the files."""

import logging
from pathlib import Path

import pytest
import torch

from dlkit.callbacks.report_writer import ReportWriter
from dlkit.data.file_samples import FileSplit
from dlkit.data.images import ImageFolderDataModule
from dlkit.errors import ConfigError, DataError
from dlkit.saved.evaluate import test_run as checkpoint_tested
from dlkit.saved.load import load_run
from dlkit.training.run import train
from tests.data.test_image_data import _image_folder
from tests.helpers import FEW_BATCHES, compose_config, output, read_summary, run

STREAM = ("data.storage=stream", "data.num_workers=1")


def _folder_module(folder: Path, **kwargs) -> ImageFolderDataModule:
    datamodule = ImageFolderDataModule(str(folder), image_size=(16, 16), **kwargs)
    datamodule.setup("fit")
    return datamodule


def _labels(datamodule, split: str) -> list[int]:
    data = datamodule.datasets[split]
    return (data.labels if isinstance(data, FileSplit) else data.tensors[1]).tolist()


def test_stream_and_memory_make_the_same_splits_and_statistics(tmp_path):
    folder = _image_folder(tmp_path / "pictures", n=60)
    memory = _folder_module(folder, storage="memory")
    stream = _folder_module(folder, storage="stream", num_workers=0)
    assert memory.storage_used == "memory" and stream.storage_used == "stream"
    assert isinstance(stream.datasets["train"], FileSplit)
    assert list(stream.test_index) == list(memory.test_index)
    for split in ("train", "val", "test"):
        assert _labels(stream, split) == _labels(memory, split)
    assert stream.class_names == memory.class_names and stream.input_shape == memory.input_shape
    # every training file is in the sample (2,000 by default): the same statistics
    assert torch.allclose(stream.mean, memory.mean) and torch.allclose(stream.std, memory.std)
    # a batch read from the files is the batch held in memory
    (x_stream, y_stream, bad), (x_memory, y_memory) = (
        next(iter(stream.val_dataloader())),
        next(iter(memory.val_dataloader())),
    )
    assert bad == [] and torch.equal(x_stream, x_memory) and torch.equal(y_stream, y_memory)


def test_standardization_from_a_sample_of_the_files_is_close_to_the_whole(tmp_path):
    folder = _image_folder(tmp_path / "pictures", n=120)
    whole = _folder_module(folder, storage="memory")
    sampled = _folder_module(folder, storage="stream", num_workers=0, standardization_sample=20)
    # 20 of 84 training images, 256 pixels each: the statistics differ by sampling error only.
    # Tolerance: 0.03 of [0, 1] (pixels vary with sd 0.3; 20 images' means vary with sd ~0.01)
    assert not torch.equal(sampled.mean, whole.mean)
    assert torch.allclose(sampled.mean, whole.mean, atol=0.03)
    assert torch.allclose(sampled.std, whole.std, atol=0.03)
    seeded = _folder_module(folder, storage="stream", num_workers=0, standardization_sample=20)
    assert torch.equal(seeded.mean, sampled.mean)  # the sample is seeded


def _train(tmp_path: Path, name: str, folder: Path, *overrides: str) -> dict:
    """A short run on the image folder in tmp_path/name: its summary."""
    overrides = (
        "data=image_folder",
        f"data.path={folder}",
        "data.image_size=[16,16]",
        "data.batch_size=16",
        "model=cnn",
        "trainer.max_epochs=2",
        *FEW_BATCHES,
        *overrides,
    )
    cfg = compose_config("train", list(overrides), tmp_path / name, tmp_path / "data")
    train(cfg)
    return read_summary(Path(cfg.paths.output_dir))


@pytest.mark.slow
def test_stream_and_memory_train_to_the_same_metrics(tmp_path):
    folder = _image_folder(tmp_path / "pictures", n=60)
    memory = _train(tmp_path, "memory", folder, "data.storage=memory", "augmentation=image")
    stream = _train(tmp_path, "stream", folder, *STREAM, "augmentation=image")
    assert (memory["storage"], stream["storage"]) == ("memory", "stream")
    # the same split, batches, statistics and per-step random draws: the same numbers
    assert stream["test"] == memory["test"] and stream["val"] == memory["val"]
    assert stream["samples"] == memory["samples"]


def test_auto_streams_only_what_does_not_fit_the_budget(tmp_path, caplog):
    folder = _image_folder(tmp_path / "pictures", n=20)
    caplog.set_level(logging.INFO, logger="dlkit.data.storage")
    # 20 images of 3 x 16 x 16 bytes: 15,360 bytes decoded
    assert _folder_module(folder, memory_budget=1e-5).storage_used == "stream"
    assert "chose stream" in caplog.text and "over data.memory_budget" in caplog.text
    caplog.clear()
    assert _folder_module(folder, memory_budget=1e-3).storage_used == "memory"
    assert "chose memory" in caplog.text
    assert _folder_module(folder).storage_used == "memory"  # half the free memory: plenty


def test_bad_storage_settings_stop_with_the_choices(tmp_path):
    result = run("-m", "dlkit.cli.train", "data.storage=disk", f"hydra.run.dir={tmp_path}")
    assert result.returncode == 2
    assert "data.storage must be one of memory, stream, auto, got 'disk'" in output(result)
    assert "Traceback" not in output(result)
    with pytest.raises(ConfigError, match=r"data\.storage must be one of"):
        ImageFolderDataModule(str(tmp_path), storage="disk")
    from dlkit.data.images import DigitsDataModule

    with pytest.raises(ConfigError, match="DigitsDataModule is not read from files"):
        DigitsDataModule(storage="stream").setup("fit")
    digits = DigitsDataModule(storage="auto")
    digits.setup("fit")
    assert digits.storage_used == "memory"  # auto: in memory


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:200])  # the file stops in the middle of the image


def test_a_corrupt_file_met_mid_epoch_is_named_or_skipped(tmp_path):
    folder = _image_folder(tmp_path / "pictures", n=40)
    _truncate(folder / "top" / "000.jpg")
    # without standardization no file is read before the first step: the bad one is met mid-epoch
    bad = (*STREAM, "data.normalize=false", "trainer.max_epochs=1")
    with pytest.raises(DataError, match=r"cannot decode image .*000\.jpg.*data\.skip_bad_files"):
        _train(tmp_path, "stops", folder, *bad, "++trainer.limit_train_batches=null")
    summary = _train(tmp_path, "skips", folder, *bad, "data.skip_bad_files=true")
    assert summary["status"] == "completed"
    assert summary["skipped_files"]["count"] == 1
    assert "000.jpg" in summary["skipped_files"]["files"][0]


def test_predictions_on_a_folder_come_a_batch_at_a_time(tmp_path):
    folder = _image_folder(tmp_path / "pictures", n=20)
    datamodule = _folder_module(folder, storage="memory")
    new = _image_folder(tmp_path / "new", n=10, size=30, seed=1)
    batches = list(datamodule.input_batches(new, 4))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert torch.allclose(torch.cat(batches), datamodule.load_inputs(new), atol=1e-6)
    _truncate(new / "top" / "000.jpg")
    with pytest.raises(DataError, match=r"cannot decode image .*000\.jpg"):
        list(datamodule.input_batches(new, 4))


def test_samples_at_rows_are_those_of_the_memory_split(tmp_path):
    folder = _image_folder(tmp_path / "pictures", n=60)
    memory = _folder_module(folder, storage="memory")
    stream = _folder_module(folder, storage="stream", num_workers=0)
    rows = [7, 0, 3]
    for got, expected in zip(
        stream.samples("test", rows=rows), memory.samples("test", rows=rows), strict=True
    ):
        assert torch.equal(got, expected)
    assert torch.equal(stream.samples("test", 2)[1], memory.datasets["test"].tensors[1][:2])


def test_the_rows_of_skipped_test_files_drop_out_of_the_test_outputs(tmp_path):
    folder = _image_folder(tmp_path / "pictures", n=40)  # 6 test images: one batch
    test_files = _folder_module(folder, storage="stream", num_workers=0).datasets["test"]
    bad_row = 2
    _truncate(Path(test_files.paths[bad_row]))
    skip = (*STREAM, "data.skip_bad_files=true", "trainer.max_epochs=1")
    best = _train(tmp_path, "run", folder, *skip)["best_checkpoint"]

    # what `make eval` and `make audit` run: the checkpoint tested with the report writer
    cfg = compose_config("eval", [f"ckpt_path={best}"], tmp_path / "eval", tmp_path / "data")
    run = load_run(best, "eval", load_weights=False)
    reports = ReportWriter(str(tmp_path / "eval"))
    checkpoint_tested(cfg, run, reports, {})
    outputs = reports.test_outputs
    # each prediction beside the row it was made for: the skipped file's row is not there
    assert len(outputs.rows) == len(outputs.predictions) == len(test_files) - 1
    assert bad_row not in outputs.rows.tolist()
    assert outputs.targets.tolist() == test_files.labels[outputs.rows].tolist()


BASELINE = ("baseline=logistic_regression", "data.batch_size=8", "trainer.max_epochs=1")


def test_a_streamed_run_fits_the_baseline_on_a_sample_and_reads_every_test_file(tmp_path):
    folder = _image_folder(tmp_path / "pictures", n=60)  # 42 train, 9 val, 9 test images
    reads = tmp_path / "reads"
    reads.mkdir()
    recorded = (
        "data._target_=tests.data.recorded_reads.RecordedImageFolder",
        f"+data.record_to={reads}",
        "data.normalize=false",  # no statistics: the loaders' workers read for the baseline only
        "train=false",
        "test=false",
    )
    summary = _train(
        tmp_path, "run", folder, *STREAM, *BASELINE, *recorded, "data.baseline_sample=20"
    )
    assert summary["baseline"]["fitted_on"] == {"samples": 20, "of": 42}
    assert set(summary["baseline"]["test"]) == {"acc", "f1"}
    # a sample of 20 of the training files decoded to fit it, and every test file to score it
    splits = _split_files(folder)
    read = set((reads / "reads_0.txt").read_text().splitlines())
    assert len(read & splits["train"]) == 20
    assert splits["test"] <= read


@pytest.mark.slow
def test_a_streamed_baseline_on_every_training_file_scores_as_in_memory(tmp_path):
    folder = _image_folder(tmp_path / "pictures", n=60)
    memory = _train(tmp_path, "memory", folder, "data.storage=memory", *BASELINE)
    stream = _train(tmp_path, "stream", folder, *STREAM, *BASELINE)
    # a sample that holds every training file: the baseline of the in-memory run, scored on
    # the whole test split a batch at a time (8 and 1)
    assert stream["baseline"]["test"] == memory["baseline"]["test"]
    assert stream["baseline"]["fitted_on"] == memory["baseline"]["fitted_on"]
    assert memory["baseline"]["fitted_on"] == {"samples": 42, "of": 42}


def _split_files(folder: Path) -> dict[str, set[str]]:
    """The files of each split of a streamed image folder (16 x 16, the default seed)."""
    datasets = _folder_module(folder, storage="stream", num_workers=0).datasets
    return {split: set(map(str, data.paths)) for split, data in datasets.items()}
