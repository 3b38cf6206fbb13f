"""Bad clips through `make train` (its entry point, in this process): each stops with exit code 2
and one message naming the file or folder and the fix, before training; the run folder says it
failed. The console log goes to stdout (Hydra's job logging)."""

import numpy as np
import pytest

from tests.helpers import read_summary, run_module


def _train(tmp_path, root, *overrides: str) -> int:
    return run_module(
        "dlkit.cli.train", "data=audio_folder", f"data.path={root}", "extras.print_config=false",
        f"hydra.run.dir={tmp_path / 'run'}", f"paths.data_dir={tmp_path / 'data'}", *overrides,
    )  # fmt: skip


def _spoil(root, kind: str, clip_writer) -> str:
    """Spoil a tone folder one way; the text the message must hold."""
    if kind == "not_audio":
        (root / "low" / "notes.wav").write_text("these are not samples")
        return "cannot decode audio file " + str(root / "low" / "notes.wav")
    if kind == "truncated":
        path = root / "mid" / "000.wav"
        path.write_bytes(path.read_bytes()[:30])
        return f"cannot decode audio file {path}"
    if kind == "empty_clip":
        clip_writer(root / "high" / "silent.wav", np.zeros(0), 16000)
        return f"audio file {root / 'high' / 'silent.wav'} holds no samples (an empty clip)"
    (root / "unvoiced").mkdir()
    return "the class folder(s) ['unvoiced'] hold no audio file"


@pytest.mark.parametrize("kind", ["not_audio", "truncated", "empty_clip", "empty_class"])
def test_a_bad_clip_or_folder_stops_with_one_message(
    tmp_path, tone_folder, clip_writer, capsys, kind
):
    expected = _spoil(tone_folder, kind, clip_writer)
    assert _train(tmp_path, tone_folder) == 2
    err = capsys.readouterr().out
    assert expected in err and "Traceback" not in err
    assert err.count(expected) == 1
    assert read_summary(tmp_path / "run")["status"] == "failed"


def test_a_missing_folder_names_what_to_point_at(tmp_path, capsys):
    assert _train(tmp_path, tmp_path / "nowhere") == 2
    assert "audio folder not found" in capsys.readouterr().out


def test_a_text_model_on_clips_names_the_models_that_fit(tmp_path, tone_folder, capsys):
    pytest.importorskip("dlkit_text")
    assert _train(tmp_path, tone_folder, "model=text_gru") == 2
    err = capsys.readouterr().out
    assert "TextRecurrentNet takes text data, but data=audio_folder is audio data." in err
    fitting = err.split("Models that fit audio data: ")[1].split(".")[0].split(", ")
    assert {"cnn", "gru", "lstm", "resnet", "rnn", "transformer", "spectrogram_cnn"} <= set(fitting)
    assert not [model for model in fitting if model.startswith("text_")]


def test_an_image_augmentation_on_clips_is_refused(tmp_path, tone_folder, capsys):
    assert _train(tmp_path, tone_folder, "augmentation=image") == 2
    assert (
        "ImageAugmentation augments image data, but AudioFolderDataModule holds audio"
        in capsys.readouterr().out
    )
