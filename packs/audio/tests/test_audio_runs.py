"""Clips through `make train` (Hydra's compose of the entry point) and `make predict`: the
audio folder and the spoken digits train the default CNN, the sequence nets read frames, the
MFCC baseline shares the split, augmentation draws its picture, predictions name their clips."""

import numpy as np
import pandas as pd
import pytest
import torch

from dlkit.saved.predict import predict
from dlkit.training.run import train
from tests.helpers import compose_config, read_summary

TINY_AUDIO = ("data.duration=0.5", "data.batch_size=8", "trainer.max_epochs=6")
# small versions of the nets that read spectrograms
TINY_NETS = {
    "spectrogram_cnn": ["model.net.channels=[8,16]"],
    "gru": ["model.net.hidden_size=16", "model.net.num_layers=1"],
    "transformer": ["model.net.d_model=16", "model.net.num_heads=2", "model.net.num_layers=1"],
}


@pytest.fixture
def tone_run(compose_train, tone_folder):
    """compose_train for data=audio_folder on the tone folder, small and quick."""

    def _compose(*overrides: str, model: str = "spectrogram_cnn"):
        return compose_train(
            "data=audio_folder",
            f"data.path={tone_folder}",
            f"model={model}",
            *TINY_NETS[model],
            *TINY_AUDIO,
            *overrides,
        )

    return _compose


def test_audio_data_train_the_spectrogram_cnn_unless_told(compose_train):
    cfg = compose_train("data=spoken_digits")
    assert cfg.model.net._target_ == "dlkit.models.nets.cnn.CNN"
    assert list(cfg.model.net.channels) == [16, 32, 64]
    assert cfg.data.net == "dlkit.models.nets.cnn.CNN"  # the layout follows the net
    assert compose_train("data=spoken_digits", "model=gru").data.net.endswith("RecurrentNet")


def test_an_audio_folder_trains_the_cnn_on_spectrogram_images_with_the_mfcc_baseline(tone_run):
    cfg = tone_run("baseline=logistic_regression")
    train(cfg)
    summary = read_summary(cfg)
    assert summary["status"] == "completed"
    assert summary["test"]["acc"] > 0.8  # three tones; chance is 1/3
    assert summary["baseline"]["name"] == "logistic_regression"
    assert summary["baseline"]["test"]["acc"] > 0.8


@pytest.mark.parametrize("model", ["gru", "transformer"])
def test_sequence_nets_read_the_frames_of_the_spectrogram(tone_run, model):
    cfg = tone_run(model=model)
    train(cfg)
    summary = read_summary(cfg)
    assert summary["test"]["acc"] > 0.6  # above chance (1/3)
    checkpoint = torch.load(summary["best_checkpoint"], weights_only=True)
    assert checkpoint["hyper_parameters"]["input_shape"] == [26, 32]  # [frames, bands] of 0.5 s


def test_augmentation_draws_its_preview_and_training_still_learns(tone_run):
    cfg = tone_run("augmentation=audio")
    train(cfg)
    summary = read_summary(cfg)
    assert summary["test"]["acc"] > 0.6
    from PIL import Image

    with Image.open(f"{cfg.paths.output_dir}/augmentation_preview.png") as picture:
        assert picture.size[0] > 300


def test_predict_names_each_clip_of_a_file_or_a_folder(
    tone_run, tmp_path, data_dir, make_tone, clip_writer
):
    cfg = tone_run()
    train(cfg)
    checkpoint = read_summary(cfg)["best_checkpoint"]
    rng = np.random.default_rng(5)
    new = tmp_path / "new"
    clip_writer(new / "a_low.flac", make_tone(300, 0.6, 44100, rng), 44100)
    clip_writer(new / "b_high.wav", make_tone(1800, 0.4, 8000, rng), 8000)
    for given, names in ((new, ["a_low.flac", "b_high.wav"]), (new / "b_high.wav", ["b_high.wav"])):
        folder = tmp_path / f"predict_{len(names)}"
        predict(
            compose_config(
                "predict", [f"ckpt_path={checkpoint}", f"input={given}"], folder, data_dir
            )
        )
        table = pd.read_csv(folder / "predictions.csv")
        assert table["input"].tolist() == names
        assert table["prediction"].tolist() == ["low", "high"][-len(names) :]
