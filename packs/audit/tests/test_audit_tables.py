"""The audit of a table model: `make audit` (calibration, mistakes, `audit.group_column=…`) and
`make explain` on rows of a CSV, on a table where one feature alone decides the class."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from omegaconf import OmegaConf
from sklearn.metrics import confusion_matrix, f1_score

from dlkit.saved.load import load_run
from dlkit.training.run import train
from dlkit_audit.audit import audit
from dlkit_audit.explain import explain
from tests.helpers import compose_config, read_summary

# each test audits a table model trained for 12 epochs; test_audit_quick.py: the fast one
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(tmp_path_factory, table_csv, table_overrides) -> dict:
    root = tmp_path_factory.mktemp("table")
    csv = table_csv(root / "rows.csv")
    overrides = [*table_overrides, f"data.path={csv}", "trainer.max_epochs=12", "optimizer.lr=0.02"]
    train(compose_config("train", overrides, root / "run", root / "data"))
    summary = read_summary(root / "run")
    return {"root": root, "csv": csv, "summary": summary, "ckpt": summary["best_checkpoint"]}


def _command(trained, name: str, tmp_path: Path, *overrides: str):
    cfg = compose_config(
        name, [f"ckpt_path={trained['ckpt']}", *overrides], tmp_path / name, trained["root"]
    )
    return {"audit": audit, "explain": explain}[name](cfg)


def test_audit_reports_calibration_and_the_most_confident_mistakes(trained, tmp_path):
    _command(trained, "audit", tmp_path)
    summary, run = read_summary(tmp_path / "audit"), tmp_path / "audit"
    assert summary["test"] == pytest.approx(trained["summary"]["test"])  # the training's test
    report = summary["test_report"]
    assert report["per_class"] == trained["summary"]["test_report"]["per_class"]
    assert 0 <= report["calibration"]["ece"] <= 1 and (run / "calibration.png").is_file()
    assert "groups" not in summary and not (run / "group_metrics.png").exists()
    mistakes = pd.read_csv(run / "confident_mistakes.csv")
    assert len(mistakes) == report["mistakes"]["count"]
    assert mistakes["confidence"].is_monotonic_decreasing
    assert (mistakes["true"] != mistakes["predicted"]).all()
    # each mistake is the test row it names: its own columns (also `site`, no feature) beside
    assert {"input.c", "input.site", "input.label"} <= set(mistakes.columns)
    assert (mistakes["input.label"] == mistakes["true"]).all()


@pytest.mark.parametrize("method", ["integrated_gradients", "occlusion", "saliency"])
def test_attributions_rank_the_deciding_feature_first(trained, tmp_path, method):
    _command(trained, "explain", tmp_path, f"input={trained['csv']}", f"explain.method={method}")
    summary = read_summary(tmp_path / "explain")
    assert summary["status"] == "completed" and summary["num_inputs"] == 256  # explain.limit
    ranking = list(summary["feature_importance"])
    assert ranking[0] == "c", summary["feature_importance"]
    assert sorted(ranking) == ["a", "b", "c", "color", "d"]  # color=… summed back onto color
    rows = pd.read_csv(tmp_path / "explain" / "attributions.csv")
    assert list(rows.columns) == ["input", "prediction", "true", "a", "b", "c", "d", "color"]
    assert len(rows) == 256 and set(rows["true"]) == {"yes", "no"}  # the CSV's label column
    assert "training mean" in summary["baseline"] or method == "saliency"
    assert (tmp_path / "explain" / "attributions.png").stat().st_size > 0
    if method == "integrated_gradients":  # completeness: they add up to the output's change
        assert summary["convergence_delta"] < 0.05


def _by_hand(trained) -> pd.DataFrame:
    """Each test sample's prediction and its CSV row, matched on the feature values."""
    run = load_run(trained["ckpt"], "audit")
    x, y = run.datamodule.datasets["test"].tensors
    with torch.inference_mode():
        predicted = run.model(run.datamodule.transform_batch(x)).argmax(dim=1).numpy()
    csv = pd.read_csv(trained["csv"])
    features = run.datamodule.feature_names
    a, c = x[:, features.index("a")].numpy(), x[:, features.index("c")].numpy()
    distance = np.abs(csv["a"].to_numpy() - a[:, None]) + np.abs(csv["c"].to_numpy() - c[:, None])
    match = distance.argmin(axis=1)
    return pd.DataFrame({"site": csv["site"].to_numpy()[match], "y": y.numpy(), "p": predicted})


