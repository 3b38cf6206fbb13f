"""A classical scikit-learn model on exactly the network's training split: "classical ML vs deep".

The baseline sees the same samples as the network (the data module's train split, fold included),
standardized with the same statistics fitted on that split, flattened to one feature vector per
sample. It is scored on the test split with the network's own metric definitions (the task
module's torchmetrics), so the two columns of the comparison mean the same thing.

Text is the exception to flattening: token ids are names, not numbers, so a text baseline (one
with a `vectorizer`, such as TF-IDF) reads the raw strings of the same split instead.
"""

import logging
import time

import hydra
import torch
from omegaconf import DictConfig
from sklearn.pipeline import make_pipeline

from dlkit.data.base import BaseDataModule
from dlkit.errors import ConfigError
from dlkit.models.task import TaskModule

log = logging.getLogger(__name__)


def check_baseline(cfg: DictConfig, task: str, modality: str) -> None:
    """Stop before training when the chosen baseline has no model for the data's task, or
    reads texts where the data holds none (and the other way round)."""
    if cfg.get(task) is None:
        fitting = "ridge, random_forest, svm" if task == "regression" else "any"
        raise ConfigError(
            f"baseline={cfg.name} has no {task} model: choose baseline=<{fitting}> or baseline=none"
        )
    reads_texts = cfg.get("vectorizer") is not None
    if reads_texts and modality != "text":
        raise ConfigError(
            f"baseline={cfg.name} reads texts, but the data holds {modality} data: choose "
            "baseline=logistic_regression, random_forest, svm, ridge or none"
        )
    if modality == "text" and not reads_texts:
        raise ConfigError(
            f"baseline={cfg.name} reads numbers, but text data are token ids: choose "
            "baseline=tfidf_logistic_regression or none"
        )


def fit_baseline(cfg: DictConfig, datamodule: BaseDataModule, model: TaskModule) -> dict:
    """Fit on the train split, score on the test split: {"name", "test", "fit_s"}."""
    check_baseline(cfg, datamodule.task, datamodule.modality)
    estimator = hydra.utils.instantiate(cfg[datamodule.task])
    if cfg.get("vectorizer") is not None:  # texts -> n-gram vectors fitted on the train texts
        estimator = make_pipeline(_vectorizer(cfg.vectorizer), estimator)
    x_train, y_train = _features(datamodule, "train")
    x_test, y_test = _features(datamodule, "test")
    start = time.perf_counter()
    estimator.fit(x_train, y_train)
    fit_s = time.perf_counter() - start
    predicted = torch.as_tensor(estimator.predict(x_test))
    metrics = model.make_metrics()
    if datamodule.task == "regression":
        predicted = predicted.float()
    metrics.update(predicted, torch.as_tensor(y_test))
    test = {name: float(value) for name, value in metrics.compute().items()}
    log.info("baseline %s: test %s (fit in %.2f s)", cfg.name, test, fit_s)
    return {"name": cfg.name, "test": test, "fit_s": round(fit_s, 3)}


def _features(datamodule: BaseDataModule, split: str):
    """Standardized like the network's inputs (no augmentation), one flat vector per sample;
    text: the split's raw strings."""
    x, y = datamodule.datasets[split].tensors
    if datamodule.modality == "text":
        return datamodule.texts[split], y.numpy()
    x = datamodule.transform_batch(x, augment=False)
    return x.reshape(len(x), -1).numpy(), y.numpy()


def _vectorizer(cfg: DictConfig):
    """scikit-learn checks that `ngram_range` is a tuple; a config holds lists."""
    vectorizer = hydra.utils.instantiate(cfg)
    return vectorizer.set_params(ngram_range=tuple(vectorizer.ngram_range))
