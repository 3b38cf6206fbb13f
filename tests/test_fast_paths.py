"""Speed switches work end to end through the config a user composes."""

import torch

from dlkit.training.run import train
from tests.helpers import read_summary


def _conv_weights(checkpoint: dict) -> list[torch.Tensor]:
    """2-D convolution weights with more than one input channel (where the layout is visible)."""
    return [w for w in checkpoint["state_dict"].values() if w.ndim == 4 and w.shape[1] > 1]


def test_channels_last_switch(compose_train, tmp_path):
    cfg = compose_train(
        "callbacks=[default,channels_last]",
        "trainer.max_epochs=1",
        "++trainer.limit_train_batches=3",
        "++trainer.limit_val_batches=2",
        "++trainer.limit_test_batches=2",
    )
    train(cfg)
    summary = read_summary(tmp_path / "run")
    assert summary["status"] == "completed"
    weights = _conv_weights(torch.load(summary["best_checkpoint"], weights_only=True))
    assert weights
    assert all(w.is_contiguous(memory_format=torch.channels_last) for w in weights)
    assert not any(w.is_contiguous() for w in weights)
