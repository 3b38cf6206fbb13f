"""The most confident mistakes as spectrograms with their files."""

import numpy as np
import torch
from PIL import Image

from dlkit_audio.reports.mistakes import most_confident_mistakes, plot_spectrograms


def test_mistakes_come_most_confident_first_and_right_answers_never():
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.7, 0.3], [0.05, 0.95]])
    targets = np.array([0, 0, 0, 1, 1])
    assert most_confident_mistakes(probabilities, targets).tolist() == [1, 3, 2]


def test_each_mistake_is_drawn_with_its_title(tmp_path):
    path = tmp_path / "mistakes.png"
    plot_spectrograms(
        torch.randn(5, 32, 51), [f"{k}/clip.wav\ntrue 1, predicted 2" for k in range(5)], path
    )
    with Image.open(path) as picture:
        width, height = picture.size
    assert width > 4 * 200 and height > 2 * 150  # four columns, two rows


def test_the_callback_draws_the_test_clips_it_got_wrong_with_their_files(tmp_path, tone_folder):
    from types import SimpleNamespace

    from torchmetrics import CatMetric

    from dlkit_audio.data.audio_folder import AudioFolderDataModule
    from dlkit_audio.reports.mistakes import MISTAKES_PNG, SpectrogramMistakes

    datamodule = AudioFolderDataModule(str(tone_folder), duration=0.5)
    datamodule.setup("fit")
    targets = datamodule.datasets["test"].tensors[1]
    wrong = torch.nn.functional.one_hot((targets + 1) % 3, 3).float()  # every clip mistaken
    module = SimpleNamespace(test_predictions=CatMetric(), test_targets=CatMetric(), device="cpu")
    module.test_predictions.update(wrong * 0.8 + 0.1)
    module.test_targets.update(targets.float())  # as the task module keeps them
    trainer = SimpleNamespace(datamodule=datamodule, world_size=1)
    SpectrogramMistakes(str(tmp_path)).on_test_end(trainer, module)
    assert (tmp_path / MISTAKES_PNG).is_file()
