"""Task modules: the data's task picks classification or regression around the same net; losses,
label smoothing and per-split metrics; the compile switch."""

import pytest
import torch
import torch.nn.functional as F
from sklearn.metrics import f1_score

from dlkit.models.classification import ClassificationModule
from dlkit.models.factory import build_module
from dlkit.models.regression import RegressionModule
from dlkit.training.build import build_optimizer
from dlkit.training.run import train
from tests.conftest import read_summary
from tests.models.synthetic import synthetic_data

# what these tests do not look at, left out to keep them fast
LEAN = [
    "~callbacks.reports",
    "~callbacks.rich_progress_bar",
    "~callbacks.model_checkpoint",
    "~callbacks.last_checkpoint",
]


def _module(task: str, **kwargs):
    return build_module(
        task=task,
        input_shape=(6,),
        num_outputs=3 if task == "classification" else 1,
        net=lambda input_shape, num_outputs: torch.nn.Linear(input_shape[0], num_outputs),
        optimizer=torch.optim.SGD,
        **kwargs,
    )


def test_the_same_net_serves_regression(compose_train):
    cfg = compose_train(
        "model=gru", *synthetic_data("sequence", task="regression"), "trainer.max_epochs=2", *LEAN
    )
    train(cfg)
    summary = read_summary(cfg)
    assert summary["task"] == "regression" and summary["status"] == "completed"
    assert set(summary["test"]) >= {"loss", "mse", "mae", "r2"}
    assert summary["optimized_metric"]["name"] == "val/r2"


def test_binary_classification_learns(compose_train):
    cfg = compose_train(
        "model=mlp",
        *synthetic_data("table", num_classes=2),
        "+data.num_samples=300",
        "trainer.max_epochs=5",
        *LEAN,
    )
    train(cfg)
    test = read_summary(cfg)["test"]
    assert test["acc"] > 0.75 and test["f1"] > 0.75  # two balanced classes: chance is 0.5


def test_label_smoothing_softens_the_loss():
    logits = torch.tensor([[8.0, 0.0, 0.0], [0.0, 8.0, 0.0]])
    targets = torch.tensor([0, 1])
    plain = _module("classification").compute_loss(logits, targets)
    smoothed = _module("classification", label_smoothing=0.1).compute_loss(logits, targets)
    assert smoothed == pytest.approx(F.cross_entropy(logits, targets, label_smoothing=0.1).item())
    assert smoothed > plain  # confident, correct predictions are penalized a little


def test_label_smoothing_reaches_the_module_from_the_config(compose_train):
    import hydra

    cfg = compose_train("model=mlp", "model.label_smoothing=0.2")
    module = hydra.utils.instantiate(
        cfg.model,
        optimizer=build_optimizer(cfg)[0],
        task="classification",
        input_shape=(6,),
        num_outputs=3,
    )
    assert isinstance(module, ClassificationModule) and module.label_smoothing == 0.2


@pytest.mark.parametrize(
    ("loss", "reference"),
    [("mse", F.mse_loss), ("mae", F.l1_loss), ("huber", F.huber_loss)],
)
def test_regression_losses_work_on_standardized_targets(loss, reference):
    module = _module("regression", regression_loss=loss, target_mean=100.0, target_std=10.0)
    assert isinstance(module, RegressionModule)
    outputs = torch.tensor([[0.5], [-1.0], [2.5]])
    targets = torch.tensor([110.0, 80.0, 100.0])
    expected = reference(outputs.squeeze(-1), (targets - 100.0) / 10.0)
    assert module.compute_loss(outputs, targets).item() == pytest.approx(expected.item())
    # predictions (and so the metrics) are in target units
    assert module.predict_from_outputs(outputs).tolist() == pytest.approx([105.0, 90.0, 125.0])


def test_each_split_has_its_own_accuracy_and_macro_f1():
    module = _module("classification")
    collections = [module.train_metrics, module.val_metrics, module.test_metrics]
    assert len({id(c) for c in collections}) == 3
    targets = torch.tensor([0, 0, 0, 0, 1, 2])
    predicted = torch.tensor([0, 0, 0, 0, 0, 2])
    scores = module.val_metrics(F.one_hot(predicted, 3).float(), targets)
    assert set(scores) == {"val/acc", "val/f1"}
    assert scores["val/acc"].item() == pytest.approx(5 / 6)
    assert scores["val/f1"].item() == pytest.approx(f1_score(targets, predicted, average="macro"))
    assert module.train_metrics["acc"].update_count == 0  # the splits do not share state


def test_bad_task_settings_say_what_to_do():
    with pytest.raises(ValueError, match="label_smoothing"):
        _module("classification", label_smoothing=1.0)
    with pytest.raises(ValueError, match="unknown regression loss"):
        _module("regression", regression_loss="l3")
    with pytest.raises(ValueError, match="unknown task"):
        _module("ranking")


def test_compile_switch_compiles_the_net_in_place():
    module = _module("classification", compile=True)
    assert module.net._compiled_call_impl is not None
    # parameter names, and so checkpoints, stay those of the plain net
    assert set(module.state_dict()) >= {"net.weight", "net.bias"}


@pytest.mark.slow
def test_a_compiled_net_trains(compose_train):
    cfg = compose_train(
        "model=mlp", *synthetic_data("table"), "model.compile=true", "trainer.max_epochs=2"
    )
    train(cfg)
    assert read_summary(cfg)["status"] == "completed"
