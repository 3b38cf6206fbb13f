"""Batches of indices, shuffled per epoch and shared out across distributed ranks.

Lightning's own DistributedSampler injection is switched off (`use_distributed_sampler: false`)
because it would turn a batch-indexed in-memory data set back into per-sample fetching, and it
pads the validation and test splits with repeated samples, which skews their metrics. This sampler
pads only the training split (every rank must take the same number of steps) and seeds its
shuffle with (seed, epoch), so a resumed run sees the same data order as an uninterrupted one.

Resuming needs more than the seed: a checkpoint taken mid-epoch (on SIGTERM) must continue with
the batch after the last one trained. The data module stores where training stood (epoch and
batches done, `training_position`) in every checkpoint and hands it to the sampler of the resumed
run (`resume_at`). Lightning's own `state_dict`/`load_state_dict` route for loaders does not help
here: it restores loader states only into loaders made after the checkpoint is read, and the
schedulers' step count makes the training loader earlier. Nor can the sampler ask the training
loop when a pass begins: with worker processes (streamed files) the first batches are drawn as the
iterator is made, before Lightning sets the epoch and its progress for the resumed pass.

Per-sample data sets (files decoded in workers, `dlkit.data.file_samples`) use the same sampler as
the loader's `batch_sampler`: the same order, shares and resumption, a sample per index.
"""

import math
import os
from collections.abc import Iterator

import torch
from torch.utils.data import DataLoader, Dataset, SequentialSampler

from dlkit.data.file_samples import FileSplit, collate_files


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
        #: (epoch, batches done) of a resumed run's unfinished epoch, until that epoch is over
        self.resumed: tuple[int, int] | None = None

    def set_epoch(self, epoch: int) -> None:
        """Called by Lightning at the start of each epoch (after the first iterator is made)."""
        self.epoch = epoch
        if self.resumed and self.resumed[0] != epoch:
            self.resumed = None

    @property
    def sampler(self) -> "ShardedBatchSampler":
        """Itself. As a loader's `batch_sampler` (per-sample data), Lightning sets the epoch of
        `batch_sampler.sampler`, not of the batch sampler."""
        return self

    def resume_at(self, epoch: int, batches_done: int) -> None:
        """Continue epoch `epoch` after its first `batches_done` batches (a resumed run)."""
        self.resumed = (epoch, batches_done)

    def _rank_indices(self, epoch: int) -> torch.Tensor:
        if self.shuffle:
            generator = torch.Generator().manual_seed(self.seed + epoch)
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
        epoch, skip = self.resumed or (self.epoch, 0)
        indices = self._rank_indices(epoch)
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
        sampler = kwargs.get("sampler") or kwargs.get("batch_sampler")
        if kwargs.get("generator") is None and isinstance(sampler, ShardedBatchSampler):
            kwargs["generator"] = torch.Generator().manual_seed(sampler.seed)
        super().__init__(*args, **kwargs)

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state_dict: dict) -> None:
        pass


def training_position(trainer) -> tuple[int, int] | None:
    """(epoch, batches trained) when `trainer` stands inside a training epoch; None between
    epochs and outside training (a checkpoint taken then starts the next epoch afresh)."""
    if trainer is None or trainer.state.fn != "fit":
        return None
    epochs = trainer.fit_loop.epoch_progress.current
    if epochs.started <= epochs.processed:  # the epoch's batches are all done
        return None
    return epochs.processed, trainer.fit_loop.epoch_loop.batch_progress.current.processed


def loader_settings(
    num_workers: int | None,
    pin_memory: bool | None,
    persistent_workers: bool | None,
    *,
    per_sample: bool,
    trainer,
) -> dict:
    """DataLoader settings, the unset (None) ones chosen for the data and the machine.

    Workers: none for in-memory batches (one lookup each: a worker would only add copying); for
    files decoded per sample, one per core available to this process, shared by the processes of
    this node, at most 8. Workers persist across epochs and prefetch 2 batches each (PyTorch's
    default). `pin_memory` when batches go to a CUDA device.
    """
    if num_workers is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        local_processes = max(getattr(trainer, "num_devices", 1) or 1, 1) if trainer else 1
        num_workers = min(8, max(1, (cores or 1) // local_processes)) if per_sample else 0
    if pin_memory is None:
        pin_memory = bool(trainer and trainer.strategy.root_device.type == "cuda")
    if persistent_workers is None:
        persistent_workers = True
    return {
        "num_workers": num_workers,
        "pin_memory": pin_memory,
        "persistent_workers": persistent_workers and num_workers > 0,
    }


def batch_loader(
    dataset: Dataset,
    batch_size: int,
    *,
    shuffle: bool,
    seed: int,
    trainer,
    resumed: tuple[int, int] | None = None,
    **loader_kwargs,
) -> ResumableDataLoader:
    """The loader of one split: this rank's share of its batches, in a seeded order.

    `dataset`: in-memory tensors (a whole batch per index lookup) or files (`FileSplit`, decoded
    a sample at a time in the workers). `trainer` (None outside a Trainer) gives the rank and the
    world size; `resumed` the (epoch, batches done) a resumed training run continues from.
    `loader_kwargs` go to the DataLoader (num_workers, pin_memory, persistent_workers).
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
    if shuffle and resumed:  # training: a resumed run continues mid-epoch where it stopped
        sampler.resume_at(*resumed)
    if isinstance(dataset, FileSplit):  # a sample per index, decoded in the workers
        return ResumableDataLoader(
            dataset, batch_sampler=sampler, collate_fn=collate_files, **loader_kwargs
        )
    # batch_size=None: each sampler item is a whole batch of indices, fetched in one lookup
    return ResumableDataLoader(dataset, sampler=sampler, batch_size=None, **loader_kwargs)
