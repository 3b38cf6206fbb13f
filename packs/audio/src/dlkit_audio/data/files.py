"""Audio files as clips of one length at one sample rate: the per-file step of every audio data
set, training folders and new inputs alike.

Decoded by `soundfile` (libsndfile inside its wheel: WAV, FLAC, OGG/Vorbis), because torchaudio
2.9 removed its own decoders and torchcodec needs FFmpeg installed on the system. Each file is:
mixed to mono (the mean of its channels), resampled to the data's rate (torchaudio's windowed
sinc), and padded with silence or cropped to the clip length, centred (a word in a longer
recording is most likely in its middle).

`read_clip` is a function of one path: `dlkit_audio.data.clips.AudioClips` calls it per index;
`read_samples`, its samples alone, is what DataLoader workers call for streamed clips.
"""

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from dlkit.errors import DataError

#: what soundfile reads with the libsndfile its wheel ships (`soundfile.available_formats()`)
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg")
#: files named in one message, at most
SHOWN = 5


@dataclass
class Clip:
    """One file as a clip: `samples` [length] float32 in [-1, 1], and what was done to fit it."""

    samples: torch.Tensor
    source_rate: int
    cropped: bool


def list_audio(path: Path) -> list[Path]:
    """One audio file, or every audio file below a folder (sorted: a stable order)."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise DataError(f"audio file or folder not found: {path}")
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
    if not files:
        raise DataError(f"no audio files ({', '.join(AUDIO_SUFFIXES)}) found in {path}")
    return files


def read_clip(path: Path, sample_rate: int, length: int) -> Clip:
    """The file as `length` samples at `sample_rate`, mono; a file soundfile cannot decode, or
    one without a sample, stops with its name."""
    import soundfile

    try:
        data, source_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError) as error:
        raise DataError(
            f"cannot decode audio file {path} ({str(error).strip()}): replace or remove it "
            f"(readable: {', '.join(AUDIO_SUFFIXES)})"
        ) from error
    if data.shape[0] == 0:
        raise DataError(f"audio file {path} holds no samples (an empty clip): remove it")
    samples = torch.from_numpy(np.ascontiguousarray(data.mean(axis=1)))
    if source_rate != sample_rate:
        samples = resample(samples, source_rate, sample_rate)
    fitted, cropped = fit_length(samples, length)
    return Clip(fitted, source_rate, cropped)


def resample(samples: torch.Tensor, source_rate: int, sample_rate: int) -> torch.Tensor:
    """`samples` (float32) from `source_rate` to `sample_rate`: torchaudio's band-limited sinc
    interpolation (no aliasing of frequencies above the new Nyquist)."""
    return _resampler(int(source_rate), int(sample_rate))(samples.float())


@functools.lru_cache(maxsize=8)
def _resampler(source_rate: int, sample_rate: int):
    """torchaudio's `Resample` keeps its filter kernel, which costs far more to compute than to
    apply (22,050 -> 16,000 Hz: a 441-phase kernel): one per pair of rates, not one per file."""
    import torchaudio

    return torchaudio.transforms.Resample(source_rate, sample_rate)


def fit_length(samples: torch.Tensor, length: int) -> tuple[torch.Tensor, bool]:
    """`samples` [T] as exactly `length`, centred: silence added on both sides, or the middle
    kept; and whether it was cropped."""
    missing = length - samples.shape[-1]
    if missing >= 0:
        before = missing // 2
        return torch.nn.functional.pad(samples, (before, missing - before)), False
    start = -missing // 2
    return samples[..., start : start + length], True


def class_folders(root: Path) -> tuple[list[str], list[list[Path]]]:
    """The class names (sub-folders of `root`, sorted) and each one's audio files; a folder that
    is not there, has no class folders, or has a class folder without clips is named."""
    if not root.is_dir():
        raise DataError(
            f"audio folder not found: {root}. Point data.path at a folder with one sub-folder "
            "of audio files per class"
        )
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    files = [
        sorted(
            p for p in (root / c).rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES
        )
        for c in classes
    ]
    empty = [c for c, found in zip(classes, files, strict=True) if not found]
    if not classes or empty:
        raise DataError(
            f"{root} needs one sub-folder of audio files ({', '.join(AUDIO_SUFFIXES)}) per class, "
            "but "
            + (
                f"the class folder(s) {empty[:SHOWN]} hold no audio file: add clips or remove "
                "the folder(s)"
                if classes
                else "it has no sub-folders"
            )
        )
    return classes, files


def read_samples(path: str, sample_rate: int, length: int) -> torch.Tensor:
    """Just the clip's samples: the reader a streamed data set hands to the loader's workers
    (`dlkit.data.file_samples.SampleFiles.read`, bound with `functools.partial`)."""
    return read_clip(Path(path), sample_rate, length).samples
