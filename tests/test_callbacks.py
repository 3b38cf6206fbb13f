"""The checkpoint and early-stopping switches, read back from what a run logged: the kept
checkpoint is the best epoch of metrics.csv by `optimized_metric` and its mode, last.ckpt is the
last epoch, and early stopping stops where its patience runs out."""

from pathlib import Path

import pandas as pd
import pytest
import torch

from dlkit.training.run import train
from tests.helpers import FEW_BATCHES, TINY_MLP, compose_config, read_summary

# A learning rate ten times larger each epoch (0.01, 0.1, 1, ...): the validation loss falls,
# then rises, so the best epoch is neither the first nor the last.
RISE_AND_FALL = (
    *TINY_MLP, *FEW_BATCHES, "callbacks.reports=null",
    "scheduler=step", "scheduler.step_size=1", "scheduler.gamma=10", "optimizer.lr=0.01",
)  # fmt: skip
MAX_EPOCHS = 6


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Two runs shared by the tests below: the default metric with early stopping (patience 1),
    and `optimized_metric=val/loss` for three epochs."""
    root = tmp_path_factory.mktemp("callbacks")
    overrides = {
        "val_acc": (f"trainer.max_epochs={MAX_EPOCHS}", "callbacks.early_stopping.patience=1"),
        "val_loss": ("trainer.max_epochs=3", "optimized_metric=val/loss"),
    }
    for name, extra in overrides.items():
        train(compose_config("train", [*RISE_AND_FALL, *extra], root / name, root / "data"))
    return {name: root / name for name in overrides}


def _epochs(run: Path) -> pd.DataFrame:
    """Each trained epoch's validation metrics (the last row re-validates the best checkpoint)."""
    validated = pd.read_csv(run / "metrics.csv").dropna(subset=["val/loss"])
    return validated.iloc[:-1].astype({"epoch": int}).set_index("epoch")


def _checkpoint_epoch(path: str | Path) -> int:
    return torch.load(path, map_location="cpu", weights_only=True)["epoch"]


@pytest.mark.parametrize(
    ("run", "metric", "best"),
    [("val_acc", "val/acc", "idxmax"), ("val_loss", "val/loss", "idxmin")],
)
def test_the_kept_checkpoint_is_the_best_epoch_by_the_optimized_metric(runs, run, metric, best):
    summary, epochs = read_summary(runs[run]), _epochs(runs[run])
    best_epoch = getattr(epochs[metric], best)()
    assert 0 < best_epoch < epochs.index[-1], f"the premise: {metric} turns within the run"
    assert _checkpoint_epoch(summary["best_checkpoint"]) == best_epoch
    assert Path(summary["best_checkpoint"]).name == f"epoch_{best_epoch:03d}.ckpt"
    assert summary["optimized_metric"]["name"] == metric
    # the summary's validation scores are the best epoch's, measured again from its checkpoint
    assert summary["optimized_metric"]["value"] == pytest.approx(epochs.loc[best_epoch, metric])
    # last.ckpt is where training ended, not a copy of the best
    assert _checkpoint_epoch(runs[run] / "checkpoints" / "last.ckpt") == epochs.index[-1]


def test_early_stopping_stops_when_its_patience_runs_out(runs):
    summary, losses = read_summary(runs["val_acc"]), _epochs(runs["val_acc"])["val/loss"]
    assert summary["status"] == "completed"
    assert summary["epochs"] == len(losses) < MAX_EPOCHS
    # patience 1: the first epoch whose validation loss is no better than the best before it
    no_better = [e for e in losses.index[1:] if losses[e] >= losses[losses.index < e].min()]
    assert losses.index[-1] == no_better[0]
