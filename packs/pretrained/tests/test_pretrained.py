"""Pretrained backbones, offline: weight files load into the backbone, the head starts fresh, the
hubs' caches are used, the configs say which images the weights expect, and every misfit says
what to do. No test reaches the network."""

import logging
import socket

import pytest
import torch
import torchvision
from hydra import initialize_config_dir
from omegaconf import OmegaConf

from dlkit.config.targets import check_compatible
from dlkit.errors import ConfigError
from dlkit.models.nets.resnet import DEPTHS
from tests.helpers import CONFIG_DIR, run_module

IMAGENET = {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}


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


def test_a_weights_file_loads_into_the_backbone_and_the_head_starts_fresh(
    build_pretrained, resnet18_file, caplog
):
    path, saved = resnet18_file
    with caplog.at_level(logging.INFO):
        net = build_pretrained("pretrained_resnet", (3, 32, 32), num_outputs=3, weights=str(path))
    state = net.net.state_dict()
    _backbone_equals(state, saved, "fc.")
    assert state["fc.weight"].shape == (3, 512)  # the data's 3 classes, not ImageNet's 1,000
    assert "left out, starting fresh: fc.weight, fc.bias" in caplog.text
    # the weights' own stem: 7x7 stride 2 and max-pooling
    assert net.net.conv1.kernel_size == (7, 7)
    assert not isinstance(net.net.maxpool, torch.nn.Identity)


def test_gray_images_get_the_rgb_stem_summed(build_pretrained, resnet18_file):
    path, saved = resnet18_file
    net = build_pretrained("pretrained_resnet", (1, 32, 32), weights=str(path))
    assert torch.allclose(net.net.conv1.weight, saved["conv1.weight"].sum(dim=1, keepdim=True))


def test_timm_weights_file_loads_with_its_stem_adapted(build_pretrained, timm_file, timm_net):
    path, saved = timm_file
    net = build_pretrained("timm", (1, 16, 16), name=timm_net, weights=str(path))
    state = net.net.state_dict()
    stem = "conv_stem.weight"
    assert torch.allclose(state[stem], saved[stem].sum(dim=1, keepdim=True))
    _backbone_equals(state, {k: v for k, v in saved.items() if k != stem}, "classifier.")
    assert state["classifier.weight"].shape[0] == 3
    assert net.head_parameters() == list(net.net.classifier.parameters())


def test_weights_of_another_architecture_name_the_keys(build_pretrained, tmp_path):
    torch.save(torchvision.models.resnet34().state_dict(), tmp_path / "resnet34.pth")
    with pytest.raises(ConfigError) as error:
        build_pretrained("pretrained_resnet", (3, 32, 32), weights=str(tmp_path / "resnet34.pth"))
    message = str(error.value)
    assert "do not fit ResNet-18's backbone" in message
    assert "of the file's have no place in it (e.g. layer1.2." in message
    assert "model.net.depth for model=pretrained_resnet" in message


def test_a_missing_weights_file_is_named(build_pretrained, tmp_path):
    with pytest.raises(ConfigError, match=r"model.net.weights=.*nothing.pth: no such file"):
        build_pretrained("pretrained_resnet", (3, 32, 32), weights=str(tmp_path / "nothing.pth"))


def test_pretrained_and_a_weights_file_pick_one(build_pretrained, resnet18_file):
    with pytest.raises(ConfigError, match="pick one"):
        build_pretrained(
            "pretrained_resnet", (3, 32, 32), pretrained=True, weights=str(resnet18_file[0])
        )


def test_a_pretrained_resnet_without_weights_says_where_to_get_them(build_pretrained):
    with pytest.raises(ConfigError) as error:
        build_pretrained("pretrained_resnet", (3, 32, 32))
    message = str(error.value)
    assert "model.net.pretrained=true" in message and "model.net.weights=<file>" in message
    assert "model=resnet trains from a random start" in message


@pytest.mark.parametrize("factor", [0, -0.5])
def test_backbone_lr_factor_must_be_positive(build_pretrained, resnet18_file, factor):
    with pytest.raises(ConfigError, match=r"model\.net\.backbone_lr_factor must be greater than 0"):
        build_pretrained(
            "pretrained_resnet",
            (3, 32, 32),
            weights=str(resnet18_file[0]),
            backbone_lr_factor=factor,
        )


