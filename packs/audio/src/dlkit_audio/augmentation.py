"""Augmentation of training clips, drawn per clip, on the batch's device, on both sides of the
spectrogram (`AudioDataModule.spectrograms` calls the two halves):

- the waveform (`forward`): a random time shift (the word moves in the clip; silence fills in),
  a random gain, additive white noise at a random signal-to-noise ratio;
- the standardized spectrogram (`mask`): SpecAugment's frequency and time masks (Park et al.,
  2019), set to 0, which after standardization is each band's mean, as in the paper.

The masks are torchaudio's `FrequencyMasking` / `TimeMasking` with `iid_masks` (one draw per
clip); the waveform steps are a few tensor operations for the whole batch (torchaudio has no
batched per-clip shift, gain or noise at an SNR).
"""

import torch
from torch import nn


class AudioAugmentation(nn.Module):
    """Args:
    shift: the most the clip moves, either way, as a share of its length (0.1: 10%).
    gain_db: the clip is made louder or softer by up to this many decibels.
    noise: the probability of adding white noise; `snr_db` [low, high]: its signal-to-noise
        ratio in decibels (the clip's power to the noise's), drawn per clip.
    freq_masks, freq_mask_width: how many frequency masks, each up to this many bands wide.
    time_masks, time_mask_width: how many time masks, each up to this many frames wide.
    """

    modalities = ("audio",)

    def __init__(
        self,
        shift: float = 0.0,
        gain_db: float = 0.0,
        noise: float = 0.0,
        snr_db: tuple[float, float] = (10.0, 30.0),
        freq_masks: int = 0,
        freq_mask_width: int = 8,
        time_masks: int = 0,
        time_mask_width: int = 10,
    ) -> None:
        super().__init__()
        import torchaudio

        if not 0 <= shift < 1:
            raise ValueError(f"augmentation shift must lie in [0, 1), got {shift}")
        if not 0 <= noise <= 1:
            raise ValueError(f"augmentation noise is a probability in [0, 1], got {noise}")
        if len(snr_db) != 2 or snr_db[0] > snr_db[1]:
            raise ValueError(f"augmentation snr_db must be [low, high] decibels, got {snr_db}")
        if min(gain_db, freq_masks, freq_mask_width, time_masks, time_mask_width) < 0:
            raise ValueError("augmentation gain_db and the masks' counts and widths must be >= 0")
        self.shift = shift
        self.gain_db = gain_db
        self.noise = noise
        self.snr_db = tuple(snr_db)
        self.freq_masks = nn.ModuleList(
            torchaudio.transforms.FrequencyMasking(freq_mask_width, iid_masks=True)
            for _ in range(freq_masks)
        )
        self.time_masks = nn.ModuleList(
            torchaudio.transforms.TimeMasking(time_mask_width, iid_masks=True)
            for _ in range(time_masks)
        )

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        """Waveforms [B, T] shifted, louder or softer, noisier."""
        if waveforms.ndim != 2:
            raise ValueError(
                f"AudioAugmentation takes waveforms [B, T], got {list(waveforms.shape)}"
            )
        x = waveforms
        n, length = x.shape
        if self.shift:
            most = int(self.shift * length)
            offsets = torch.randint(-most, most + 1, (n, 1), device=x.device)
            source = torch.arange(length, device=x.device) - offsets
            inside = (source >= 0) & (source < length)
            x = x.gather(1, source.clamp(0, length - 1)) * inside
        if self.gain_db:
            decibels = torch.empty(n, 1, device=x.device).uniform_(-self.gain_db, self.gain_db)
            x = x * 10 ** (decibels / 20)
        if self.noise:
            snr = torch.empty(n, 1, device=x.device).uniform_(*self.snr_db)
            power = x.square().mean(dim=1, keepdim=True)
            std = (power / 10 ** (snr / 10)).sqrt()
            chosen = torch.rand(n, 1, device=x.device) < self.noise
            x = x + torch.randn_like(x) * std * chosen
        return x

    def mask(self, spectrograms: torch.Tensor) -> torch.Tensor:
        """Standardized spectrograms [B, bands, frames] with SpecAugment's masks (value 0)."""
        if not (len(self.freq_masks) or len(self.time_masks)):
            return spectrograms
        x = spectrograms.unsqueeze(1)  # [B, 1, F, T]: iid_masks draws per clip on 4-D input
        for masking in [*self.freq_masks, *self.time_masks]:
            x = masking(x)
        return x.squeeze(1)
