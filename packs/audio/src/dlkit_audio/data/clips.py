"""A list of audio files as a `torch.utils.data.Dataset`: each clip decoded when it is asked for,
with what was done to fit it (its own rate, whether it was cropped).

In-memory data sets and new inputs read every file through it once (`read_all`), which says how
many clips were resampled and cropped. Streamed data sets (`data.storage=stream`) hand the core's
`dlkit.data.file_samples.FileSplit` a reader of the samples alone (`files.read_samples`).
"""

import logging
from collections.abc import Sequence
from pathlib import Path

import torch
from torch.utils.data import Dataset

from dlkit_audio.data.files import read_clip

log = logging.getLogger(__name__)


class AudioClips(Dataset):
    """(samples [length] float32, label, the file's own sample rate, whether it was cropped)."""

    def __init__(
        self, paths: Sequence[Path], labels: Sequence[int], sample_rate: int, length: int
    ) -> None:
        self.paths = list(paths)
        self.labels = list(labels)
        self.sample_rate = sample_rate
        self.length = length

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int, int, bool]:
        clip = read_clip(self.paths[index], self.sample_rate, self.length)
        return clip.samples, self.labels[index], clip.source_rate, clip.cropped


def read_all(clips: AudioClips, what: str = "clips") -> tuple[torch.Tensor, torch.Tensor]:
    """Every clip decoded into memory: [N, length] float32 and [N] labels. Said once: how many
    files were resampled from which rates, and how many were cropped to the clip length."""
    if not len(clips):
        return torch.zeros(0, clips.length), torch.zeros(0, dtype=torch.long)
    samples, labels, rates, cropped = zip(*(clips[i] for i in range(len(clips))), strict=True)
    other = sorted({r for r in rates if r != clips.sample_rate})
    if other:
        log.info(
            "%d of %d %s were recorded at %s Hz and resampled to data.sample_rate=%d Hz",
            sum(r != clips.sample_rate for r in rates),
            len(rates),
            what,
            ", ".join(str(r) for r in other),
            clips.sample_rate,
        )
    if any(cropped):
        log.info(
            "%d of %d %s are longer than data.duration (%.2f s) and were cropped to their middle",
            sum(cropped),
            len(cropped),
            what,
            clips.length / clips.sample_rate,
        )
    return torch.stack(samples), torch.tensor(labels, dtype=torch.long)
