"""A classical scikit-learn model on exactly the network's training split: "classical ML vs deep".

The baseline sees the same samples as the network (the data module's train split, fold included),
standardized with the same statistics fitted on that split, flattened to one feature vector per
sample. It is scored on the test split with the network's own metric definitions (the task
module's torchmetrics), so the two columns of the comparison mean the same thing. Data streamed
from files (`data.storage=stream`): fitted on a seeded sample of at most `data.baseline_sample`
training files and scored on the test split a batch at a time, so that memory stays bounded
(`fitted_on` in summary.json says on how many of the training samples it was fitted).

A data module whose samples are not numbers to flatten gives its own (`baseline_inputs`: text
gives the raw strings), and says so (`baseline_reads`); a baseline config names what it reads
(`reads`, numbers by default), so a mismatch stops before training.
"""

import logging
import time

import hydra
import torch
from omegaconf import DictConfig

from dlkit.data.base import BaseDataModule
from dlkit.errors import ConfigError
from dlkit.models.task import TaskModule

log = logging.getLogger(__name__)


def check_baseline(cfg: DictConfig, datamodule: BaseDataModule) -> None:
    """Stop before training when the chosen baseline has no model for the data's task, or
    reads other inputs than the data module gives."""
    task = datamodule.task
    if cfg.get(task) is None:
        fitting = "ridge, random_forest, svm" if task == "regression" else "any"
        raise ConfigError(
            f"baseline={cfg.name} has no {task} model: choose baseline=<{fitting}> or baseline=none"
        )
    reads, gives = cfg.get("reads", "numbers"), datamodule.baseline_reads
    if reads != gives:
        raise ConfigError(
            f"baseline={cfg.name} reads {reads}, but {type(datamodule).__name__} gives a "
            f"classical model {gives}: choose a baseline that reads {gives} "
            "(configs/baseline/), or baseline=none"
        )


def fit_baseline(cfg: DictConfig, datamodule: BaseDataModule, model: TaskModule) -> dict:
    """Fit on the train split (streamed files: a seeded sample of it), score on the whole test
    split a batch at a time: {"name", "test", "fit_s", "fitted_on": {"samples", "of"}}."""
    check_baseline(cfg, datamodule)
    estimator = hydra.utils.instantiate(cfg[datamodule.task])
    x_train, y_train = datamodule.baseline_inputs("train")
    fitted_on = {"samples": len(y_train), "of": len(datamodule.datasets["train"])}
    start = time.perf_counter()
    estimator.fit(x_train, y_train)
    fit_s = time.perf_counter() - start
    metrics = model.make_metrics()
    for x_test, y_test in datamodule.baseline_batches("test"):
        predicted = torch.as_tensor(estimator.predict(x_test))
        if datamodule.task == "regression":
            predicted = predicted.float()
        metrics.update(predicted, torch.as_tensor(y_test))
    test = {name: float(value) for name, value in metrics.compute().items()}
    log.info(
        "baseline %s: test %s (fit in %.2f s on %d of %d training samples)",
        cfg.name,
        test,
        fit_s,
        fitted_on["samples"],
        fitted_on["of"],
    )
    return {"name": cfg.name, "test": test, "fit_s": round(fit_s, 3), "fitted_on": fitted_on}