def test_backbone_lr_factor_gives_the_backbone_a_group_at_its_rate(build_pretrained, timm_net):
    net = build_pretrained("timm", (3, 16, 16), name=timm_net, backbone_lr_factor=0.25)
    head, backbone = net.parameter_groups()
    assert head["name"] == "head" and "lr_factor" not in head
    assert (backbone["name"], backbone["lr_factor"]) == ("backbone", 0.25)
    # the optimizer the task module builds trains the backbone at that share of its rate
    optimizer = torch.optim.SGD([head, backbone], lr=0.001)
    for group in optimizer.param_groups:
        group["lr"] *= group.get("lr_factor", 1.0)  # as TaskModule.configure_optimizers does
    assert [g["lr"] for g in optimizer.param_groups] == [0.001, pytest.approx(0.00025)]
    assert _ids(head["params"]) == _ids(net.net.classifier.parameters())
    assert _ids(head["params"] + backbone["params"]) == _ids(net.parameters())
    # without a factor or freezing: the parameters alone, at the optimizer's own rate
    plain = build_pretrained("timm", (3, 16, 16), name=timm_net)
    assert _ids(plain.parameter_groups()) == _ids(plain.parameters())


def _ids(parameters) -> set[int]:
    return {id(p) for p in parameters}


def test_freezing_a_random_backbone_warns(build_pretrained, timm_net, caplog):
    with caplog.at_level(logging.WARNING):
        net = build_pretrained("timm", (3, 16, 16), name=timm_net, freeze=True)
    assert "frozen random network" in caplog.text
    assert not any(p.requires_grad for p in net.backbone_parameters())
    assert all(p.requires_grad for p in net.head_parameters())
    (head,) = list(net.parameter_groups())  # only the head trains, in a group named for the monitor
    assert head["name"] == "head" and _ids(head["params"]) == _ids(net.head_parameters())


def test_a_frozen_backbone_keeps_its_batch_norm_statistics(build_pretrained, resnet18_file):
    net = build_pretrained(
        "pretrained_resnet", (3, 32, 32), weights=str(resnet18_file[0]), freeze=True
    )
    net.train()  # what Lightning does at every epoch
    before = net.net.bn1.running_mean.clone()
    net(torch.rand(4, 3, 32, 32))
    assert not net.net.bn1.training and torch.equal(net.net.bn1.running_mean, before)
    assert net.net.fc.training  # the head trains as usual


def test_unknown_timm_name_lists_close_names(build_pretrained):
    with pytest.raises(ConfigError) as error:
        build_pretrained("timm", (3, 32, 32), name="convnext_nanoo")
    message = str(error.value)
    assert "unknown timm model 'convnext_nanoo': close names are convnext_nano" in message
    assert "timm.list_models('*convnext*')" in message


def test_offline_torchvision_weights_stop_with_one_message(build_pretrained, no_network):
    with pytest.raises(ConfigError) as error:
        build_pretrained("pretrained_resnet", (3, 32, 32), pretrained=True)
    message = str(error.value)
    assert "cannot download the pretrained weights ResNet18_Weights.IMAGENET1K_V1" in message
    assert str(no_network / "torch" / "hub" / "checkpoints") in message
    assert "resnet18-f37072fd.pth" in message and "model.net.weights=<file>" in message


def test_offline_timm_weights_stop_with_one_message(build_pretrained, no_network, timm_net):
    with pytest.raises(ConfigError) as error:  # HF_HUB_OFFLINE is set for every test
        build_pretrained("timm", (3, 32, 32), name=timm_net, pretrained=True)
    message = str(error.value)
    assert f"timm/{timm_net}" in message and "($HF_HUB_CACHE)" in message
    assert str(no_network / "hf") in message and "model.net.weights=<file>" in message


def test_pretrained_weights_load_from_the_torch_hub_cache(
    build_pretrained, no_network, resnet18_file
):
    """`pretrained=true` with the file in $TORCH_HOME, as a first download leaves it."""
    cache = no_network / "torch" / "hub" / "checkpoints"
    cache.mkdir(parents=True)
    (cache / "resnet18-f37072fd.pth").symlink_to(resnet18_file[0])
    net = build_pretrained("pretrained_resnet", (3, 32, 32), pretrained=True)
    _backbone_equals(net.net.state_dict(), resnet18_file[1], "fc.")


