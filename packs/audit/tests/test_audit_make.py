"""`make audit audit.group_column=…` and `make explain` as a user types them: each output exists
and parses."""

import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from tests.helpers import output, run


@pytest.mark.slow  # four processes, each importing torch, Lightning and Captum
def test_make_audit_with_groups_and_make_explain(tmp_path, table_csv, table_overrides):
    csv = table_csv(tmp_path / "rows.csv", n=300)
    train = run(
        "make",
        "train",
        *table_overrides,
        f"data.path={csv}",
        "trainer.max_epochs=2",
        f"paths.data_dir={tmp_path / 'data'}",
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    assert train.returncode == 0, train.stderr[-3000:]
    best = json.loads((tmp_path / "run" / "summary.json").read_text())["best_checkpoint"]

    audited = run(
        "make",
        "audit",
        f"ckpt_path={best}",
        "audit.group_column=site",
        f"hydra.run.dir={tmp_path / 'a'}",
    )
    assert audited.returncode == 0, audited.stderr[-3000:]
    assert "largest gap in acc between site groups" in audited.stdout
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert set(summary["groups"]["groups"]) == {"east", "north", "south"}
    assert 0 <= summary["test_report"]["calibration"]["ece"] <= 1
    assert pd.read_csv(tmp_path / "a" / "confident_mistakes.csv")[
        "confidence"
    ].is_monotonic_decreasing
    for picture in ("group_metrics.png", "calibration.png"):
        assert Image.open(tmp_path / "a" / picture).size[0] > 300

    explained = run(
        "make", "explain", f"ckpt_path={best}", f"input={csv}", f"hydra.run.dir={tmp_path / 'x'}"
    )
    assert explained.returncode == 0, explained.stderr[-3000:]
    rows = pd.read_csv(tmp_path / "x" / "attributions.csv")
    assert list(rows.columns)[3:] == ["a", "b", "c", "d", "color"] and len(rows) == 256
    assert np.load(tmp_path / "x" / "attributions.npz")["attributions"].shape == (256, 7)
    assert Image.open(tmp_path / "x" / "attributions.png").size[0] > 300

    wrong = run(
        "make",
        "explain",
        f"ckpt_path={best}",
        "explain.method=gradcam",
        f"hydra.run.dir={tmp_path / 'w'}",
    )
    assert wrong.returncode == 2 and "gradcam needs a convolutional net" in output(wrong)
    assert "Traceback" not in output(wrong)
