"""Audio data: samples are waveforms [length] (mono, one sample rate, one clip length), kept in
memory or decoded from their files in the loader's workers (`data.storage`); every batch becomes a spectrogram on its device (`dlkit_audio.features`), standardized
per band with the training split's statistics, laid out as the net takes it
(`dlkit_audio.data.layouts`): [1, bands, frames] or [frames, bands].

Augmentation (`augmentation=audio`, training batches only) works on both sides of the
spectrogram: time shift, gain and noise on the waveform, SpecAugment's masks on the standardized
spectrogram, where a masked value of 0 is the band's mean.

The classical baseline reads MFCC statistics (each coefficient's mean and standard deviation
over the clip's frames), standardized with the training clips' it is fitted on (streamed: a
seeded sample of them, `data.baseline_sample`).
"""

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import numpy as np
import torch

from dlkit.config.values import integer, number, require
from dlkit.data.base import BaseDataModule
from dlkit.data.samples import to_float
from dlkit_audio.data.clips import AudioClips, read_all
from dlkit_audio.data.files import AUDIO_SUFFIXES, list_audio, read_samples
from dlkit_audio.data.layouts import laid_out, layout_for, shape_of, spectrograms_of
from dlkit_audio.features import Spectrogram

SAMPLE_RATE = integer(1000)
DURATION = number(0, low_open=True)
#: the MFCC coefficients whose statistics the classical baseline reads
BASELINE_MFCC = 20