def test_per_group_metrics_equal_those_of_each_groups_rows(trained, tmp_path, capsys):
    _command(trained, "audit", tmp_path, "audit.group_column=site")
    report = read_summary(tmp_path / "audit")["groups"]
    rows = _by_hand(trained)
    assert set(report["groups"]) == set(rows["site"])
    for site, part in rows.groupby("site"):
        scores = report["groups"][site]
        assert scores["support"] == len(part)
        assert scores["acc"] == pytest.approx((part["y"] == part["p"]).mean())
        assert scores["f1"] == pytest.approx(f1_score(part["y"], part["p"], average="macro"))
        assert scores["confusion_matrix"] == confusion_matrix(part["y"], part["p"]).tolist()
        low, high = scores["acc_interval"]
        assert low <= scores["acc"] <= high
    gap = report["largest_gap"]["acc"]
    accuracies = [s["acc"] for s in report["groups"].values()]
    assert gap["gap"] == pytest.approx(max(accuracies) - min(accuracies))
    assert (tmp_path / "audit" / "group_metrics.png").is_file()
    assert "largest gap in acc between site groups" in capsys.readouterr().out


def test_bad_audits_stop_with_the_cause(trained, tmp_path):
    with pytest.raises(ValueError, match=r"audit.group_column=town is not a column .*'site'"):
        _command(trained, "audit", tmp_path, "audit.group_column=town")
    with pytest.raises(ValueError, match=r"none of its 3 groups has .*=1000.* lower"):
        _command(trained, "audit", tmp_path, "audit.group_column=site", "audit.min_group_size=1000")
    assert read_summary(tmp_path / "audit")["status"] == "failed"
    with pytest.raises(ValueError, match=r"audit.min_group_size must be at least 1, got 0"):
        _command(trained, "audit", tmp_path, "audit.min_group_size=0")
    with pytest.raises(ValueError, match=r"gradcam needs a convolutional net.*MLP.*saliency"):
        _command(trained, "explain", tmp_path, "explain.method=gradcam")
    assert read_summary(tmp_path / "explain")["status"] == "failed"


def test_explain_a_run_whose_data_is_gone_says_so(trained, tmp_path):
    copy = tmp_path / "moved"
    shutil.copytree(trained["root"] / "run", copy)
    cfg = OmegaConf.load(copy / "config.yaml")
    cfg.data.path = str(tmp_path / "gone.csv")
    OmegaConf.save(cfg, copy / "config.yaml")
    ckpt = copy / "checkpoints" / Path(trained["ckpt"]).name
    with pytest.raises(ValueError, match=r"data of the run .* cannot be read .*gone.csv"):
        explain(compose_config("explain", [f"ckpt_path={ckpt}"], tmp_path / "e", tmp_path))


def test_groups_of_a_folds_checkpoint(trained, tmp_path, table_overrides):
    overrides = [
        *table_overrides,
        f"data.path={trained['csv']}",
        "trainer.max_epochs=1",
        "cv.folds=2",
    ]
    train(compose_config("train", overrides, tmp_path / "cv", tmp_path))
    fold = read_summary(tmp_path / "cv" / "fold_1")
    cfg = compose_config(
        "audit",
        [f"ckpt_path={fold['best_checkpoint']}", "audit.group_column=site"],
        tmp_path / "audit",
        tmp_path,
    )
    audit(cfg)
    summary = read_summary(tmp_path / "audit")
    assert summary["test"]["acc"] == pytest.approx(fold["test"]["acc"])
    supports = [g["support"] for g in summary["groups"]["groups"].values()]
    assert sum(supports) == sum(c["support"] for c in fold["test_report"]["per_class"].values())
