"""Batches of indices, shuffled per epoch and shared out across distributed ranks.

Lightning's own DistributedSampler injection is switched off (`use_distributed_sampler: false`)
because it would turn a batch-indexed in-memory data set back into per-sample fetching, and it
pads the validation and test splits with repeated samples, which skews their metrics. This sampler
pads only the training split (every rank must take the same number of steps) and seeds its
shuffle with (seed, epoch), so a resumed run sees the same data order as an uninterrupted one.

Resuming needs more than the seed: Lightning creates the first iterator of a resumed run before
it sets the sampler's epoch, and a checkpoint taken mid-epoch (on SIGTERM) must continue with the
batch after the last one trained. `ResumableDataLoader` tells Lightning (through the
`state_dict`/`load_state_dict` interface it looks for) where training stood, and the sampler
starts its next pass there.
"""

import math
from collections.abc import Iterator

import torch
from torch.utils.data import DataLoader


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
        self._skip = 0  # batches the next pass leaves out (they were trained before a restart)

    def set_epoch(self, epoch: int) -> None:
        """Called by Lightning at the start of each epoch."""
        self.epoch = epoch

    def resume_at(self, epoch: int, batches_done: int) -> None:
        """The next pass is `epoch`'s order, without its first `batches_done` batches."""
        self.epoch = epoch
        self._skip = batches_done

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
        skip, self._skip = self._skip, 0
        for start in range(skip * self.batch_size, len(indices), self.batch_size):
            batch = indices[start : start + self.batch_size]
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield batch.tolist()


class ResumableDataLoader(DataLoader):
    """A training loader whose position (epoch, batches trained) is saved in checkpoints.

    `progress` returns (batches trained in this epoch, batches per epoch) from the trainer's
    loops, which, unlike the sampler, know what was trained rather than merely fetched ahead.
    """

    def __init__(self, *args, progress=None, **kwargs) -> None:
        sampler = kwargs.get("sampler")
        if kwargs.get("generator") is None and isinstance(sampler, ShardedBatchSampler):
            # Starting an iterator draws the workers' base seed: from a generator of its own,
            # the global one (dropout, augmentation) is the same whether or not a run resumed.
            kwargs["generator"] = torch.Generator().manual_seed(sampler.seed)
        super().__init__(*args, **kwargs)
        self.progress = progress

    def state_dict(self) -> dict:
        if self.progress is None or not isinstance(self.sampler, ShardedBatchSampler):
            return {}
        epoch = self.sampler.epoch
        done, per_epoch = self.progress()
        if done >= per_epoch:  # the epoch is over: the next one starts from its first batch
            return {"epoch": epoch + 1, "batches_done": 0}
        return {"epoch": epoch, "batches_done": done}

    def load_state_dict(self, state_dict: dict) -> None:
        if state_dict and isinstance(self.sampler, ShardedBatchSampler):
            self.sampler.resume_at(state_dict["epoch"], state_dict["batches_done"])
