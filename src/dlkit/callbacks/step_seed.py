"""Randomness keyed by (seed, optimizer step), so a resumed run draws what an uninterrupted one would.

Lightning's checkpoints restore weights, optimizer, scheduler, loops and callbacks, but not the
random number generators; and whatever happens between saving a checkpoint and the next training
step (creating data loader iterators, validation) draws from them differently in a resumed
process. Reseeding Python, NumPy and torch from (seed, global step) just before each step's
random work (batch augmentation, dropout) makes that work depend on nothing else.
"""

import random

import lightning.pytorch as L
import numpy as np
import torch


def seed_for_step(seed: int, step: int) -> int:
    """A well-mixed 32-bit seed for each (seed, step) pair."""
    return int(np.random.SeedSequence([seed, step]).generate_state(1)[0])


class StepSeed(L.Callback):
    def __init__(self, seed: int) -> None:
        self.seed = seed

    def _reseed(self, trainer: L.Trainer) -> None:
        value = seed_for_step(self.seed, trainer.global_step)
        random.seed(value)
        np.random.seed(value)
        # not torch.manual_seed: before CUDA starts (always, on a CPU run) it queues a CUDA
        # seeding with a captured stack trace at every call, about 1 ms per training step
        torch.default_generator.manual_seed(value)
        if torch.cuda.is_initialized():
            torch.cuda.manual_seed_all(value)

    # The first step after (re)starting, the first step of each epoch (after the data loader's
    # iterator was created) and every later step (after the previous one finished).
    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._reseed(trainer)

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._reseed(trainer)

    def on_train_batch_end(self, trainer: L.Trainer, *args, **kwargs) -> None:
        self._reseed(trainer)
