"""Batches of indices (`dlkit.data.sampling`): the order per epoch, each rank's share, padding of
the training split only, the skip of a resumed run, and the loader that leaves the global
random generator alone."""

from types import SimpleNamespace

import pytest
import torch
from torch.utils.data import SequentialSampler, TensorDataset

from dlkit.data.sampling import ResumableDataLoader, ShardedBatchSampler, batch_loader


def _batches(sampler) -> list[list[int]]:
    return list(sampler)


def _flat(batches: list[list[int]]) -> list[int]:
    return [i for batch in batches for i in batch]


def _trainer(rank=0, world_size=1):
    """What batch_loader reads of a Lightning Trainer: the rank and whether it overfits a few
    batches."""
    return SimpleNamespace(global_rank=rank, world_size=world_size, overfit_batches=0)


def test_in_order_batches_of_one_process():
    sampler = ShardedBatchSampler(10, 4, shuffle=False)
    assert _batches(sampler) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(sampler) == 3
    dropping = ShardedBatchSampler(10, 4, shuffle=False, drop_last=True)
    assert _batches(dropping) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(dropping) == 2
    whole = ShardedBatchSampler(8, 4, shuffle=False, drop_last=True)  # nothing to drop
    assert _batches(whole) == [[0, 1, 2, 3], [4, 5, 6, 7]] and len(whole) == 2


def test_a_single_sample_is_one_batch_and_an_empty_split_is_refused():
    assert _batches(ShardedBatchSampler(1, 4, shuffle=True)) == [[0]]
    with pytest.raises(ValueError) as error:
        ShardedBatchSampler(0, 4, shuffle=False)
    assert str(error.value) == "cannot sample batches from an empty split"


def test_by_default_rank_zero_sees_the_order_of_seed_zero_and_epoch_zero():
    default = ShardedBatchSampler(10, 3, shuffle=True)
    first = ShardedBatchSampler(10, 3, shuffle=True, seed=0)
    first.set_epoch(0)
    assert _batches(default) == _batches(first)
    shared = ShardedBatchSampler(10, 3, shuffle=False, world_size=2)
    assert _batches(shared) == [[0, 2, 4], [6, 8]]


def test_the_shuffle_is_a_permutation_set_by_seed_and_epoch():
    def order(seed, epoch):
        sampler = ShardedBatchSampler(50, 8, shuffle=True, seed=seed)
        sampler.set_epoch(epoch)
        batches = _batches(sampler)
        assert [len(b) for b in batches] == [8] * 6 + [2]
        return _flat(batches)

    assert sorted(order(0, 0)) == list(range(50))
    assert order(0, 0) != list(range(50))
    assert order(0, 0) == order(0, 0)  # a resumed run sees the same order
    assert order(0, 1) != order(0, 0)  # each epoch its own
    assert order(1, 0) != order(0, 0)  # each seed its own
    assert order(1, 3) == order(1, 3)


