"""The default `make train` written by hand: what the template's start-up is measured against.

Same work as `make train` with no overrides: scikit-learn's 8x8 digits, the template's own
stratified 70/15/15 split (seed 42), per-channel standardization fitted on the training part,
the default CNN, Adam (lr 3e-3) under a one-cycle schedule stepped per batch, batches of 64,
20 epochs with validation after each, early stopping on val loss (patience 10), then the test
split scored with the weights of the best validation accuracy. No Lightning, no Hydra, no run
folder: it prints the test accuracy and the seconds it took.

It imports the template's pure building blocks (the split, the net, the schedule: torch,
numpy and scikit-learn only) so that split and net cannot drift from what `make train` uses;
the loop, the checkpoint kept in memory and the scoring are written out here.

    PYTHONPATH=src python benchmarks/hand_written_train.py
"""

from __future__ import annotations

import copy
import time

STARTED = time.perf_counter()

import numpy as np  # noqa: E402  (imports timed from the very start, as for `make train`)
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from dlkit.data.splits import split_indices  # noqa: E402
from dlkit.models.nets.cnn import CNN  # noqa: E402
from dlkit.models.schedulers import onecycle  # noqa: E402

SEED, BATCH, EPOCHS, LR, PATIENCE = 42, 64, 20, 3e-3, 10


def load():
    digits = load_digits()
    x = torch.from_numpy(digits.images.astype(np.float32) / 16.0).unsqueeze(1)
    y = torch.from_numpy(digits.target).long()
    train, val, test = split_indices(
        digits.target, val_fraction=0.15, test_fraction=0.15, seed=SEED, stratify=True
    )
    parts = {k: (x[i], y[i]) for k, i in (("train", train), ("val", val), ("test", test))}
    mean = parts["train"][0].mean(dim=(0, 2, 3), keepdim=True)
    std = parts["train"][0].std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-6)
    return {k: ((xs - mean) / std, ys) for k, (xs, ys) in parts.items()}


def score(net, x, y) -> tuple[float, float]:
    """Mean loss and accuracy over a split, in batches."""
    net.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(x), BATCH):
            logits = net(x[start : start + BATCH])
            target = y[start : start + BATCH]
            loss += F.cross_entropy(logits, target, reduction="sum").item()
            correct += int((logits.argmax(-1) == target).sum())
    return loss / len(x), correct / len(x)


def main() -> float:
    torch.manual_seed(SEED)
    data = load()
    x, y = data["train"]
    net = CNN(input_shape=tuple(x.shape[1:]), num_outputs=10, dropout=0.2)
    optimizer = torch.optim.Adam(net.parameters(), lr=LR)
    steps_per_epoch = len(range(0, len(x) - (1 if len(x) % BATCH == 1 else 0), BATCH))
    scheduler = onecycle(optimizer, total_steps=EPOCHS * steps_per_epoch)["scheduler"]
    best_acc, best_state, best_loss, waited = -1.0, None, float("inf"), 0
    for _ in range(EPOCHS):
        net.train()
        order = torch.randperm(len(x))
        for begin in range(0, steps_per_epoch * BATCH, BATCH):
            index = order[begin : begin + BATCH]
            loss = F.cross_entropy(net(x[index]), y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
        val_loss, val_acc = score(net, *data["val"])
        if val_acc > best_acc:
            best_acc, best_state = val_acc, copy.deepcopy(net.state_dict())
        if val_loss < best_loss:
            best_loss, waited = val_loss, 0
        else:
            waited += 1
            if waited >= PATIENCE:
                break
    net.load_state_dict(best_state)
    _, test_acc = score(net, *data["test"])
    print(f"test acc {test_acc:.4f} ({time.perf_counter() - STARTED:.1f} s)")
    return test_acc


if __name__ == "__main__":
    main()
