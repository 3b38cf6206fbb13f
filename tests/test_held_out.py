"""The held-out report and the classical baseline, through a `train` run as a user starts it."""

from pathlib import Path

import hydra
import numpy as np
import pytest
from omegaconf import OmegaConf
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

from dlkit.training.run import train
from tests.helpers import read_summary

FAST = ("model=mlp", "trainer.max_epochs=1")


def test_classification_report_and_baseline_on_the_same_split(compose_train, capsys):
    cfg = compose_train("data=wine", "baseline=logistic_regression", *FAST)
    train(cfg)
    run_dir = Path(cfg.paths.output_dir)
    summary = read_summary(run_dir)

    # per-class scores and the confusion matrix of the test split
    report = summary["test_report"]
    names = ["class_0", "class_1", "class_2"]
    assert list(report["per_class"]) == names
    counts = np.array(report["confusion_matrix"]["counts"])
    supports = [report["per_class"][n]["support"] for n in names]
    assert counts.shape == (3, 3) and counts.sum(axis=1).tolist() == supports
    assert np.trace(counts) / counts.sum() == pytest.approx(summary["test"]["acc"], abs=1e-6)
    normalized = np.array(report["confusion_matrix"]["normalized"])
    assert normalized.sum(axis=1) == pytest.approx(np.ones(3), abs=1e-3)
    assert "roc_auc" not in report  # three classes: no ROC curve
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
    mean, std = x_train.double().mean(dim=0), x_train.double().std(dim=0)
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


def test_binary_report_has_roc_and_pr_curves(compose_train):
    cfg = compose_train("data=breast_cancer", "baseline=svm", *FAST)
    train(cfg)
    run_dir = Path(cfg.paths.output_dir)
    summary = read_summary(run_dir)
    report = summary["test_report"]
    assert list(report["per_class"]) == ["malignant", "benign"]
    assert 0.5 < report["roc_auc"] <= 1 and 0.5 < report["average_precision"] <= 1
    assert (run_dir / "roc_pr_curves.png").is_file()
    assert summary["baseline"]["name"] == "svm"
    assert summary["baseline"]["test"].keys() == {"acc", "f1"}
    assert summary["baseline"]["test"]["acc"] > 0.8  # a linear-ish problem: chance is ~0.6


def test_regression_report_and_baseline(compose_train):
    cfg = compose_train("data=diabetes", "baseline=ridge", *FAST)
    train(cfg)
    run_dir = Path(cfg.paths.output_dir)
    summary = read_summary(run_dir)
    for picture in ("predicted_vs_true.png", "residuals.png"):
        assert (run_dir / picture).is_file()
    assert not (run_dir / "confusion_matrix.png").exists()
    assert set(summary["test_report"]) == {"residual_mean", "residual_std"}
    baseline = summary["baseline"]
    assert baseline["name"] == "ridge" and baseline["test"].keys() == {"mse", "mae", "r2"}
    assert baseline["test"]["r2"] > 0.2  # ridge on diabetes explains a fair share


def test_a_baseline_without_a_model_for_the_task_stops_before_training(compose_train):
    cfg = compose_train("data=diabetes", "baseline=logistic_regression", *FAST)
    with pytest.raises(ValueError, match="baseline=logistic_regression has no regression model"):
        train(cfg)
    assert not (Path(cfg.paths.output_dir) / "checkpoints").exists()
