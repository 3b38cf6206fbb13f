"""Batches of indices, shuffled per epoch and shared out across distributed ranks.

Lightning's own DistributedSampler injection is switched off (`use_distributed_sampler: false`)
because it would turn a batch-indexed in-memory data set back into per-sample fetching, and it
pads the validation and test splits with repeated samples, which skews their metrics. This sampler
pads only the training split (every rank must take the same number of steps) and seeds its
shuffle with (seed, epoch), so a resumed run sees the same data order as an uninterrupted one.

Resuming needs more than the seed: a checkpoint taken mid-epoch (on SIGTERM) must continue with
the batch after the last one trained. The training loop knows how many that is once the
checkpoint is restored, so the sampler asks it (`batches_done`) when a pass begins, i.e. when the
first batch is drawn, which Lightning does after restoring and after setting the epoch. (Lightning's
own `state_dict`/`load_state_dict` route for loaders does not help here: it restores loader states
only into loaders made after the checkpoint is read, and the schedulers' step count makes the
training loader earlier.) With worker processes the first batches are drawn as the iterator is
made, before that: exact resumption needs `num_workers=0`, the default for in-memory data.
"""

import math
from collections.abc import Callable, Iterator

import torch
from torch.utils.data import DataLoader, SequentialSampler, TensorDataset


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
        #: how many batches of this epoch were trained already (a resumed run); None: none
        self.batches_done: Callable[[], int] | None = None

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
        skip = self.batches_done() if self.batches_done else 0
        for start in range(skip * self.batch_size, len(indices), self.batch_size):
            batch = indices[start : start + self.batch_size]
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield batch.tolist()


class InOrderBatchSampler(ShardedBatchSampler, SequentialSampler):
    """Unshuffled batches (validation, test, and training under `trainer.overfit_batches`).

    A `SequentialSampler` by type, because that is what Lightning's overfit mode asks of a
    training loader: it replaces any other sampler with a per-sample one, whose single indices a
    batch-indexed data set would serve as samples without their batch axis.
    """


class ResumableDataLoader(DataLoader):
    """A loader that leaves the global random generator alone when it starts an iterator.

    Starting an iterator draws the workers' base seed; drawn from a generator of the loader's
    own, the global one (dropout, augmentation) is the same whether or not a run was resumed.
    It also declares itself stateful (with nothing to save: the sampler reads its position from
    the training loop), so Lightning does not warn that a mid-epoch checkpoint cannot resume.
    """

    def __init__(self, *args, **kwargs) -> None:
        sampler = kwargs.get("sampler")
        if kwargs.get("generator") is None and isinstance(sampler, ShardedBatchSampler):
            kwargs["generator"] = torch.Generator().manual_seed(sampler.seed)
        super().__init__(*args, **kwargs)

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state_dict: dict) -> None:
        pass


def batch_loader(
    dataset: TensorDataset, batch_size: int, *, shuffle: bool, seed: int, trainer, **loader_kwargs
) -> ResumableDataLoader:
    """The loader of one split: whole batches per index lookup, this rank's share of them.

    `trainer` (None outside a Trainer) gives the rank, the world size and, for training, how
    many batches of the epoch a resumed run has trained already. `loader_kwargs` go to the
    DataLoader (num_workers, pin_memory, persistent_workers).
    """
    rank, world_size = (trainer.global_rank, trainer.world_size) if trainer else (0, 1)
    shuffle = shuffle and not (trainer and trainer.overfit_batches)  # overfit: the same batches
    per_rank = -(-len(dataset) // world_size)
    sampler = (ShardedBatchSampler if shuffle else InOrderBatchSampler)(
        len(dataset),
        batch_size,
        shuffle=shuffle,
        seed=seed,
        rank=rank,
        world_size=world_size,
        # a last training batch of one sample would break batch norm: leave it out
        drop_last=shuffle and per_rank % batch_size == 1,
    )
    if shuffle and trainer:  # training: a resumed run continues mid-epoch where it stopped
        progress = trainer.fit_loop.epoch_loop.batch_progress
        sampler.batches_done = lambda: progress.current.ready
    # batch_size=None: each sampler item is a whole batch of indices, fetched in one lookup
    return ResumableDataLoader(dataset, sampler=sampler, batch_size=None, **loader_kwargs)
