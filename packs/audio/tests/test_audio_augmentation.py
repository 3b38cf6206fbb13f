"""Audio augmentation: SpecAugment's masks, the time shift, gain and noise at an SNR, drawn per
clip, on training batches only."""

import pytest
import torch

from dlkit_audio.augmentation import AudioAugmentation
from dlkit_audio.data.audio import AudioDataModule


def test_spec_augment_masks_whole_bands_and_frames_no_wider_than_asked_per_clip():
    torch.manual_seed(0)
    augmentation = AudioAugmentation(
        freq_masks=1, freq_mask_width=5, time_masks=1, time_mask_width=7
    )
    x = torch.randn(64, 32, 51) + 10  # no value is 0 before masking
    out = augmentation.mask(x)
    masked = out == 0
    bands = masked.all(dim=2)  # [B, bands]: a band masked in every frame
    frames = masked.all(dim=1)  # [B, frames]
    # every masked value lies in a masked band or frame: masks are whole rows and columns
    assert torch.equal(masked, bands[:, :, None] | frames[:, None, :])
    for clip_bands, clip_frames in zip(bands, frames, strict=True):
        for row, widest in ((clip_bands, 5), (clip_frames, 7)):
            where = row.nonzero().flatten()
            if len(where):  # one contiguous run, at most `widest` long
                assert where.max() - where.min() + 1 == len(where) <= widest
    assert len({tuple(b.nonzero().flatten().tolist()) for b in bands}) > 10  # drawn per clip
    assert torch.equal(out[~masked], x[~masked])  # the rest untouched


def test_the_time_shift_moves_each_clip_and_fills_with_silence():
    torch.manual_seed(0)
    x = torch.arange(1.0, 101.0).repeat(16, 1)
    shifted = AudioAugmentation(shift=0.2)(x)
    for row in shifted:
        kept = row[row != 0]
        offset = int(row.nonzero()[0]) - int(kept[0]) + 1  # where sample 1 (or the first kept) went
        assert abs(offset) <= 20
        assert torch.equal(kept, torch.arange(kept[0], kept[0] + len(kept)))  # order kept
    assert len({int((row == 0).sum()) for row in shifted}) > 3  # drawn per clip


def test_gain_scales_each_clip_within_its_decibels():
    torch.manual_seed(0)
    x = torch.randn(32, 1000)
    ratio = AudioAugmentation(gain_db=6)(x).norm(dim=1) / x.norm(dim=1)
    decibels = 20 * ratio.log10()
    assert decibels.abs().max() <= 6 + 1e-4 and decibels.std() > 1


def test_noise_is_added_at_the_signal_to_noise_ratio_drawn():
    torch.manual_seed(0)
    x = torch.sin(torch.linspace(0, 400, 16000)).repeat(64, 1)
    noisy = AudioAugmentation(noise=1.0, snr_db=(10.0, 20.0))(x)
    noise = noisy - x
    snr = 10 * (x.square().mean(1) / noise.square().mean(1)).log10()
    assert snr.min() > 9.5 and snr.max() < 20.5 and snr.std() > 1


def test_noise_with_probability_one_half_spares_about_half_the_clips():
    torch.manual_seed(0)
    x = torch.randn(400, 100)
    changed = (AudioAugmentation(noise=0.5)(x) != x).any(dim=1).float().mean()
    assert 0.4 < changed < 0.6


def test_only_training_batches_are_augmented():
    datamodule = AudioDataModule(
        sample_rate=8000,
        duration=0.5,
        augmentation=AudioAugmentation(shift=0.3, noise=1.0, time_masks=2),
    )
    datamodule._input_shape = (4000,)
    x = torch.randn(8, 4000)
    torch.testing.assert_close(datamodule.transform_batch(x), datamodule.transform_batch(x))
    assert not torch.equal(
        datamodule.transform_batch(x, augment=True), datamodule.transform_batch(x)
    )


@pytest.mark.parametrize(
    "settings",
    [{"shift": 1.0}, {"noise": 1.5}, {"snr_db": (20.0, 10.0)}, {"time_masks": -1}],
)
def test_settings_out_of_range_are_refused(settings):
    with pytest.raises(ValueError, match="augmentation"):
        AudioAugmentation(**settings)
