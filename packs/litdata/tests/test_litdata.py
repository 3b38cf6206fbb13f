"""`make optimize` writes an image folder's splits as LitData chunks; `data=litdata` trains from
them, refuses what is not theirs, and (slow) resumes a run stopped mid-epoch exactly."""

import itertools
import json
import signal
from pathlib import Path

import pytest
import torch

from tests.data.test_image_data import _image_folder
from tests.helpers import FEW_BATCHES, STOPPABLE, folders, output, read_summary, run, run_module

pytest.importorskip("litdata")

IMAGES = ("data=image_folder", "data.image_size=[16,16]")


def _optimize(tmp_path: Path, pictures: Path, out: Path, *overrides: str) -> int:
    return run_module(
        "dlkit_litdata.cli.optimize",
        *IMAGES,
        f"data.path={pictures}",
        f"out={out}",
        *folders(tmp_path),
        f"hydra.run.dir={tmp_path / 'optimize_run'}",
        *overrides,
    )


@pytest.fixture(scope="module")
def chunks(tmp_path_factory) -> Path:
    """An image folder of 60 pictures, written as chunks once for the module's tests."""
    root = tmp_path_factory.mktemp("litdata")
    pictures = _image_folder(root / "pictures", n=60)
    assert _optimize(root, pictures, root / "chunks") == 0
    return root / "chunks"


def test_optimize_writes_each_split_and_the_data_configuration(chunks):
    index = json.loads((chunks / "dlkit.json").read_text())
    assert index["samples"] == {"train": 42, "val": 9, "test": 9}  # the split make train makes
    assert index["class_names"] == ["bottom", "top"] and index["input_shape"] == [3, 16, 16]
    assert index["data"]["image_size"] == [16, 16] and torch.tensor(index["mean"]).numel() == 3
    from litdata import StreamingDataset

    item = StreamingDataset(str(chunks / "train"))[0]
    assert item["x"].dtype == torch.uint8 and item["x"].shape == (3, 16, 16)  # stored resized


def test_training_from_chunks_reads_them_and_their_statistics(chunks, compose_train):
    from dlkit.data.images import ImageFolderDataModule
    from dlkit.training.run import train

    cfg = compose_train("data=litdata", f"data.path={chunks}", "data.batch_size=16", *FEW_BATCHES)
    train(cfg)
    summary = read_summary(Path(cfg.paths.output_dir))
    assert summary["status"] == "completed" and summary["storage"] == "litdata"
    assert summary["samples"] == {"train": 42, "val": 9, "test": 9}
    state = torch.load(summary["best_checkpoint"], weights_only=True)["LitDataModule"]
    folder = ImageFolderDataModule(
        json.loads((chunks / "dlkit.json").read_text())["data"]["path"], image_size=(16, 16)
    )
    folder.setup("fit")
    assert state["class_names"] == ["bottom", "top"]
    assert torch.allclose(torch.tensor(state["mean"]), folder.mean)  # fitted on the train split


def test_bad_chunks_and_folders_stop_with_the_fix(chunks, tmp_path):
    from dlkit_litdata.data import LitDataModule

    with pytest.raises(ValueError, match=r"holds no chunks written by make optimize: make them"):
        LitDataModule(str(tmp_path)).setup("fit")
    with pytest.raises(ValueError, match=r"is no folder: make them with `make optimize"):
        LitDataModule(str(tmp_path / "nowhere")).setup("fit")
    with pytest.raises(ValueError, match=r"another data configuration .* image size \[16, 16\], not \[32, 32\]"):  # fmt: skip
        LitDataModule(str(chunks), image_size=[32, 32]).setup("fit")
    with pytest.raises(ValueError, match=r"classes \['bottom', 'top'\], not \['cat', 'dog'\]"):
        LitDataModule(str(chunks), classes=["cat", "dog"]).setup("fit")


