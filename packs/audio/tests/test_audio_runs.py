"""Clips through `make train` (Hydra's compose of the entry point) and `make predict`: the
audio folder and the spoken digits train the default CNN, the sequence nets read frames, the
MFCC baseline shares the split, augmentation draws its picture, predictions name their clips."""

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from dlkit.saved.predict import predict
from dlkit.training.run import train
from tests.helpers import compose_config, read_summary

TINY_AUDIO = ("data.duration=0.5", "data.batch_size=8", "trainer.max_epochs=6")
# small versions of the nets that read spectrograms
TINY_NETS = {
    "spectrogram_cnn": ["model.net.channels=[8,16]"],
    # the mean over the frames: a sound sits anywhere in the clip, and a plain RNN's last state
    # forgets what it heard early on (its gradients vanish over the frames)
    "gru": ["model.net.hidden_size=16", "model.net.num_layers=1", "model.net.pooling=mean"],
    "transformer": ["model.net.d_model=16", "model.net.num_heads=2", "model.net.num_layers=1"],
    "resnet": [],
}
TINY_NETS["rnn"] = TINY_NETS["lstm"] = TINY_NETS["gru"]


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
    assert list(cfg.model.net.channels) == [32, 64, 128]
    assert cfg.data.net == "dlkit.models.nets.cnn.CNN"  # the layout follows the net
    assert compose_train("data=spoken_digits", "model=gru").data.net.endswith("RecurrentNet")


def test_an_audio_folder_trains_augmented_beside_the_mfcc_baseline_and_predicts_clips(
    tone_run, tmp_path, data_dir, make_tone, clip_writer
):
    cfg = tone_run("augmentation=audio", "baseline=logistic_regression")
    train(cfg)
    summary = read_summary(cfg)
    assert summary["status"] == "completed"
    assert summary["test"]["acc"] > 0.8  # three tones; chance is 1/3
    assert summary["baseline"]["name"] == "logistic_regression"
    assert summary["baseline"]["test"]["acc"] > 0.8
    with Image.open(f"{cfg.paths.output_dir}/augmentation_preview.png") as picture:
        assert picture.size[0] > 300
    # new clips at other rates and lengths, a folder of them or one file
    rng = np.random.default_rng(5)
    new = tmp_path / "new"
    clip_writer(new / "a_low.flac", make_tone(300, 0.6, 44100, rng), 44100)
    clip_writer(new / "b_high.wav", make_tone(1800, 0.4, 22050, rng), 22050)
    checkpoint = summary["best_checkpoint"]
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
    # make explain over the spectrograms: the audit pack's test_explain_spectrograms.py


@pytest.mark.slow
@pytest.mark.parametrize("model", ["rnn", "lstm", "gru", "transformer"])
def test_sequence_nets_read_the_frames_of_the_spectrogram(tone_run, model):
    cfg = tone_run(model=model)
    train(cfg)
    summary = read_summary(cfg)
    assert summary["test"]["acc"] > 0.6  # above chance (1/3)
    checkpoint = torch.load(summary["best_checkpoint"], weights_only=True)
    assert checkpoint["hyper_parameters"]["input_shape"] == [26, 32]  # [frames, bands] of 0.5 s


@pytest.mark.slow
@pytest.mark.parametrize(
    ("model", "overrides"),
    [("spectrogram_cnn", ["data.layout=image"]), ("resnet", [])],
    ids=["cnn_2d", "resnet"],
)
def test_image_nets_read_the_spectrogram_as_one_channel_image(tone_run, model, overrides):
    cfg = tone_run(*overrides, model=model)
    train(cfg)
    summary = read_summary(cfg)
    assert summary["test"]["acc"] > 0.6
    checkpoint = torch.load(summary["best_checkpoint"], weights_only=True)
    assert checkpoint["hyper_parameters"]["input_shape"] == [1, 32, 26]  # [1, bands, frames]
