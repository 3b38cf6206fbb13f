"""The task module hands its metric objects to Lightning once per epoch (the cheap way): the
epoch values must still cover every batch of the split, and every epoch must be logged."""

import csv

import hydra
import lightning.pytorch as L
import pytest
import torch
import torch.nn.functional as F
from lightning.pytorch.loggers import CSVLogger
from sklearn.metrics import accuracy_score, f1_score

from dlkit.training.build import build_model


def _data_and_model(cfg):
    datamodule = hydra.utils.instantiate(cfg.data)
    datamodule.prepare_data()
    datamodule.setup("fit")
    model = build_model(cfg, datamodule)
    return datamodule, model


def _trainer(**kwargs) -> L.Trainer:
    return L.Trainer(
        accelerator="cpu",
        devices=1,
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
        use_distributed_sampler=False,
        num_sanity_val_steps=0,
        **kwargs,
    )


# 270 validation samples: in batches of 50, five full batches and a partial one (one chunk of
# the metrics' updates, dlkit.models.metric_chunks); in batches of 8, 34 batches (two chunks fed
# during the epoch, the rest when the epoch's value is computed)
@pytest.mark.parametrize("batch_size", [50, 8])
def test_epoch_metrics_cover_every_batch(compose_train, batch_size):
    datamodule, model = _data_and_model(compose_train(f"data.batch_size={batch_size}"))
    trainer = _trainer(logger=False, max_epochs=1, limit_train_batches=3)
    trainer.fit(model, datamodule=datamodule)
    logged = trainer.validate(model, datamodule=datamodule, verbose=False)[0]

    x, y = datamodule.datasets["val"].tensors
    model.eval()
    with torch.no_grad():
        logits = model(datamodule.transform_batch(x))
    predicted = logits.argmax(-1).numpy()
    assert len(y) > 5 * batch_size
    assert logged["val/acc"] == pytest.approx(accuracy_score(y, predicted), abs=1e-6)
    assert logged["val/f1"] == pytest.approx(f1_score(y, predicted, average="macro"), abs=1e-5)
    assert logged["val/loss"] == pytest.approx(F.cross_entropy(logits, y).item(), rel=1e-5)


def test_every_epoch_is_logged(compose_train, tmp_path):
    datamodule, model = _data_and_model(compose_train())
    logger = CSVLogger(tmp_path, name="", version="")
    _trainer(logger=logger, max_epochs=3, limit_train_batches=2, limit_val_batches=2).fit(
        model, datamodule=datamodule
    )
    with open(tmp_path / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    for key in ("train/loss", "train/acc", "val/loss", "val/acc", "val/f1"):
        epochs = {int(row["epoch"]) for row in rows if row.get(key)}
        assert epochs == {0, 1, 2}, key