@pytest.mark.parametrize(("num_samples", "world_size"), [(10, 4), (9, 3), (5, 2), (3, 4)])
def test_training_shares_are_equal_and_padded_with_repeats(num_samples, world_size):
    per_rank = -(-num_samples // world_size)
    shares = []
    for rank in range(world_size):
        sampler = ShardedBatchSampler(
            num_samples, 2, shuffle=True, seed=7, rank=rank, world_size=world_size
        )
        shares.append(_flat(_batches(sampler)))
        assert len(shares[-1]) == per_rank  # every rank takes the same number of steps
        assert len(sampler) == -(-per_rank // 2)
    everything = _flat(shares)
    assert sorted(set(everything)) == list(range(num_samples))  # every sample trained
    # padded with the first samples of the epoch's order, each used once more
    padding = per_rank * world_size - num_samples
    order = _flat(_batches(ShardedBatchSampler(num_samples, 1, shuffle=True, seed=7)))
    assert sorted(everything) == sorted(order + order[:padding])


def test_evaluation_shares_are_strided_and_never_padded():
    shares = [
        _batches(ShardedBatchSampler(10, 2, shuffle=False, rank=rank, world_size=4))
        for rank in range(4)
    ]
    assert shares == [[[0, 4], [8]], [[1, 5], [9]], [[2, 6]], [[3, 7]]]
    lengths = [
        len(ShardedBatchSampler(10, 2, shuffle=False, rank=r, world_size=4)) for r in range(4)
    ]
    assert lengths == [2, 2, 1, 1]
    # more ranks than samples: the last ones have nothing to evaluate
    assert len(ShardedBatchSampler(2, 2, shuffle=False, rank=3, world_size=4)) == 0


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize(("num_samples", "batch_size", "world_size"), [(11, 3, 1), (11, 3, 2)])
def test_the_length_is_the_number_of_batches(
    num_samples, batch_size, world_size, shuffle, drop_last
):
    for rank in range(world_size):
        shares = {"rank": rank, "world_size": world_size}
        sampler = ShardedBatchSampler(
            num_samples, batch_size, shuffle=shuffle, drop_last=drop_last, **shares
        )
        batches = _batches(sampler)
        assert len(sampler) == len(batches)
        assert all(len(b) == batch_size for b in batches[:-1])
        if drop_last:
            assert all(len(b) == batch_size for b in batches)


def test_a_resumed_epoch_continues_after_the_batches_already_trained():
    sampler = ShardedBatchSampler(20, 3, shuffle=True, seed=5)
    sampler.set_epoch(2)
    whole = _batches(sampler)
    fresh = ShardedBatchSampler(20, 3, shuffle=True, seed=5)
    fresh.resume_at(2, 4)  # before Lightning sets the epoch: workers draw batches that early
    assert _batches(fresh) == whole[4:]
    fresh.set_epoch(2)  # the resumed epoch itself: still resumed
    assert _batches(fresh) == whole[4:]
    fresh.set_epoch(3)  # the next epoch starts at its beginning
    sampler.set_epoch(3)
    assert _batches(fresh) == _batches(sampler)
    fresh.resume_at(2, len(whole))  # the epoch ended with the checkpoint
    assert _batches(fresh) == []


def test_the_loader_of_a_split_yields_whole_batches_of_its_rank():
    data = TensorDataset(torch.arange(10.0).unsqueeze(1), torch.arange(10))
    loader = batch_loader(data, 4, shuffle=False, seed=0, trainer=None)
    assert [y.tolist() for _, y in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    (x, _), *_ = loader
    assert x.shape == (4, 1)
    rank_1 = batch_loader(data, 4, shuffle=False, seed=0, trainer=_trainer(rank=1, world_size=2))
    assert [y.tolist() for _, y in rank_1] == [[1, 3, 5, 7], [9]]
    # loader settings go through to the DataLoader
    assert batch_loader(data, 4, shuffle=False, seed=0, trainer=None, pin_memory=True).pin_memory


@pytest.mark.parametrize(
    ("num_samples", "world_size", "batches"),
    [
        (9, 1, [4, 4]),  # 9 = 2 * 4 + 1: the last batch of one sample is left out
        (10, 1, [4, 4, 2]),
        (8, 1, [4, 4]),
        (17, 2, [4, 4]),  # 9 samples per rank (one of them padding)
        (16, 2, [4, 4]),
    ],
)
def test_a_training_batch_of_one_sample_is_left_out(num_samples, world_size, batches):
    data = TensorDataset(torch.arange(num_samples))
    trainer = _trainer(rank=0, world_size=world_size)
    train = batch_loader(data, 4, shuffle=True, seed=0, trainer=trainer)
    assert [len(b) for (b,) in train] == batches
    assert len(train) == len(batches)


def test_evaluation_keeps_a_last_batch_of_one_sample():
    data = TensorDataset(torch.arange(9))
    assert [len(b) for (b,) in batch_loader(data, 4, shuffle=False, seed=0, trainer=None)] == [
        4,
        4,
        1,
    ]


def test_only_training_resumes_mid_epoch():
    data = TensorDataset(torch.arange(12))
    # the checkpoint was taken after 2 batches of epoch 0
    train = batch_loader(data, 3, shuffle=True, seed=1, trainer=_trainer(), resumed=(0, 2))
    fresh = batch_loader(data, 3, shuffle=True, seed=1, trainer=None)
    assert [b.tolist() for (b,) in train] == [b.tolist() for (b,) in fresh][2:]
    val = batch_loader(data, 3, shuffle=False, seed=1, trainer=_trainer(), resumed=(0, 2))
    assert [b.tolist() for (b,) in val] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]


def test_starting_an_iterator_leaves_the_global_generator_alone():
    data = TensorDataset(torch.arange(6))
    torch.manual_seed(0)
    expected = torch.rand(3)
    for shuffle in (True, False):
        loader = batch_loader(data, 2, shuffle=shuffle, seed=3, trainer=None)
        torch.manual_seed(0)
        next(iter(loader))
        assert torch.equal(torch.rand(3), expected)


def test_a_generator_given_is_kept_and_nothing_is_saved_with_the_loader():
    data = TensorDataset(torch.arange(6))
    sampler = ShardedBatchSampler(6, 2, shuffle=True, seed=3)
    own = torch.Generator()
    loader = ResumableDataLoader(data, sampler=sampler, batch_size=None, generator=own)
    assert loader.generator is own
    assert loader.state_dict() == {}
    loader.load_state_dict({"anything": 1})
    same = batch_loader(data, 2, shuffle=True, seed=3, trainer=None)
    assert [b.tolist() for (b,) in loader] == [b.tolist() for (b,) in same]
    # any other sampler: the DataLoader's own default
    plain = ResumableDataLoader(data, sampler=SequentialSampler(data), batch_size=2)
    assert plain.generator is None


def test_lightning_sets_the_epoch_of_a_per_sample_loader():
    """A loader of files takes the sampler as its `batch_sampler`; Lightning sets the epoch of a
    loader's `sampler` and of `batch_sampler.sampler`, which must reach it too."""
    from lightning.fabric.utilities.data import _set_sampler_epoch

    from dlkit.data.file_samples import FileSplit, SampleFiles

    files = SampleFiles([f"{i}" for i in range(12)], torch.arange(12), [], lambda p: torch.zeros(1))
    loader = batch_loader(FileSplit(files), 4, shuffle=True, seed=0, trainer=None)
    _set_sampler_epoch(loader, 3)
    assert loader.batch_sampler.epoch == 3