def test_optimize_refuses_a_folder_with_files_unless_told_to_overwrite(tmp_path):
    pictures = _image_folder(tmp_path / "pictures", n=20)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert _optimize(tmp_path, pictures, out) == 2
    assert (out / "notes.txt").is_file()  # left alone
    assert read_summary(tmp_path / "optimize_run")["error"].count("overwrite=true") == 1
    assert _optimize(tmp_path, pictures, out, "overwrite=true") == 0
    assert not (out / "notes.txt").exists() and (out / "dlkit.json").is_file()


@pytest.mark.slow
def test_a_litdata_run_stopped_mid_epoch_resumes_to_the_same_test_metrics(chunks, tmp_path):
    overrides = (
        *STOPPABLE,
        "data=litdata",
        f"data.path={chunks}",
        "data.batch_size=8",
        "data.num_workers=1",
        *folders(tmp_path),
    )
    whole = tmp_path / "whole"
    result = run("-m", "dlkit.cli.train", *overrides, f"hydra.run.dir={whole}")
    assert result.returncode == 0, output(result)[-3000:]
    stopped = tmp_path / "stopped"
    stop = (  # SIGTERM after the 6th training batch: the 2nd of 4 in epoch 1
        "+callbacks.zz_signal._target_=tests.faults.SignalAt",
        "+callbacks.zz_signal.hook=on_train_batch_end",
        "+callbacks.zz_signal.at=6",
        f"+callbacks.zz_signal.signum={int(signal.SIGTERM)}",
    )
    result = run("-m", "dlkit.cli.train", *overrides, *stop, f"hydra.run.dir={stopped}")
    assert result.returncode == 143, output(result)[-3000:]
    last = torch.load(stopped / "checkpoints" / "last.ckpt", weights_only=True)
    assert last["LitDataModule"]["litdata_loader"]  # LitData's own place in the epoch
    resumed = run("make", "train", f"resume={stopped}", "ARGS=~callbacks.zz_signal")
    assert resumed.returncode == 0, output(resumed)[-3000:]
    assert read_summary(stopped)["test"] == read_summary(whole)["test"]


@pytest.mark.slow
def test_two_ddp_processes_train_on_disjoint_shares_of_the_chunks(chunks, tmp_path):
    seen = tmp_path / "seen"
    seen.mkdir()
    run_dir = tmp_path / "run"
    result = run(
        "-m",
        "dlkit.cli.train",
        "data=litdata",
        f"data.path={chunks}",
        "data.batch_size=4",
        "data.num_workers=1",
        "trainer=ddp_cpu",
        "trainer.max_epochs=1",
        "callbacks.reports=null",
        "+callbacks.zz_seen._target_=tests.data.recorded_reads.RecordedBatches",
        f"+callbacks.zz_seen.folder={seen}",
        *folders(tmp_path),
        f"hydra.run.dir={run_dir}",
    )
    assert result.returncode == 0, output(result)[-3000:]
    by_rank = [(seen / f"train_{rank}.txt").read_text().splitlines() for rank in (0, 1)]
    # 42 training samples, 21 per rank in LitData's shares; the last of each share dropped so
    # that both take 5 whole batches (drop_last): none trained on twice, none by both ranks
    assert len(by_rank[0]) == len(by_rank[1]) == 20
    assert set(by_rank[0]).isdisjoint(by_rank[1])
    assert len(set(by_rank[0]) | set(by_rank[1])) == 40


def test_training_chunks_hold_the_classes_mixed_not_one_after_another(chunks):
    """LitData shuffles chunks and blocks inside them, not whole splits: training samples must be
    written shuffled, or a batch holds one or two classes of a folder listed class by class."""
    from litdata import StreamingDataset

    stored = StreamingDataset(str(chunks / "train"), batch_decode=0)
    labels = [int(stored[i]["y"]) for i in range(len(stored))]
    assert sorted(labels) == [0] * 21 + [1] * 21  # every training sample, once
    changes = sum(a != b for a, b in itertools.pairwise(labels))
    assert changes >= 10, labels  # written class by class: 1 change per chunk (about 20 shuffled)
