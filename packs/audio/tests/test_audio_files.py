"""Audio files to clips: formats, mono, resampling, padding and cropping, and every bad input
named in one message."""

import logging

import numpy as np
import pytest
import torch

from dlkit.errors import DataError
from dlkit_audio.data.clips import AudioClips, read_all
from dlkit_audio.data.files import class_folders, fit_length, read_clip, resample

RATE = 16000


def test_short_clips_are_padded_and_long_ones_cropped_both_centred():
    x = torch.arange(1.0, 7.0)
    padded, cropped = fit_length(x, 10)
    assert padded.tolist() == [0, 0, 1, 2, 3, 4, 5, 6, 0, 0] and not cropped
    middle, cropped = fit_length(x, 4)
    assert middle.tolist() == [2, 3, 4, 5] and cropped
    same, cropped = fit_length(x, 6)
    assert torch.equal(same, x) and not cropped


def test_resampling_keeps_the_pitch_and_the_duration():
    t = np.arange(44100) / 44100
    x = torch.tensor(np.sin(2 * np.pi * 1000 * t), dtype=torch.float32)
    y = resample(x, 44100, RATE)
    assert len(y) == RATE
    spectrum = np.abs(np.fft.rfft(y[1000:-1000].numpy()))
    peak_hz = spectrum.argmax() * RATE / (len(y) - 2000)
    assert abs(peak_hz - 1000) < 2


def test_a_tone_above_the_new_nyquist_is_filtered_out_not_folded_down():
    t = np.arange(44100) / 44100
    high = resample(torch.tensor(np.sin(2 * np.pi * 10000 * t), dtype=torch.float32), 44100, RATE)
    assert high[1000:-1000].abs().max() < 0.05  # 10 kHz cannot exist at 16 kHz: no 6 kHz alias


@pytest.mark.parametrize(
    ("suffix", "settings"),
    [(".wav", {}), (".flac", {}), (".ogg", {"format": "OGG", "subtype": "VORBIS"})],
)
def test_wav_flac_and_ogg_read_as_one_mono_clip_at_the_data_rate(
    tmp_path, suffix, settings, make_tone, clip_writer
):
    rng = np.random.default_rng(0)
    left = make_tone(440, 0.5, 22050, rng)
    stereo = np.stack([left, 0.5 * left], axis=1)
    clip = read_clip(clip_writer(tmp_path / f"a{suffix}", stereo, 22050, **settings), RATE, RATE)
    assert clip.samples.shape == (RATE,) and clip.samples.dtype == torch.float32
    assert clip.source_rate == 22050 and not clip.cropped
    mono = resample(torch.tensor(0.75 * left, dtype=torch.float32), 22050, RATE)
    start = (RATE - len(mono)) // 2
    tolerance = 0.05 if suffix == ".ogg" else 1e-3  # Vorbis is lossy
    assert (clip.samples[start : start + len(mono)] - mono).abs().max() < tolerance


def test_a_file_that_is_not_audio_is_named(tmp_path):
    bad = tmp_path / "notes.wav"
    bad.write_text("not a sound")
    with pytest.raises(
        DataError, match=r"cannot decode audio file .*notes\.wav.*replace or remove it"
    ):
        read_clip(bad, RATE, RATE)


def test_a_truncated_file_is_named(tmp_path, clip_writer):
    path = clip_writer(tmp_path / "cut.flac", np.zeros(RATE), RATE)
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(DataError, match=r"cut\.flac"):
        read_clip(path, RATE, RATE)


def test_an_empty_clip_is_named(tmp_path, clip_writer):
    path = clip_writer(tmp_path / "silent.wav", np.zeros(0), RATE)
    with pytest.raises(DataError, match=r"silent\.wav holds no samples"):
        read_clip(path, RATE, RATE)


def test_a_class_folder_without_clips_is_named(tmp_path, tone_folder_writer):
    root = tone_folder_writer(tmp_path / "tones", per_class=2)
    (root / "empty").mkdir()
    (root / "empty" / "readme.txt").write_text("no clips here")
    with pytest.raises(DataError, match=r"class folder\(s\) \['empty'\] hold no audio file"):
        class_folders(root)


def test_a_missing_folder_and_one_without_class_folders_are_named(tmp_path):
    with pytest.raises(DataError, match="audio folder not found"):
        class_folders(tmp_path / "nowhere")
    (tmp_path / "flat").mkdir()
    with pytest.raises(DataError, match="it has no sub-folders"):
        class_folders(tmp_path / "flat")


def test_resampled_and_cropped_clips_are_counted_once(tmp_path, caplog, make_tone, clip_writer):
    rng = np.random.default_rng(0)
    paths = [
        clip_writer(tmp_path / "a.wav", make_tone(300, 0.5, 44100, rng), 44100),
        clip_writer(tmp_path / "b.wav", make_tone(300, 0.5, 8000, rng), 8000),
        clip_writer(tmp_path / "c.wav", make_tone(300, 2.0, RATE, rng), RATE),
        clip_writer(tmp_path / "d.wav", make_tone(300, 0.5, RATE, rng), RATE),
    ]
    with caplog.at_level(logging.INFO):
        x, y = read_all(AudioClips(paths, [0, 1, 0, 1], RATE, RATE))
    assert x.shape == (4, RATE) and y.tolist() == [0, 1, 0, 1]
    messages = [r.getMessage() for r in caplog.records]
    assert [m for m in messages if "resampled" in m] == [
        "2 of 4 clips were recorded at 8000, 44100 Hz and resampled to data.sample_rate=16000 Hz"
    ]
    assert [m for m in messages if "cropped" in m] == [
        "1 of 4 clips are longer than data.duration (1.00 s) and were cropped to their middle"
    ]
