"""Metrics fed in chunks of batches give what batch-by-batch updates give, at every compute."""

import pytest
import torch
from torchmetrics import MeanMetric
from torchmetrics.classification import MulticlassAccuracy, MulticlassF1Score
from torchmetrics.regression import R2Score

from dlkit.models.metric_chunks import InChunks

METRICS = {
    "accuracy": lambda: MulticlassAccuracy(5, average="micro", validate_args=False),
    "macro f1": lambda: MulticlassF1Score(5, average="macro", validate_args=False),
    "mean": lambda: MeanMetric(nan_strategy="disable"),
    "r2": R2Score,
}


def _batches(name: str, count: int):
    generator = torch.Generator().manual_seed(0)
    for size in torch.randint(1, 9, (count,), generator=generator).tolist():
        if name in ("accuracy", "macro f1"):
            yield torch.rand(size, 5, generator=generator), torch.randint(0, 5, (size,))
        elif name == "mean":
            yield (torch.rand(size, generator=generator),)
        else:
            x = torch.rand(size + 1, generator=generator)
            yield x, x + 0.1 * torch.rand(size + 1, generator=generator)


@pytest.mark.parametrize("name", METRICS)
def test_chunks_give_the_batch_by_batch_value_at_every_compute(name):
    direct, chunked = METRICS[name](), InChunks(METRICS[name](), every=4)
    # computed after 3 batches (nothing fed yet), 10 (two chunks and two waiting), 11
    for step, batch in enumerate(_batches(name, 11), start=1):
        direct.update(*batch)
        chunked.update(*batch)
        if step in (3, 10, 11):
            assert chunked.compute() == pytest.approx(direct.compute().item(), rel=1e-5)


def test_reset_drops_what_was_waiting():
    chunked = InChunks(MeanMetric(), every=4)
    chunked.update(torch.tensor([100.0]))
    chunked.reset()
    chunked.update(torch.tensor([2.0, 4.0]))
    assert chunked.compute().item() == 3.0


def test_calling_it_gives_the_batch_value_and_keeps_the_epoch_value():
    chunked = InChunks(MeanMetric(), every=4)
    chunked.update(torch.tensor([1.0, 1.0]))
    chunked.update(torch.tensor([1.0, 1.0]))
    chunked.update(torch.tensor([1.0, 1.0]))
    assert chunked.compute().item() == 1.0  # fed: the wrapped metric holds six values
    assert chunked(torch.tensor([7.0, 7.0])).item() == 7.0  # the batch alone
    assert chunked.compute().item() == 2.5  # the epoch: (6 x 1 + 2 x 7) / 8
