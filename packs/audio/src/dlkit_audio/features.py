"""Waveforms to spectrograms, per batch on the batch's device: log-mel or MFCC.

torchaudio's `MelSpectrogram` (a `torch.stft` with a Hann window, the power of each bin, an HTK
mel filter bank) and `create_dct` (MFCC's DCT-II) rather than our own copy: they are the
reference implementation that most audio code is compared against, they run on any device and
under autograd, and torchaudio 2.11 installs with this torch. The decibels are taken here, per
clip: torchaudio's `AmplitudeToDB` clips `top_db` below the loudest bin of the whole batch for
batches [B, F, T], which would make a clip's features depend on the clips batched with it.
"""

import math

import torch
from torch import nn

from dlkit.config.values import check_choice

KINDS = ("log_mel", "mfcc")


class Spectrogram(nn.Module):
    """[B, samples] -> [B, bands, frames]: `n_mels` log-mel bands (dB), or the first `n_mfcc`
    cepstral coefficients of them.

    Args:
        sample_rate: of the waveforms (Hz).
        window, hop: the analysis window and the step between frames, in seconds (25 ms and
            10 ms are speech's classic values); the FFT size is the next power of two.
        n_mels: mel bands between `f_min` and `f_max` (None: half the sample rate).
        kind: `log_mel` or `mfcc` (`n_mfcc` coefficients).
        top_db: each clip's decibels are floored this far below its loudest bin (silence and
            padding would else reach -100 dB and dominate the standardization).
    """

    def __init__(
        self,
        sample_rate: int,
        window: float = 0.025,
        hop: float = 0.01,
        n_mels: int = 40,
        f_min: float = 0.0,
        f_max: float | None = None,
        kind: str = "log_mel",
        n_mfcc: int = 20,
        top_db: float = 80.0,
    ) -> None:
        super().__init__()
        import torchaudio

        check_choice("features", kind, KINDS)
        self.win_length = max(1, round(window * sample_rate))
        self.hop_length = max(1, round(hop * sample_rate))
        if kind == "mfcc" and n_mfcc > n_mels:
            raise ValueError(f"n_mfcc ({n_mfcc}) cannot exceed n_mels ({n_mels})")
        self.mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=sample_rate,
            n_fft=2 ** math.ceil(math.log2(self.win_length)),
            win_length=self.win_length,
            hop_length=self.hop_length,
            f_min=f_min,
            f_max=f_max,
            n_mels=n_mels,
            power=2.0,
        )
        self.kind = kind
        self.top_db = top_db
        self.bands = n_mfcc if kind == "mfcc" else n_mels
        if kind == "mfcc":
            dct = torchaudio.functional.create_dct(n_mfcc, n_mels, norm="ortho")
            self.register_buffer("dct", dct, persistent=False)

    def frames(self, samples: int) -> int:
        """Frames of a clip of `samples` samples (centred frames, as torch.stft pads)."""
        return samples // self.hop_length + 1

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        decibels = 10 * torch.log10(self.mel(waveforms).clamp_min(1e-10))
        loudest = decibels.amax(dim=(-2, -1), keepdim=True)
        decibels = torch.maximum(decibels, loudest - self.top_db)
        if self.kind == "mfcc":
            return (decibels.transpose(-1, -2) @ self.dct).transpose(-1, -2)
        return decibels
