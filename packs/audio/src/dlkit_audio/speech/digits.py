"""Spoken digits, synthesized offline: "zero" … "nine" said by eSpeak NG (`dlkit_audio.speech.
espeak`) in many voices, rates and pitches, placed at a random moment of the clip, with
background noise; written as 16-bit WAV files in one folder per digit, with `clips.csv` saying
who said what.

    python -m dlkit_audio.speech.digits <folder> --seed 0 --clips-per-digit 250

Every random choice (voice, rate, pitch, place, noise, level) is drawn from `--seed` first and is
exact; the synthesizer's own waveform is not bit-exact (`espeak.py`): the same seed gives about
85% identical files and the same words by the same voices, slightly varied, for the rest. The
data module runs this once, in a fresh process, and keeps the folder.
"""

import argparse
import csv
import os
import shutil
from pathlib import Path

import numpy as np

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
#: English accents of eSpeak NG
ACCENTS = (
    "en", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-us-nyc", "en-gb-x-gbclan",
    "en-gb-x-gbcwmd",
)  # fmt: skip
#: voice variants (eSpeak's `voices/!v`): male, female and formant-synthesis (klatt) voices
VARIANTS = (
    "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "klatt", "klatt2",
    "klatt3", "croak", "adam", "belinda", "david", "linda", "john", "steph", "travis", "robert",
)  # fmt: skip
RATES = (120, 240)  # words per minute
PITCHES = (20, 80)  # eSpeak's base pitch, 0..100
SNR_DB = (5.0, 30.0)  # speech to background noise
#: background noise colours: the power spectrum falls as 1 / f**exponent
NOISE_EXPONENTS = {"white": 0.0, "pink": 1.0, "brown": 2.0}


def plan(seed: int, clips_per_digit: int) -> list[dict]:
    """Every clip's settings, drawn before any synthesis."""
    rng = np.random.default_rng(seed)
    rows = []
    for digit, word in enumerate(WORDS):
        for k in range(clips_per_digit):
            rows.append(
                {
                    "file": f"{digit}/{word}_{k:04d}.wav",
                    "digit": digit,
                    "voice": f"{rng.choice(ACCENTS)}+{rng.choice(VARIANTS)}",
                    "rate": int(rng.integers(*RATES, endpoint=True)),
                    "pitch": int(rng.integers(*PITCHES, endpoint=True)),
                    "noise": str(rng.choice(list(NOISE_EXPONENTS))),
                    "snr_db": round(float(rng.uniform(*SNR_DB)), 2),
                    "level": round(float(rng.uniform(0.2, 0.9)), 3),
                    "start": float(rng.uniform()),  # where in the clip, of the room left
                    "noise_seed": int(rng.integers(2**31)),
                }
            )
    return rows


def trimmed(samples: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    """Without the silence before and after the word."""
    loud = np.flatnonzero(np.abs(samples) > threshold * np.abs(samples).max())
    return samples[loud[0] : loud[-1] + 1] if len(loud) else samples


def coloured_noise(length: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise of unit power whose power spectrum falls as 1 / f**exponent."""
    spectrum = np.fft.rfft(rng.standard_normal(length))
    frequencies = np.fft.rfftfreq(length)
    frequencies[0] = frequencies[1]
    noise = np.fft.irfft(spectrum / frequencies ** (exponent / 2), n=length)
    return noise / noise.std()


def make_clip(speech: np.ndarray, row: dict, length: int) -> np.ndarray:
    """The word at its place in a clip of `length` samples, noise at its SNR, at its level."""
    speech = trimmed(speech)[:length]
    start = int(row["start"] * (length - len(speech)))
    clip = np.zeros(length)
    clip[start : start + len(speech)] = speech
    rng = np.random.default_rng(row["noise_seed"])
    noise = coloured_noise(length, NOISE_EXPONENTS[row["noise"]], rng)
    speech_power = np.mean(speech**2)
    clip += noise * np.sqrt(speech_power / 10 ** (row["snr_db"] / 10))
    return clip / np.abs(clip).max() * row["level"]


def generate(folder: Path, seed: int, clips_per_digit: int, sample_rate: int, duration: float):
    """The data set in `folder` (written next to it, then moved in place: whole or absent)."""
    import soundfile
    import torch

    from dlkit_audio.data.files import resample
    from dlkit_audio.speech.espeak import Espeak

    partial = folder.with_name(f".{os.getpid()}.{folder.name}")
    rows = plan(seed, clips_per_digit)
    espeak = Espeak()
    length = round(sample_rate * duration)
    for row in rows:
        voice = row["voice"]
        speech = espeak.say(WORDS[row["digit"]], voice, row["rate"], row["pitch"])
        speech = speech.astype(np.float32) / 32768
        if espeak.sample_rate != sample_rate:
            speech = resample(torch.from_numpy(speech), espeak.sample_rate, sample_rate).numpy()
        speech = speech.astype(np.float64)
        path = partial / row["file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        soundfile.write(path, make_clip(speech, row, length), sample_rate, subtype="PCM_16")
    with open(partial / "clips.csv", "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=[k for k in rows[0] if k != "noise_seed"])
        writer.writeheader()
        writer.writerows({k: v for k, v in row.items() if k != "noise_seed"} for row in rows)
    try:
        partial.replace(folder)
    except OSError:  # another process made it first
        if not folder.is_dir():
            raise
        shutil.rmtree(partial)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--clips-per-digit", type=int, default=250)
    parser.add_argument("--sample-rate", type=int, default=16000)
    parser.add_argument("--duration", type=float, default=1.0)
    args = parser.parse_args(argv)
    generate(args.folder, args.seed, args.clips_per_digit, args.sample_rate, args.duration)


if __name__ == "__main__":
    main()
