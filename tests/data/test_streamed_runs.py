"""Whole runs on streamed image folders (slow): a run stopped mid-epoch resumes to the same test
metrics, two DDP processes read disjoint shares that cover the data and count the bad files of
both shares, and the peak memory of a streaming run does not grow with the number of images."""

import json
import signal
from pathlib import Path

import pytest
import torch

from dlkit.data.images import ImageFolderDataModule
from tests.data.test_image_data import _image_folder
from tests.helpers import STOPPABLE, folders, output, read_summary, run

pytestmark = pytest.mark.slow


def _stream_overrides(folder: Path, workers: int = 2) -> tuple[str, ...]:
    return (
        "data=image_folder",
        f"data.path={folder}",
        "data.image_size=[16,16]",
        "data.batch_size=8",
        "data.storage=stream",
        f"data.num_workers={workers}",
    )


def test_a_streamed_run_stopped_mid_epoch_resumes_to_the_same_test_metrics(tmp_path):
    folder = _image_folder(tmp_path / "pictures", n=80)
    overrides = (*STOPPABLE, *_stream_overrides(folder), "augmentation=image", *folders(tmp_path))
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
    assert last["ImageFolderDataModule"]["train_position"] == [1, 2]  # epoch 1, 2 batches done

    resumed = run("make", "train", f"resume={stopped}", "ARGS=~callbacks.zz_signal")
    assert resumed.returncode == 0, output(resumed)[-3000:]
    assert read_summary(stopped)["test"] == read_summary(whole)["test"]  # equal, not close


def test_two_ddp_processes_read_disjoint_shares_that_cover_the_data(tmp_path):
    folder = _image_folder(tmp_path / "pictures", n=40)  # 28 train, 6 val, 6 test: even shares
    reads = tmp_path / "reads"
    reads.mkdir()
    run_dir = tmp_path / "run"
    result = run(
        "-m",
        "dlkit.cli.train",
        *_stream_overrides(folder, workers=1),
        "data._target_=tests.data.recorded_reads.RecordedImageFolder",
        f"+data.record_to={reads}",
        "data.normalize=false",  # each rank would read the same seeded sample for statistics
        "trainer=ddp_cpu",
        "trainer.max_epochs=1",
        "callbacks.reports=null",
        *folders(tmp_path),
        f"hydra.run.dir={run_dir}",
    )
    assert result.returncode == 0, output(result)[-3000:]
    by_rank = {rank: (reads / f"reads_{rank}.txt").read_text().splitlines() for rank in ("0", "1")}
    everything = {str(p) for p in folder.rglob("*.*")}
    # the loaders' workers of fit, validation of the best checkpoint and test: every file is
    # read by one rank only, and the two ranks together read all of them
    assert set(by_rank["0"]).isdisjoint(by_rank["1"])
    assert set(by_rank["0"]) | set(by_rank["1"]) == everything
    assert len(by_rank["0"]) == len(by_rank["1"]) == (28 + 6 + 6 + 6) // 2
    assert read_summary(run_dir)["status"] == "completed"


def test_under_ddp_the_files_skipped_by_every_rank_are_counted(tmp_path):
    folder = _image_folder(tmp_path / "pictures", n=40)  # 28 train, 6 val, 6 test
    listed = ImageFolderDataModule(str(folder), image_size=(16, 16), storage="stream")
    listed.setup("fit")
    # validation rows go to the ranks in turn (row 0 to rank 0, row 1 to rank 1): one bad file
    # in each rank's share
    bad = [Path(listed.datasets["val"].paths[row]) for row in (0, 1)]
    for path in bad:
        path.write_bytes(path.read_bytes()[:200])
    run_dir = tmp_path / "run"
    result = run(
        "-m",
        "dlkit.cli.train",
        *_stream_overrides(folder, workers=1),
        "data.normalize=false",
        "data.skip_bad_files=true",
        "trainer=ddp_cpu",
        "trainer.max_epochs=1",
        "callbacks.reports=null",
        *folders(tmp_path),
        f"hydra.run.dir={run_dir}",
    )
    assert result.returncode == 0, output(result)[-3000:]
    skipped = read_summary(run_dir)["skipped_files"]
    assert skipped["count"] == 2
    for path in bad:
        assert sum(str(path) in message for message in skipped["files"]) == 1


PEAK = """
import json, resource, runpy, sys
sys.argv = ["dlkit.cli.train", *sys.argv[1:]]
try:
    runpy.run_module("dlkit.cli.train", run_name="__main__", alter_sys=True)
finally:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print("PEAK", json.dumps({"main_kb": own, "worker_kb": workers}))
"""


def _peak_kb(tmp_path: Path, name: str, folder: Path, storage: str) -> dict:
    result = run(
        "-c",
        PEAK,
        "data=image_folder",
        f"data.path={folder}",
        "data.image_size=[128,128]",
        f"data.storage={storage}",
        "data.num_workers=1",
        # statistics from 100 files whatever the folder's size (the default: 2,000)
        "data.standardization_sample=100",
        "trainer.max_epochs=1",
        "++trainer.limit_train_batches=3",
        "++trainer.limit_val_batches=1",
        "++trainer.limit_test_batches=1",
        "model=mlp",
        "model.net.hidden_sizes=[8]",
        "callbacks.reports=null",
        *folders(tmp_path),
        f"hydra.run.dir={tmp_path / name}",
    )
    assert result.returncode == 0, output(result)[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("PEAK"))
    return json.loads(line.split(" ", 1)[1])


def test_the_peak_memory_of_a_streaming_run_is_flat_in_the_number_of_images(tmp_path):
    small = _image_folder(tmp_path / "small", n=150, size=128)
    large = _image_folder(tmp_path / "large", n=1500, size=128, seed=1)  # 10x: 74 MB decoded
    stream_small = _peak_kb(tmp_path, "s_small", small, "stream")
    stream_large = _peak_kb(tmp_path, "s_large", large, "stream")
    memory_small = _peak_kb(tmp_path, "m_small", small, "memory")
    memory_large = _peak_kb(tmp_path, "m_large", large, "memory")
    # what measures memory here sees in-memory data grow: by more than its 66 MB decoded
    assert memory_large["main_kb"] - memory_small["main_kb"] > 60_000
    # streamed, 10x the images cost less than 25 MB more in the main process and in a worker
    # (the file list, a few KB; the rest is allocator noise)
    assert stream_large["main_kb"] - stream_small["main_kb"] < 25_000
    assert stream_large["worker_kb"] - stream_small["worker_kb"] < 25_000
