"""Augmentation: drawn per sample, on the batch's device, for training batches only."""

import re
from types import SimpleNamespace

import pytest
import torch

from dlkit.data.augmentation import ImageAugmentation, SequenceAugmentation
from dlkit.data.images import DigitsDataModule
from dlkit.data.sequences import MNIST1DDataModule


def _same_images(n: int = 64) -> torch.Tensor:
    one = torch.rand(1, 3, 12, 12, generator=torch.Generator().manual_seed(0))
    return one.expand(n, -1, -1, -1).clone()


def test_flips_are_exact_and_drawn_per_image():
    x = _same_images()
    torch.manual_seed(0)
    assert torch.equal(ImageAugmentation(horizontal_flip=1.0)(x), x.flip(-1))
    assert torch.equal(ImageAugmentation(vertical_flip=1.0)(x), x.flip(-2))
    mixed = ImageAugmentation(horizontal_flip=0.5)(x)
    flipped = (mixed == x.flip(-1)).flatten(1).all(1)
    kept = (mixed == x).flatten(1).all(1)
    assert torch.all(flipped | kept) and 10 < flipped.sum() < 54


def test_no_settings_change_nothing():
    x = _same_images()
    assert torch.equal(ImageAugmentation()(x), x)
    assert torch.equal(SequenceAugmentation()(x[:, 0]), x[:, 0])


def test_affine_moves_differ_per_image_and_keep_the_range():
    x = _same_images()
    out = ImageAugmentation(rotation=20, translate=0.1, scale=(0.8, 1.2))(x)
    assert out.shape == x.shape
    assert len({tuple(image.flatten()[:20].tolist()) for image in out}) == len(x)
    assert out.min() >= 0 and out.max() <= 1


def test_colour_and_erase():
    x = _same_images()
    out = ImageAugmentation(brightness=0.3, contrast=0.3)(x)
    assert out.min() >= 0 and out.max() <= 1
    assert len(set(out.mean(dim=(1, 2, 3)).tolist())) > 1
    erased = ImageAugmentation(erase=1.0, erase_size=0.5)(x)
    blank = (erased == 0).all(dim=1)  # [N, H, W]: pixels cut out in every channel
    assert torch.all(blank.flatten(1).any(1))  # every image has a hole
    assert torch.all(blank.flatten(1).float().mean(1) <= 0.25 + 1e-6)  # at most half of each side


def test_sequence_shift_is_a_shift_per_sample():
    x = torch.randn(32, 40, 2)
    out = SequenceAugmentation(shift=3)(x)
    shifts = []
    for original, moved in zip(x, out, strict=True):
        matches = [k for k in range(-3, 4) if torch.allclose(moved[5:35], original[5 - k : 35 - k])]
        assert len(matches) == 1
        shifts.append(matches[0])
    assert len(set(shifts)) > 1


def test_sequence_jitter_interpolates_and_noise_adds():
    x = torch.randn(16, 40, 1)
    jittered = SequenceAugmentation(jitter=0.5)(x)
    assert not torch.equal(jittered, x)
    low = torch.minimum(x[:, :-1], x[:, 1:]).min()
    assert jittered.min() >= low - 1e-6  # values between neighbours, never invented
    noisy = SequenceAugmentation(noise=0.2)(torch.zeros(64, 100, 1))
    assert noisy.std().item() == pytest.approx(0.2, rel=0.1)


BRIGHTNESS = "augmentation brightness and contrast must lie in [0, 1)"
SEQUENCE = "augmentation shift, jitter and noise must not be negative"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ImageAugmentation(horizontal_flip=1.5), "augmentation horizontal_flip must lie"),
        (lambda: ImageAugmentation(scale=(1.2, 0.8)), "augmentation scale must be"),
        (lambda: ImageAugmentation(translate=1.0), "augmentation translate must lie in"),
        (lambda: SequenceAugmentation(noise=-1), SEQUENCE),
        (lambda: ImageAugmentation(vertical_flip=2), "augmentation vertical_flip must lie in"),
        (lambda: ImageAugmentation(erase=1.5), "augmentation erase must lie in"),
        (lambda: ImageAugmentation(erase_size=-0.1), "augmentation erase_size must lie in"),
        (lambda: ImageAugmentation(scale=(0.0, 1.0)), "augmentation scale must be"),
        (lambda: ImageAugmentation(scale=(1.0,)), "augmentation scale must be"),
        (lambda: ImageAugmentation(brightness=1.0), BRIGHTNESS),
        (lambda: ImageAugmentation(contrast=1.0), BRIGHTNESS),
        (lambda: ImageAugmentation(brightness=0.5, contrast=1.5), BRIGHTNESS),
        (lambda: ImageAugmentation(brightness=1.5, contrast=0.5), BRIGHTNESS),
        (lambda: SequenceAugmentation(shift=-1), SEQUENCE),
        (lambda: SequenceAugmentation(jitter=-0.1), SEQUENCE),
    ],
)
def test_bad_settings(make, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}") as error:
        make()
    assert message in str(error.value)


def test_the_limits_themselves_are_allowed():
    ImageAugmentation(horizontal_flip=1.0, vertical_flip=0.0, erase=1.0, erase_size=1.0)
    ImageAugmentation(brightness=0.0, contrast=0.99, scale=(0.5, 0.5))
    SequenceAugmentation(shift=0, jitter=0.0, noise=0.0)


def test_only_training_batches_are_augmented():
    datamodule = DigitsDataModule(augmentation=ImageAugmentation(horizontal_flip=1.0))
    datamodule.setup("fit")
    x, y = next(iter(datamodule.train_dataloader()))
    plain = datamodule.transform_batch(x)
    datamodule.trainer = SimpleNamespace(training=True)
    augmented, same_y = datamodule.on_after_batch_transfer((x, y), 0)
    assert torch.equal(same_y, y)
    assert torch.allclose(augmented, plain.flip(-1))  # flipped, then standardized
    datamodule.trainer = SimpleNamespace(training=False)  # validating, testing, predicting
    assert torch.equal(datamodule.on_after_batch_transfer((x, y), 0)[0], plain)


def test_augmentation_must_fit_the_data():
    datamodule = MNIST1DDataModule(augmentation=ImageAugmentation(horizontal_flip=0.5))
    with pytest.raises(
        ValueError,
        match=r"^ImageAugmentation augments image data, but \S+ holds sequence data: choose an "
        r"augmentation for sequence data \(configs/augmentation/\) or none \(augmentation=null\)$",
    ):
        datamodule.setup("fit")


def test_bad_settings_reach_the_user_through_hydra(compose_train):
    from dlkit.training.run import train

    cfg = compose_train("augmentation=image", "data.augmentation.horizontal_flip=2")
    with pytest.raises(Exception, match=r"horizontal_flip must lie in \[0, 1\], got 2"):
        train(cfg)
