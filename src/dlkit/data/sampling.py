"""Batches of indices, shuffled per epoch and shared out across distributed ranks.

Lightning's own DistributedSampler injection is switched off (`use_distributed_sampler: false`)
because it would turn a batch-indexed in-memory data set back into per-sample fetching, and it
pads the validation and test splits with repeated samples, which skews their metrics. This sampler
pads only the training split (every rank must take the same number of steps) and seeds its
shuffle with (seed, epoch), so a resumed run sees the same data order as an uninterrupted one.
"""

import math
from collections.abc import Iterator

import torch


class ShardedBatchSampler:
    def __init__(
        self,
        num_samples: int,
        batch_size: int,
        *,
        shuffle: bool,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        drop_last: bool = False,
    ) -> None:
        if num_samples <= 0:
            raise ValueError("cannot sample batches from an empty split")
        self.num_samples = num_samples
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        self.drop_last = drop_last
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Called by Lightning at the start of each epoch."""
        self.epoch = epoch

    def _rank_indices(self) -> torch.Tensor:
        if self.shuffle:
            generator = torch.Generator().manual_seed(self.seed + self.epoch)
            order = torch.randperm(self.num_samples, generator=generator)
        else:
            order = torch.arange(self.num_samples)
        if self.world_size > 1:
            if self.shuffle:  # training: equal shares, so every rank takes the same steps
                per_rank = math.ceil(self.num_samples / self.world_size)
                padding = per_rank * self.world_size - self.num_samples
                order = torch.cat([order, order[:padding]])
            order = order[self.rank :: self.world_size]
        return order

    def _num_rank_samples(self) -> int:
        if self.world_size == 1:
            return self.num_samples
        if self.shuffle:
            return math.ceil(self.num_samples / self.world_size)
        return len(range(self.rank, self.num_samples, self.world_size))

    def __len__(self) -> int:
        n = self._num_rank_samples()
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[list[int]]:
        indices = self._rank_indices()
        for start in range(0, len(indices), self.batch_size):
            batch = indices[start : start + self.batch_size]
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield batch.tolist()
