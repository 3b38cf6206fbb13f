"""Task modules: the data's task picks classification or regression around the same net; losses,
label smoothing and per-split metrics; the compile switch."""

import pytest
import torch
import torch.nn.functional as F
from sklearn.metrics import f1_score

from dlkit.models.classification import ClassificationModule
from dlkit.models.regression import RegressionModule
from dlkit.training.build import build_datamodule, build_model
from dlkit.training.run import train
from tests.helpers import read_summary
from tests.models.synthetic import synthetic_data

# what these tests do not look at, left out to keep them fast
LEAN = [
    "~callbacks.reports",
    "~callbacks.rich_progress_bar",
    "~callbacks.model_checkpoint",
    "~callbacks.last_checkpoint",
]


# a linear net (an MLP without hidden layers) and plain SGD, as configs give them
LINEAR = {"_target_": "dlkit.models.nets.mlp.MLP", "hidden_sizes": []}
SGD = {"_target_": "torch.optim.SGD", "_partial_": True, "lr": 0.1}


def _module(task: str, **kwargs):
    if task == "classification":
        return ClassificationModule(
            net=LINEAR, input_shape=[6], optimizer=SGD, num_classes=3, **kwargs
        )
    return RegressionModule(net=LINEAR, input_shape=[6], optimizer=SGD, **kwargs)


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
    cfg = compose_train("model=mlp", "model.label_smoothing=0.2")
    module = build_model(cfg, build_datamodule(cfg))
    assert isinstance(module, ClassificationModule) and module.label_smoothing == 0.2


def test_the_task_picks_the_lightning_module_and_the_metric(compose_train):
    """`task=regression` (data=diabetes picks it) sets the LightningModule, the data's task and
    the optimized metric together; the config names the module's class."""
    cfg = compose_train("data=diabetes")
    assert cfg.model._target_ == "dlkit.models.regression.RegressionModule"
    assert (cfg.data.task, cfg.optimized_metric) == ("regression", "val/r2")
    assert isinstance(build_model(cfg, build_datamodule(cfg)), RegressionModule)


def test_a_task_that_does_not_fit_the_data_says_so(compose_train):
    with pytest.raises(ValueError, match="serves regression, not task=classification"):
        build_datamodule(compose_train("data=diabetes", "task=classification"))
    cfg = compose_train("data=diabetes", "data.task=classification")  # the module stays
    cfg.model._target_ = "dlkit.models.regression.RegressionModule"
    with pytest.raises(
        ValueError, match=r"data\.task=classification, but the model is a regression"
    ):
        build_model(cfg, build_datamodule(compose_train("data=wine")))


def test_a_checkpoint_rebuilds_its_model_anywhere(trained_run):
    """save_hyperparameters: the checkpoint holds the net's and optimizer's configs and the
    sizes, in plain types, so Lightning's load_from_checkpoint needs nothing else."""
    checkpoint = trained_run / "checkpoints" / "last.ckpt"
    model = ClassificationModule.load_from_checkpoint(checkpoint, weights_only=True)
    assert model.hparams.net["_target_"] == "dlkit.models.nets.mlp.MLP"
    assert model.hparams.num_classes == 10 and list(model.hparams.input_shape) == [1, 8, 8]
    saved = torch.load(checkpoint, weights_only=True)["state_dict"]
    assert all(torch.equal(saved[k], v) for k, v in model.state_dict().items())
    assert model(torch.zeros(2, 1, 8, 8)).shape == (2, 10)


def test_a_checkpoint_naming_something_else_than_a_net_is_refused():
    with pytest.raises(ValueError, match=r"'os\.system' is not a torch\.nn"):
        ClassificationModule(
            net={"_target_": "os.system"}, input_shape=[6], optimizer=SGD, num_classes=3
        )


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


def test_compile_switch_compiles_the_net_in_place():
    module = _module("classification", compile=True)
    assert module.net._compiled_call_impl is not None
    # parameter names, and so checkpoints, stay those of the plain net
    assert set(module.state_dict()) >= {"net.layers.1.weight", "net.layers.1.bias"}


@pytest.mark.slow
def test_a_compiled_net_trains(compose_train):
    torch._dynamo.reset()  # counts only the graphs this run captures
    counters = torch._dynamo.utils.counters
    counters.clear()
    cfg = compose_train(
        "model=mlp", *synthetic_data("table"), "model.compile=true", "trainer.max_epochs=2"
    )
    train(cfg)
    summary = read_summary(cfg)
    assert summary["status"] == "completed"
    # the steps ran through graphs torch.compile captured, not the plain net's eager calls
    assert counters["stats"]["unique_graphs"] >= 1
    # and it learned: three equal classes, chance is a third
    assert summary["test"]["acc"] > 0.5
    # the checkpoint keeps the plain net's parameter names
    state = torch.load(summary["best_checkpoint"], weights_only=True)["state_dict"]
    assert "net.layers.1.weight" in state and not any("_orig_mod" in key for key in state)
