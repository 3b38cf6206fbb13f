"""Spectrograms against a reference computed here with numpy alone (frames, Hann window, FFT,
an HTK mel filter bank, decibels), and the layouts the nets take."""

import numpy as np
import pytest
import torch
from scipy.fft import dct

from dlkit_audio.data.audio import AudioDataModule
from dlkit_audio.data.layouts import laid_out, layout_for, shape_of
from dlkit_audio.features import Spectrogram

RATE = 16000


def reference_log_mel(x: np.ndarray, n_fft: int, win: int, hop: int, n_mels: int) -> np.ndarray:
    """[n_mels, frames]: torch.stft's centred frames (reflect-padded), a periodic Hann window of
    `win` samples centred in `n_fft`, |FFT|^2, triangular filters equally spaced in HTK mels."""
    padded = np.pad(x, n_fft // 2, mode="reflect")
    window = np.zeros(n_fft)
    start = (n_fft - win) // 2
    window[start : start + win] = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(win) / win)
    frames = [padded[i : i + n_fft] * window for i in range(0, len(padded) - n_fft + 1, hop)]
    power = np.abs(np.fft.rfft(np.array(frames), axis=1)) ** 2  # [frames, bins]
    bins = np.linspace(0, RATE / 2, n_fft // 2 + 1)
    mel = lambda f: 2595 * np.log10(1 + f / 700)  # noqa: E731
    hz = lambda m: 700 * (10 ** (m / 2595) - 1)  # noqa: E731
    edges = hz(np.linspace(mel(0), mel(RATE / 2), n_mels + 2))
    filters = np.zeros((n_mels, len(bins)))
    for m in range(n_mels):
        low, centre, high = edges[m : m + 3]
        rising = (bins - low) / (centre - low)
        falling = (high - bins) / (high - centre)
        filters[m] = np.maximum(0, np.minimum(rising, falling))
    decibels = 10 * np.log10(np.maximum(filters @ power.T, 1e-10))
    return np.maximum(decibels, decibels.max() - 80)


def test_log_mel_matches_the_reference_computation():
    rng = np.random.default_rng(0)
    t = np.arange(RATE) / RATE
    x = np.sin(2 * np.pi * 440 * t) * np.hanning(RATE) + 0.05 * rng.standard_normal(RATE)
    spectrogram = Spectrogram(RATE, window=0.025, hop=0.01, n_mels=40)
    ours = spectrogram(torch.tensor(x, dtype=torch.float32)[None])[0].numpy()
    reference = reference_log_mel(x, n_fft=512, win=400, hop=160, n_mels=40)
    assert ours.shape == reference.shape == (40, spectrogram.frames(RATE)) == (40, 101)
    assert np.abs(ours - reference).max() < 0.05  # decibels; float32 against float64


def test_a_tone_lights_up_the_band_of_its_frequency():
    t = torch.arange(RATE) / RATE
    spectrogram = Spectrogram(RATE, n_mels=40)
    mel = lambda f: 2595 * np.log10(1 + f / 700)  # noqa: E731
    centres = np.linspace(mel(0), mel(RATE / 2), 42)[1:-1]
    for frequency in (300.0, 1000.0, 4000.0):
        loudest = spectrogram(torch.sin(2 * torch.pi * frequency * t)[None])[0].mean(1).argmax()
        assert int(loudest) == int(np.abs(centres - mel(frequency)).argmin())


def test_mfcc_is_the_dct_of_the_log_mel():
    x = torch.randn(2, 8000)
    log_mel = Spectrogram(RATE, n_mels=32)(x).numpy()
    mfcc = Spectrogram(RATE, n_mels=32, kind="mfcc", n_mfcc=13)(x).numpy()
    assert mfcc.shape == (2, 13, log_mel.shape[2])
    np.testing.assert_allclose(mfcc, dct(log_mel, type=2, norm="ortho", axis=1)[:, :13], atol=1e-3)


def test_a_clip_does_not_depend_on_the_clips_batched_with_it():
    quiet, loud = 0.001 * torch.randn(1, 8000), torch.randn(1, 8000)
    spectrogram = Spectrogram(RATE)
    torch.testing.assert_close(spectrogram(torch.cat([quiet, loud]))[:1], spectrogram(quiet))


def test_the_image_layout_is_one_channel_and_the_sequence_layout_is_frames_of_bands():
    spectrograms = torch.randn(4, 32, 51)
    assert laid_out(spectrograms, "image").shape == (4, 1, 32, 51) and shape_of(
        32, 51, "image"
    ) == (1, 32, 51)
    assert (
        laid_out(spectrograms, "sequence").shape
        == (4, 51, 32)
        == (4, *shape_of(32, 51, "sequence"))
    )
    torch.testing.assert_close(laid_out(spectrograms, "sequence")[:, 7], spectrograms[..., 7])


@pytest.mark.parametrize("layout", ["image", "sequence"])
def test_input_maps_give_the_spectrograms_back_in_db_from_either_layout(layout):
    """What `make explain` (audit pack) draws: the net's inputs (and attributions, of their
    shape) back as [clips, bands, frames]; the inputs un-standardized."""
    data = AudioDataModule(layout=layout, n_mels=8)
    spectrograms = torch.randn(3, 8, 11) * 20 - 40  # dB
    data.mean, data.std = spectrograms.mean(dim=(0, 2), keepdim=True), torch.full((1, 8, 1), 2.0)
    net_inputs = laid_out((spectrograms - data.mean) / data.std, layout)
    torch.testing.assert_close(data.input_maps(net_inputs), spectrograms)
    attributions = laid_out(spectrograms, layout)
    assert torch.equal(data.input_maps(attributions, values=False), spectrograms)
    assert data.input_map_axes == ("frame (20 ms)", "mel band")


@pytest.mark.parametrize(
    ("net", "layout"),
    [
        ("dlkit.models.nets.cnn.CNN", "sequence"),
        ("dlkit.models.nets.resnet.ResNet", "image"),
        ("dlkit.models.nets.mlp.MLP", "sequence"),  # it flattens either
        ("dlkit.models.nets.recurrent.RecurrentNet", "sequence"),
        ("dlkit.models.nets.transformer.Transformer", "sequence"),
    ],
)
def test_auto_lays_the_spectrogram_out_as_the_net_takes_it(net, layout):
    assert layout_for("auto", net) == layout
    assert layout_for("image", "dlkit.models.nets.cnn.CNN") == "image"  # the 2-D CNN


def test_an_unknown_layout_is_named():
    with pytest.raises(Exception, match="layout"):
        layout_for("columns", None)
