"""Pretrained backbones, offline: weight files load into the backbone, the head starts fresh, the
hubs' caches are used, and every misfit says what to do. No test reaches the network."""

import logging
import socket

import pytest
import torch
import torchvision
from tests.models.nets import build_net
from tests.models.pretrained_files import (
    TIMM_NET,
    write_timm_weights,
)

from dlkit.config.checks import check_config
from dlkit.errors import ConfigError


@pytest.fixture
def no_network(monkeypatch, tmp_path):
    """No connection opens, and the hubs' caches are empty folders of this test."""

    def refuse(*args, **kwargs):
        raise OSError("network is unreachable (blocked by the test)")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hf"))
    return tmp_path


def _backbone_equals(net_state: dict, file_state: dict, head: str) -> None:
    for key, value in file_state.items():
        if not key.startswith(head):
            assert torch.equal(net_state[key], value), key


def test_a_weights_file_loads_into_the_backbone_and_the_head_starts_fresh(resnet18_file, caplog):
    path, saved = resnet18_file
    with caplog.at_level(logging.INFO):
        net = build_net("resnet", (3, 32, 32), num_outputs=3, weights=str(path))
    state = net.net.state_dict()
    _backbone_equals(state, saved, "fc.")
    assert state["fc.weight"].shape == (3, 512)  # the data's 3 classes, not ImageNet's 1,000
    assert "left out, starting fresh: fc.weight, fc.bias" in caplog.text
    # the weights' own stem: 7x7 stride 2 and max-pooling
    assert net.net.conv1.kernel_size == (7, 7) and not isinstance(
        net.net.maxpool, torch.nn.Identity
    )


def test_gray_images_get_the_rgb_stem_summed(resnet18_file):
    path, saved = resnet18_file
    net = build_net("resnet", (1, 32, 32), weights=str(path))
    assert torch.allclose(net.net.conv1.weight, saved["conv1.weight"].sum(dim=1, keepdim=True))


def test_timm_weights_file_loads_with_its_stem_adapted(timm_file):
    path, saved = timm_file
    net = build_net("timm", (1, 16, 16), name=TIMM_NET, weights=str(path))
    state = net.net.state_dict()
    stem = "conv_stem.weight"
    assert torch.allclose(state[stem], saved[stem].sum(dim=1, keepdim=True))
    _backbone_equals(state, {k: v for k, v in saved.items() if k != stem}, "classifier.")
    assert state["classifier.weight"].shape[0] == 3
    assert net.head_parameters() == list(net.net.classifier.parameters())


def test_weights_of_another_architecture_name_the_keys(tmp_path):
    torch.save(torchvision.models.resnet34().state_dict(), tmp_path / "resnet34.pth")
    with pytest.raises(ConfigError) as error:
        build_net("resnet", (3, 32, 32), weights=str(tmp_path / "resnet34.pth"))
    message = str(error.value)
    assert "do not fit ResNet-18's backbone" in message
    assert "of the file's have no place in it (e.g. layer1.2." in message
    assert "model.net.depth" in message


def test_a_missing_weights_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"model.net.weights=.*nothing.pth: no such file"):
        build_net("resnet", (3, 32, 32), weights=str(tmp_path / "nothing.pth"))


def test_pretrained_and_a_weights_file_pick_one(compose_train):
    cfg = compose_train("model=resnet", "model.net.pretrained=true", "model.net.weights=w.pth")
    with pytest.raises(ConfigError, match="pick one"):
        check_config(cfg)


@pytest.mark.parametrize("factor", [0, -0.5])
def test_backbone_lr_factor_must_be_positive(compose_train, factor):
    cfg = compose_train("model=resnet", f"optimizer.backbone_lr_factor={factor}")
    with pytest.raises(ConfigError, match=r"optimizer\.backbone_lr_factor must be greater than 0"):
        check_config(cfg)


def test_freezing_a_random_backbone_warns(caplog):
    with caplog.at_level(logging.WARNING):
        net = build_net("resnet", (3, 16, 16), freeze=True)
    assert "frozen random network" in caplog.text
    assert not any(p.requires_grad for p in net.backbone_parameters())
    assert all(p.requires_grad for p in net.head_parameters())


