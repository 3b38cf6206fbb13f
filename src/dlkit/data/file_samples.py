"""Samples kept as files and decoded one by one in the DataLoader's workers (`data.storage=stream`).

What stays in memory is the file list (a NumPy array of strings: list items of Python objects would
be copied into each worker as their reference counts change) and the labels. A file that cannot be
decoded does not kill the worker with a traceback: it comes back as a `BadFile` with its message,
and the data module decides in the main process whether to stop on it or skip and count it
(`data.skip_bad_files`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from dlkit.errors import DataError


@dataclass
class SampleFiles:
    """A data set as files: `read(path)` decodes one into a sample tensor (uint8 for images).

    `read` goes to the worker processes: a module-level function or a `functools.partial` of one.
    """

    paths: Sequence[str]
    labels: torch.Tensor
    class_names: list[str]
    read: Callable[[str], torch.Tensor]

    def sample_shape(self) -> tuple[int, ...]:
        """The shape of one decoded sample (the first file's; the reader makes them all alike)."""
        return tuple(self.read(str(self.paths[0])).shape)


@dataclass
class BadFile:
    """A file that could not be decoded, and why (the reader's message names the file)."""

    message: str
    path: str = ""


class FileSplit(Dataset):
    """One split's files and labels; `split[i]` decodes file i (in a worker)."""

    def __init__(self, files: SampleFiles, index: np.ndarray | None = None) -> None:
        paths = np.asarray([str(p) for p in files.paths])
        self.paths = paths if index is None else paths[index]
        self.labels = files.labels if index is None else files.labels[torch.as_tensor(index)]
        self.read = files.read

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor] | BadFile:
        try:
            return self.read(str(self.paths[i])), self.labels[i]
        except DataError as error:
            return BadFile(str(error), str(self.paths[i]))


def folder_and_test_folder(
    list_folder: Callable[[Path], SampleFiles], path: str, test_path: str | None
) -> tuple[SampleFiles, SampleFiles | None]:
    """A folder of class sub-folders and, when given, a test folder in the same layout, each
    listed by `list_folder` (not decoded): the one rule every folder data module shares, that
    both name the same classes."""
    files = list_folder(Path(path).expanduser())
    if not test_path:
        return files, None
    test = list_folder(Path(test_path).expanduser())
    if test.class_names != files.class_names:
        raise DataError(
            f"the test folder {test_path} has classes {test.class_names}, the training folder "
            f"{path} has {files.class_names}: both need the same class sub-folders"
        )
    return files, test


def collate_files(samples: list) -> tuple[torch.Tensor, torch.Tensor, list[BadFile]]:
    """(x, y, the files left out): the decoded samples stacked, the bad ones named."""
    good = [s for s in samples if not isinstance(s, BadFile)]
    bad = [s for s in samples if isinstance(s, BadFile)]
    if not good:
        return torch.empty(0), torch.empty(0, dtype=torch.long), bad
    return torch.stack([x for x, _ in good]), torch.stack([y for _, y in good]), bad


def decode_sample(
    split: FileSplit, count: int, seed: int, num_workers: int
) -> tuple[torch.Tensor, list[str]]:
    """A seeded random sample of `count` files of the split, decoded (all of them when there are
    fewer), and the messages of the files that could not be."""
    order = torch.randperm(len(split), generator=torch.Generator().manual_seed(seed))
    x, _, bad = decode_rows(split, torch.sort(order[:count]).values.tolist(), num_workers)
    return x, bad


def decode_rows(
    split: FileSplit, rows: Sequence[int], num_workers: int
) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """The files at `rows` of the split decoded in the loader's workers, their labels, and the
    messages of the files that could not be decoded."""
    loader = DataLoader(
        torch.utils.data.Subset(split, list(rows)),
        batch_size=256,
        num_workers=num_workers,
        collate_fn=collate_files,
        # not the global generator: the model's initialization draws from it next
        generator=torch.Generator().manual_seed(0),
    )
    parts, labels, bad = [], [], []
    for x, y, left_out in loader:
        if len(x):
            parts.append(x)
            labels.append(y)
        bad += [b.message for b in left_out]
    if not parts:
        return torch.empty(0), split.labels[:0], bad
    return torch.cat(parts), torch.cat(labels), bad
