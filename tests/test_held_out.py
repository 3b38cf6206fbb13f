"""The held-out report and the classical baseline, through a `train` run as a user starts it."""

import json
from pathlib import Path

import hydra
import numpy as np
import pytest
from omegaconf import OmegaConf
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

from dlkit.training import train

FAST = ("model=mlp", "trainer.max_epochs=1")


def _summary(run_dir: Path) -> dict:
    return json.loads((run_dir / "summary.json").read_text())


def test_classification_report_and_baseline_on_the_same_split(compose_train, capsys):
    cfg = compose_train("baseline=logistic_regression", *FAST)
    train(cfg)
    run_dir = Path(cfg.paths.output_dir)
    summary = _summary(run_dir)

    # per-class scores and the confusion matrix of the test split
    report = summary["test_report"]
    names = [str(c) for c in range(10)]
    assert list(report["per_class"]) == names
    counts = np.array(report["confusion_matrix"]["counts"])
    supports = [report["per_class"][n]["support"] for n in names]
    assert counts.shape == (10, 10) and counts.sum(axis=1).tolist() == supports
    assert np.trace(counts) / counts.sum() == pytest.approx(summary["test"]["acc"], abs=1e-6)
    normalized = np.array(report["confusion_matrix"]["normalized"])
    assert normalized.sum(axis=1) == pytest.approx(np.ones(10), abs=1e-3)
    assert "roc_auc" not in report  # ten classes: no ROC curve
    assert (run_dir / "confusion_matrix.png").is_file()

    # the baseline, refitted here on the split the saved config rebuilds, scores the same
    baseline = summary["baseline"]
    assert baseline["name"] == "logistic_regression" and baseline["fit_s"] > 0
    saved = OmegaConf.load(run_dir / "config.yaml")
    datamodule = hydra.utils.instantiate(saved.data)
    datamodule.setup("fit")
    (x_train, y_train), (x_test, y_test) = (
        datamodule.datasets[s].tensors for s in ("train", "test")
    )
    mean = x_train.double().mean(dim=(0, 2, 3), keepdim=True)
    std = x_train.double().std(dim=(0, 2, 3), keepdim=True)
    flat = lambda x: ((x.double() - mean) / std).reshape(len(x), -1).numpy()  # noqa: E731
    model = LogisticRegression(max_iter=2000, random_state=saved.seed).fit(flat(x_train), y_train)
    predicted = model.predict(flat(x_test))
    assert baseline["test"]["acc"] == pytest.approx(
        accuracy_score(y_test, predicted), abs=1.01 / len(y_test)
    )
    assert baseline["test"]["f1"] == pytest.approx(
        f1_score(y_test, predicted, average="macro"), abs=2.02 / len(y_test)
    )

    printed = capsys.readouterr().out
    assert "per-class scores" in printed and "network vs classical baseline" in printed
