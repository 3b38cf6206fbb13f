"""`make audit` and `make explain` on a run that streamed its image folder (data.storage=stream):
the test split stays files, and the audit decodes only the rows it shows."""

import numpy as np
import pytest

from dlkit.training.run import train
from dlkit_audit.audit import audit
from dlkit_audit.explain import explain
from tests.data.test_image_data import _image_folder
from tests.helpers import FEW_BATCHES, compose_config, read_summary


def test_audit_and_explain_a_streamed_image_folder_run(tmp_path):
    folder = _image_folder(tmp_path / "pictures", n=60)
    overrides = [
        "data=image_folder",
        f"data.path={folder}",
        "data.image_size=[16,16]",
        "data.storage=stream",
        "data.num_workers=0",
        "model=cnn",
        "model.net.channels=[4]",
        "trainer.max_epochs=1",
        *FEW_BATCHES,
    ]
    train(compose_config("train", overrides, tmp_path / "run", tmp_path / "data"))
    run = read_summary(tmp_path / "run")
    assert run["storage"] == "stream"

    ckpt = f"ckpt_path={run['best_checkpoint']}"
    audit(compose_config("audit", [ckpt], tmp_path / "a", tmp_path / "data"))
    audited = read_summary(tmp_path / "a")
    assert audited["status"] == "completed" and audited["test"] == pytest.approx(run["test"])
    mistakes = audited["test_report"]["mistakes"]["count"]
    assert (tmp_path / "a" / "confident_mistakes.png").is_file() == (mistakes > 0)

    settings = [ckpt, "explain.method=saliency", "explain.limit=5"]
    explain(compose_config("explain", settings, tmp_path / "x", tmp_path / "data"))
    with np.load(tmp_path / "x" / "attributions.npz") as saved:
        assert saved["attributions"].shape == (5, 3, 16, 16)
