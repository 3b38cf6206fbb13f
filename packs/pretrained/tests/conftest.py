"""What the pretrained pack's tests need without a network: weight files written by the tests
themselves, a small folder of photos, and the pack's nets built as `make train` composes them.

The weight files are real state dicts of the architectures (torchvision's ResNet, timm's nets),
saved the way a user saves them, with values no fresh net has: the weights are shifted and the
batch-norm statistics measured on random images (so that a frozen backbone in eval mode keeps
its activations in range, as pretrained statistics do).
"""

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image
from torch import nn

from tests.models.nets import build_net

TIMM_NET = "mobilenetv3_small_050"  # 0.6 M parameters: timm's zoo in a test
COLOURS = {"red": (200, 40, 40), "green": (40, 200, 40), "blue": (40, 40, 200)}


def write_image_folder(root: Path, size: int = 16, per_class: int = 16, seed: int = 0) -> Path:
    """root/<colour>/<i>.png: noisy images whose class is their colour, learnable in a few steps."""
    rng = np.random.default_rng(seed)
    for name, colour in COLOURS.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            noise = rng.normal(0, 40, (size, size, 3))
            pixels = np.clip(np.array(colour) + noise, 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


def changed_state(net: nn.Module, channels: int = 3, size: int = 32) -> dict[str, torch.Tensor]:
    """`net`'s state dict with shifted weights and batch-norm statistics of random images."""
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.add_(0.01 * torch.randn(parameter.shape, generator=generator))
        for module in net.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.momentum = None  # a plain average over the batches below
        net.train()
        for _ in range(3):
            net(torch.randn(8, channels, size, size, generator=generator))  # standardized images
    return {k: v.clone() for k, v in net.state_dict().items()}


def write_resnet_weights(path: Path, depth: int = 18) -> dict[str, torch.Tensor]:
    """torchvision's ResNet-<depth> with ImageNet's 1,000-class head, as `torch.save` writes it."""
    state = changed_state(getattr(torchvision.models, f"resnet{depth}")())
    torch.save(state, path)
    return state


def write_timm_weights(path: Path, name: str = TIMM_NET) -> dict[str, torch.Tensor]:
    """timm's `name` with its 1,000-class head, as a .safetensors file (timm's own format)."""
    import timm
    from safetensors.torch import save_file

    state = changed_state(timm.create_model(name, pretrained=False), size=16)
    save_file(state, str(path))
    return state


@pytest.fixture(scope="session")
def timm_net() -> str:
    """The timm architecture the tests use."""
    return TIMM_NET


@pytest.fixture(scope="session")
def colours() -> dict[str, tuple[int, int, int]]:
    """The classes of the photos `write_photos` writes, and their colours."""
    return COLOURS


@pytest.fixture(scope="session")
def write_photos() -> Callable[..., Path]:
    """write_photos(root, size=16, per_class=16, seed=0): a folder of photos, a class a colour."""
    return write_image_folder


@pytest.fixture(scope="session")
def write_timm_file() -> Callable[..., dict[str, torch.Tensor]]:
    """write_timm_file(path, name=TIMM_NET): a timm weights file; returns its tensors."""
    return write_timm_weights


@pytest.fixture(scope="session")
def resnet18_file(tmp_path_factory) -> tuple[Path, dict[str, torch.Tensor]]:
    """One ResNet-18 weights file (and its tensors) for the tests of a session."""
    path = tmp_path_factory.mktemp("weights") / "resnet18.pth"
    return path, write_resnet_weights(path)


@pytest.fixture(scope="session")
def timm_file(tmp_path_factory) -> tuple[Path, dict[str, torch.Tensor]]:
    """One weights file of TIMM_NET (and its tensors) for the tests of a session."""
    path = tmp_path_factory.mktemp("weights") / f"{TIMM_NET}.safetensors"
    return path, write_timm_weights(path)


@pytest.fixture(scope="session")
def build_pretrained() -> Callable[..., nn.Module]:
    """build_pretrained(model, input_shape, **overrides): the net of `model=<model>` as the task
    module builds it."""

    def build(model: str, input_shape: tuple[int, ...], **overrides) -> nn.Module:
        return build_net(model, input_shape, **overrides)

    return build
