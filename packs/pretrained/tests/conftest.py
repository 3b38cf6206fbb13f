"""Fixtures of the model tests: weight files written once per session (see pretrained_files)."""

from pathlib import Path

import pytest
import torch
from tests.models.pretrained_files import TIMM_NET, write_resnet_weights, write_timm_weights


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
