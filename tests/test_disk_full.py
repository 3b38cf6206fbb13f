"""A run whose disk fills up stops with one message naming the folder, and loses nothing earlier.

A real full disk: a 2 MB tmpfs mounted for the test (it needs root; skipped, saying why, where
mounting is not allowed). The digits CNN writes checkpoints of about 0.8 MB, so the disk fills
during the first epochs.
"""

import json
import subprocess

import pytest
import torch

from tests.helpers import FEW_BATCHES, output, run


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip()}): needs root")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_stops_the_run_with_one_message(small_disk, tmp_path):
    run_dir = small_disk / "run"
    result = run("-m", "dlkit.cli.train",
        "trainer.max_epochs=6", *FEW_BATCHES, "callbacks.model_checkpoint.save_top_k=-1",
        f"hydra.run.dir={run_dir}", f"paths.data_dir={tmp_path / 'data'}",
    )  # fmt: skip
    text = output(result)
    assert result.returncode == 2, text[-3000:]
    assert f"the disk of {run_dir} is full" in text and "Traceback" not in text
    for path in (run_dir / "checkpoints").glob("*.ckpt"):  # every checkpoint there is whole
        torch.load(path, weights_only=True)
    summary = run_dir / "summary.json"
    if summary.exists():  # written if there was room: then it says how the run ended
        assert json.loads(summary.read_text())["status"] == "failed"


def test_an_error_whose_causes_loop_is_not_taken_for_a_full_disk(tmp_path):
    from dlkit.runs.disk_space import out_of_space
    from dlkit.runs.folder import RunFolder

    first, second = ValueError("batch_size"), RuntimeError("while handling it")
    first.__context__, second.__context__ = second, first  # a chain that loops back
    assert out_of_space(first, RunFolder(tmp_path)) is None
    full = OSError(28, "No space left on device")
    second.__context__ = full
    assert out_of_space(first, RunFolder(tmp_path)) is not None