def test_a_frozen_backbone_keeps_its_batch_norm_statistics(resnet18_file):
    net = build_net("resnet", (3, 32, 32), weights=str(resnet18_file[0]), freeze=True)
    net.train()  # what Lightning does at every epoch
    before = net.net.bn1.running_mean.clone()
    net(torch.rand(4, 3, 32, 32))
    assert not net.net.bn1.training and torch.equal(net.net.bn1.running_mean, before)


def test_unknown_timm_name_lists_close_names():
    with pytest.raises(ConfigError) as error:
        build_net("timm", (3, 32, 32), name="convnext_nanoo")
    message = str(error.value)
    assert "unknown timm model 'convnext_nanoo': close names are convnext_nano" in message
    assert "timm.list_models('*convnext*')" in message


def test_offline_torchvision_weights_stop_with_one_message(no_network):
    with pytest.raises(ConfigError) as error:
        build_net("resnet", (3, 32, 32), pretrained=True)
    message = str(error.value)
    assert "cannot download the pretrained weights ResNet18_Weights.IMAGENET1K_V1" in message
    assert str(no_network / "torch" / "hub" / "checkpoints") in message
    assert "resnet18-f37072fd.pth" in message and "model.net.weights=<file>" in message


def test_offline_timm_weights_stop_with_one_message(no_network):
    with pytest.raises(ConfigError) as error:  # HF_HUB_OFFLINE is set for every test
        build_net("timm", (3, 32, 32), name=TIMM_NET, pretrained=True)
    message = str(error.value)
    assert f"timm/{TIMM_NET}" in message and "($HF_HUB_CACHE)" in message
    assert str(no_network / "hf") in message and "model.net.weights=<file>" in message


def test_pretrained_weights_load_from_the_torch_hub_cache(no_network, resnet18_file):
    """`pretrained=true` with the file in $TORCH_HOME, as a first download leaves it."""
    cache = no_network / "torch" / "hub" / "checkpoints"
    cache.mkdir(parents=True)
    (cache / "resnet18-f37072fd.pth").symlink_to(resnet18_file[0])
    saved = resnet18_file[1]
    net = build_net("resnet", (3, 32, 32), pretrained=True)
    _backbone_equals(net.net.state_dict(), saved, "fc.")


def test_pretrained_timm_weights_load_from_the_hugging_face_cache(no_network):
    """`pretrained=true` with the file in the hub cache's layout, through timm's own loader."""
    snapshot = no_network / "hf" / f"models--timm--{TIMM_NET}.lamb_in1k"
    (snapshot / "refs").mkdir(parents=True)
    (snapshot / "refs" / "main").write_text("0" * 40)
    (snapshot / "snapshots" / ("0" * 40)).mkdir(parents=True)
    saved = write_timm_weights(snapshot / "snapshots" / ("0" * 40) / "model.safetensors", TIMM_NET)
    net = build_net("timm", (3, 32, 32), name=TIMM_NET, pretrained=True)
    _backbone_equals(net.net.state_dict(), saved, "classifier.")


def test_the_weights_say_which_images_they_expect():
    """What the data module is told (`data.net_inputs`), from the weights' metadata alone."""
    from dlkit_pretrained.timm_net import TimmNet

    from dlkit.models.nets.resnet import ResNet

    imagenet = {
        "mean": pytest.approx([0.485, 0.456, 0.406]),
        "std": pytest.approx([0.229, 0.224, 0.225]),
    }
    resnet = ResNet.expected_inputs(depth=50, pretrained=True)
    assert resnet == {
        "size": [224, 224],
        **imagenet,
        "weights": "torchvision ResNet50_Weights.IMAGENET1K_V2",
    }
    timm = TimmNet.expected_inputs(name="resnet10t", weights="w.pth", input_size=[96, 96])
    assert timm == {"size": [96, 96], **imagenet, "weights": "timm resnet10t.c3_in1k, file w.pth"}
    assert ResNet.expected_inputs(depth=18) is None  # a random start: the data's own statistics