class AudioDataModule(BaseDataModule):
    """Clips as waveforms; any `BaseDataModule` argument and:

    - `sample_rate` (Hz): every clip is resampled to it; `duration` (s): padded or cropped to it;
    - `features`: `log_mel` or `mfcc`; `n_mels`, `n_mfcc`, `window` and `hop` (seconds),
      `f_min`, `f_max` (Hz), `top_db` (`dlkit_audio.features.Spectrogram`);
    - `layout`: `auto` (as the net takes it), `image` [1, bands, frames] or `sequence`
      [frames, bands]; `net`: the net's class (`${model.net._target_}`), which `auto` asks.

    Subclass it with a `load` that returns LoadedData(x=[N, length] float32 waveforms, y=[N])
    (`dlkit_audio.data.clips.read_all` reads files so).
    """

    modality = "audio"
    #: a spectrogram is an image or a sequence of frames (`dlkit.config.targets`)
    net_modalities = ("image", "sequence")
    tasks = ("classification",)

    def __init__(
        self,
        *args,
        sample_rate: int = 16000,
        duration: float = 1.0,
        features: str = "log_mel",
        n_mels: int = 32,
        n_mfcc: int = 20,
        window: float = 0.025,
        hop: float = 0.02,
        f_min: float = 0.0,
        f_max: float | None = None,
        top_db: float = 80.0,
        layout: str = "auto",
        net: str | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sample_rate = require("sample_rate", sample_rate, SAMPLE_RATE)
        self.duration = require("duration", duration, DURATION)
        self.length = round(sample_rate * duration)
        self.spectrogram = Spectrogram(
            sample_rate, window, hop, n_mels, f_min, f_max, features, n_mfcc, top_db
        )
        self.layout = layout_for(layout, net)
        self._mfcc: Spectrogram | None = None
        self._baseline_scale: tuple[np.ndarray, np.ndarray] | None = None

    # ----------------------------------------------------------------- shapes
    @property
    def input_shape(self) -> tuple[int, ...]:
        """What the net takes: the spectrogram of one clip, laid out for it."""
        (length,) = super().input_shape
        return shape_of(self.spectrogram.bands, self.spectrogram.frames(length), self.layout)

    # ----------------------------------------------------------------- per batch
    def spectrograms(self, x: torch.Tensor, augment: bool = False) -> torch.Tensor:
        """Waveforms [B, length] -> standardized spectrograms [B, bands, frames]; augmented
        (training batches) before and after the spectrogram."""
        x = to_float(x)
        augmentation = self.augmentation if augment else None
        if augmentation is not None:
            x = augmentation(x)
        spectrogram = self.spectrogram.to(x.device)(x)
        if self.mean is not None:
            if self.mean.device != x.device:
                self.mean, self.std = self.mean.to(x.device), self.std.to(x.device)
            spectrogram = (spectrogram - self.mean) / self.std
        if augmentation is not None:
            spectrogram = augmentation.mask(spectrogram)
        return spectrogram

    def transform_batch(self, x: torch.Tensor, augment: bool = False) -> torch.Tensor:
        return laid_out(self.spectrograms(x, augment), self.layout)

    # ----------------------------------------------------------------- pictures of net inputs
    @property
    def input_map_axes(self) -> tuple[str, str]:
        """The axes of `input_maps`' pictures: across (time) and up (the bands)."""
        up = "MFCC coefficient" if self.spectrogram.kind == "mfcc" else "mel band"
        return f"frame ({self.spectrogram.hop_length / self.sample_rate * 1000:.0f} ms)", up

    def input_maps(self, x: torch.Tensor, values: bool = True) -> torch.Tensor:
        """Net inputs (or their attributions, of the same shape) as the spectrograms they are,
        [N, bands, frames], the lowest band first: `make explain` (audit pack) draws its
        attributions over them. `values`: standardized inputs back in dB, as the features were
        computed on the device before per-band standardization."""
        maps = spectrograms_of(x, self.layout)
        if values and self.mean is not None:
            maps = maps * self.std.to(maps.device) + self.mean.to(maps.device)
        return maps

    def standardization(self, x_train: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Each band's mean and std over the training clips' frames, [1, bands, 1]."""
        total = total_sq = 0.0
        count = 0
        for chunk in x_train.split(256):
            spectrogram = self.spectrogram(to_float(chunk)).double()
            total = total + spectrogram.sum(dim=(0, 2), keepdim=True)
            total_sq = total_sq + spectrogram.square().sum(dim=(0, 2), keepdim=True)
            count += spectrogram.shape[0] * spectrogram.shape[2]
        mean = total / count
        variance = (total_sq - count * mean.square()) / max(count - 1, 1)
        return mean.float(), variance.clamp_min(0).sqrt().clamp_min(1e-6).float()

    # ----------------------------------------------------------------- the classical baseline
    def baseline_inputs(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        """MFCC statistics per clip ([N, 2 x 20]: each coefficient's mean and std over the
        frames), standardized with those of the training clips the baseline is fitted on (all
        of them, or a streamed run's sample), and the targets."""
        if self._baseline_scale is None and split != "train":
            self.baseline_inputs("train")  # the scale first
        x, y = self.baseline_samples(split)
        statistics = self._mfcc_statistics(x)
        if split == "train":
            self._baseline_scale = (statistics.mean(axis=0), statistics.std(axis=0) + 1e-6)
        mean, std = self._baseline_scale
        return (statistics - mean) / std, y.numpy()

    def baseline_features(self, x: torch.Tensor) -> np.ndarray:
        """A batch of clips as `baseline_inputs` gives them (a streamed test split's batches),
        after `baseline_inputs("train")` fitted the scale."""
        mean, std = self._baseline_scale
        return (self._mfcc_statistics(x) - mean) / std

    def _mfcc_statistics(self, x: torch.Tensor) -> np.ndarray:
        if self._mfcc is None:
            s = self.spectrogram
            self._mfcc = Spectrogram(
                self.sample_rate,
                s.win_length / self.sample_rate,
                s.hop_length / self.sample_rate,
                s.mel.n_mels,
                s.mel.f_min,
                s.mel.f_max,
                "mfcc",
                min(BASELINE_MFCC, s.mel.n_mels),
                s.top_db,
            )
        mfcc = torch.cat([self._mfcc(to_float(chunk)) for chunk in x.split(256)])
        return torch.cat([mfcc.mean(dim=2), mfcc.std(dim=2)], dim=1).numpy()

    # ----------------------------------------------------------------- new inputs
    def read_inputs(self, path: Path):
        """New clips: one audio file or a folder of them (any rate, any length: resampled and
        padded or cropped as the training clips were), or waveforms in .npz/.npy/.pt."""
        if path.is_dir() or path.suffix.lower() in AUDIO_SUFFIXES or not path.exists():
            files = list_audio(path)
            x, _ = read_all(AudioClips(files, [0] * len(files), self.sample_rate, self.length))
            return x
        return super().read_inputs(path)

    def input_batches(self, path: str | Path, batch_size: int) -> Iterator[torch.Tensor]:
        """Audio files or a folder of them decoded in the loader's workers a batch at a time
        (`make predict`), fitted to the training clips' rate and length; arrays at once."""
        path = Path(path).expanduser()
        if path.is_file() and path.suffix.lower() not in AUDIO_SUFFIXES:
            yield from super().input_batches(path, batch_size)
            return
        read = partial(read_samples, sample_rate=self.sample_rate, length=self.length)
        yield from self.file_batches(path, [str(f) for f in list_audio(path)], read, batch_size)

    def read_input_targets(self, path: Path) -> torch.Tensor | None:
        """A folder in the training layout (a sub-folder per class) gives each clip's class."""
        if not path.is_dir():
            return super().read_input_targets(path)
        classes = {name: i for i, name in enumerate(self.class_names or [])}
        folders = [f.relative_to(path).parts[0] for f in list_audio(path)]
        if not all(folder in classes for folder in folders):
            return None
        return torch.tensor([classes[folder] for folder in folders])

    def input_columns(self, path: Path) -> dict[str, list]:
        """Audio files: each row's file (relative to the folder given)."""
        path = path.expanduser()
        if path.is_file() and path.suffix.lower() not in AUDIO_SUFFIXES:
            return {}
        files = list_audio(path)
        return {"input": [str(f.relative_to(path)) if path.is_dir() else f.name for f in files]}
