"""Fixtures of the audio tests: small clip folders in the real formats, learnable in a few
steps. Each class is a tone of its own pitch (a few harmonics, a random start and length, some
noise), written as WAV files; `write_clip` writes any format soundfile writes."""

from pathlib import Path

import numpy as np
import pytest
import soundfile

#: class -> the tone's fundamental (Hz)
TONES = {"high": 1800.0, "low": 300.0, "mid": 800.0}


def tone(
    frequency: float, seconds: float, sample_rate: int, rng: np.random.Generator
) -> np.ndarray:
    """A tone with two harmonics, faded in and out, in light noise."""
    t = np.arange(round(seconds * sample_rate)) / sample_rate
    wave = sum(np.sin(2 * np.pi * frequency * k * t) / k for k in (1, 2, 3))
    wave *= np.hanning(len(t))
    return 0.5 * wave / np.abs(wave).max() + 0.01 * rng.standard_normal(len(t))


def write_clip(path: Path, samples: np.ndarray, sample_rate: int, **settings) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(path, samples, sample_rate, **settings)
    return path


def write_tone_folder(
    root: Path, per_class: int = 20, sample_rate: int = 16000, seed: int = 0
) -> Path:
    """`root/<class>/<i>.wav`: `per_class` tones per class, 0.3 to 0.8 s long."""
    rng = np.random.default_rng(seed)
    for name, frequency in TONES.items():
        for i in range(per_class):
            seconds = rng.uniform(0.3, 0.8)
            write_clip(
                root / name / f"{i:03d}.wav",
                tone(frequency, seconds, sample_rate, rng),
                sample_rate,
            )
    return root


@pytest.fixture
def tone_folder(tmp_path) -> Path:
    """60 tones of three classes as tmp_path/tones/<class>/<i>.wav, at 16 kHz."""
    return write_tone_folder(tmp_path / "tones")


@pytest.fixture(scope="session")
def tones() -> dict[str, float]:
    return dict(TONES)


@pytest.fixture(scope="session")
def make_tone():
    """make_tone(frequency, seconds, sample_rate, rng) -> samples (`tone`)."""
    return tone


@pytest.fixture(scope="session")
def clip_writer():
    """clip_writer(path, samples, sample_rate, **soundfile settings) -> path (`write_clip`)."""
    return write_clip


@pytest.fixture(scope="session")
def tone_folder_writer():
    """tone_folder_writer(root, per_class=20, sample_rate=16000, seed=0) -> root."""
    return write_tone_folder