def test_pretrained_timm_weights_load_from_the_hugging_face_cache(
    build_pretrained, no_network, timm_net, write_timm_file
):
    """`pretrained=true` with the file in the hub cache's layout, through timm's own loader."""
    snapshot = no_network / "hf" / f"models--timm--{timm_net}.lamb_in1k"
    (snapshot / "refs").mkdir(parents=True)
    (snapshot / "refs" / "main").write_text("0" * 40)
    (snapshot / "snapshots" / ("0" * 40)).mkdir(parents=True)
    saved = write_timm_file(snapshot / "snapshots" / ("0" * 40) / "model.safetensors", timm_net)
    net = build_pretrained("timm", (3, 32, 32), name=timm_net, pretrained=True)
    _backbone_equals(net.net.state_dict(), saved, "classifier.")


def test_a_checkpoint_to_follow_skips_the_weights(build_pretrained, no_network):
    """`make eval/predict/export` build the net with `from_checkpoint=true`: no download, no
    file read, though the config still names the weights it was trained from."""
    net = build_pretrained("pretrained_resnet", (3, 32, 32), pretrained=True, from_checkpoint=True)
    assert net.net.fc.out_features == 3
    gone = str(no_network / "gone.pth")
    assert build_pretrained("pretrained_resnet", (3, 32, 32), weights=gone, from_checkpoint=True)


@pytest.mark.parametrize("depth", sorted(DEPTHS))
def test_the_resnet_config_gives_the_images_its_weights_expect(compose_train, depth):
    """`data.net_inputs` of model=pretrained_resnet is torchvision's `weights.transforms()`."""
    from dlkit_pretrained.resnet import default_weights

    cfg = compose_train("model=pretrained_resnet", f"model.net.depth={depth}")
    preprocessing = default_weights(depth).transforms()
    assert OmegaConf.to_container(cfg.data.net_inputs) == {
        "size": list(preprocessing.crop_size) * 2,
        "mean": pytest.approx(list(preprocessing.mean)),
        "std": pytest.approx(list(preprocessing.std)),
    }


def test_the_timm_config_gives_the_images_its_weights_expect(compose_train):
    """timm's `resolve_data_config` for the name, with weights; another size on request; the
    data set's own size and statistics without weights."""
    weighted = compose_train("model=timm", "model.net.name=resnet10t", "model.net.weights=w.pth")
    assert OmegaConf.to_container(weighted.data.net_inputs, resolve=True) == {
        "size": [176, 176],  # timm's input size for resnet10t.c3_in1k
        "mean": pytest.approx(IMAGENET["mean"]),
        "std": pytest.approx(IMAGENET["std"]),
    }
    smaller = compose_train(
        "model=timm", "model.net.pretrained=true", "data.net_inputs.size=[96,96]"
    )
    assert smaller.data.net_inputs.size == [96, 96]
    assert smaller.data.net_inputs.mean == pytest.approx(IMAGENET["mean"])
    random_start = compose_train("model=timm")
    assert set(OmegaConf.to_container(random_start.data.net_inputs, resolve=True).values()) == {
        None
    }


def test_the_resolved_config_shows_the_inputs(timm_net, capsys):
    """`make train ARGS="--cfg job --resolve"` prints the size, mean and std of the weights."""
    code = run_module(
        "dlkit.cli.train",
        "model=timm",
        f"model.net.name={timm_net}",
        "model.net.pretrained=true",
        "--cfg",
        "job",
        "--resolve",
    )
    text = capsys.readouterr().out
    assert code == 0, text
    shown = OmegaConf.create(text).data.net_inputs
    assert shown.size == [224, 224] and shown.mean == pytest.approx(IMAGENET["mean"])


def test_the_pack_models_are_listed_for_image_data(compose_train):
    """A net that does not take images names the models that do, this pack's among them."""
    cfg = compose_train("model=gru")  # the digits: images
    # the search path of a `make train`, where the pack's configs are
    with (
        initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"),
        pytest.raises(ConfigError) as error,
    ):
        check_compatible(cfg)
    listed = str(error.value).split("Models that fit image data: ")[1].rstrip(".").split(", ")
    assert {"pretrained_resnet", "timm", "resnet", "cnn"} <= set(listed)
    assert "gru" not in listed
