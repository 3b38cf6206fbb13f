"""Every net: forward/backward on each data shape it takes, a fit through the Hydra compose path,
and a clear error for a shape it does not take."""

import math

import pytest
import torch
from torch import nn

from dlkit.errors import ConfigError
from dlkit.training.run import train
from tests.helpers import read_summary
from tests.models.nets import COMPATIBLE, INCOMPATIBLE, PAIRS, build_net
from tests.models.synthetic import SHAPES, synthetic_data


@pytest.mark.parametrize(("model", "modality"), PAIRS)
def test_forward_and_backward(model, modality):
    torch.manual_seed(0)
    shape = SHAPES[modality]
    net = build_net(model, shape)
    outputs = net(torch.randn(4, *shape))
    assert outputs.shape == (4, 3)
    outputs.square().mean().backward()
    for name, parameter in net.named_parameters():
        assert parameter.grad is not None, f"{name} got no gradient"
        assert torch.isfinite(parameter.grad).all(), name


@pytest.mark.parametrize(
    ("model", "shape"),
    [("cnn", (3, 20, 12)), ("resnet", (3, 32, 32)), ("resnet", (5, 6, 6)), ("gru", (7, 4))],
)
def test_any_channel_count_and_size(model, shape):
    outputs = build_net(model, shape, num_outputs=5)(torch.randn(2, *shape))
    assert outputs.shape == (2, 5)


def _has(net: nn.Module, kind: type) -> bool:
    return any(isinstance(m, kind) for m in net.modules())


def _initialized(net: nn.Module, bound) -> bool:
    """Every linear and convolution weight within `bound(layer)` (a uniform init's limit), and
    every bias at zero where PyTorch's default would have drawn it at random."""
    layers = [m for m in net.modules() if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d))]
    return all(
        layer.weight.abs().max() <= bound(layer) and (layer.bias is None or not layer.bias.any())
        for layer in layers
    )


def _fans(layer: nn.Module) -> tuple[int, int]:
    receptive = layer.weight[0, 0].numel()
    return layer.weight.shape[1] * receptive, layer.weight.shape[0] * receptive


def _xavier_tanh(layer):  # gain * sqrt(6 / (fan_in + fan_out))
    return nn.init.calculate_gain("tanh") * math.sqrt(6 / sum(_fans(layer))) + 1e-6


def _kaiming_leaky(layer):  # gain * sqrt(3 / fan_in)
    return nn.init.calculate_gain("leaky_relu") * math.sqrt(3 / _fans(layer)[0]) + 1e-6


def _biases_at_zero(net: nn.Module) -> bool:
    return all(not p.any() for name, p in net.named_parameters() if "bias" in name)


# each switch and what it must change in the net
SWITCHES = [
    ("resnet", {"depth": 34}, lambda n: [len(getattr(n.net, f"layer{i}")) for i in range(1, 5)]
     == [3, 4, 6, 3]),
    ("resnet", {"norm": False, "activation": "gelu", "init": "kaiming_normal"},
     lambda n: _has(n, nn.GELU) and not _has(n, nn.ReLU) and not _has(n, nn.BatchNorm2d)
     and not n.net.fc.bias.any()),
    ("rnn", {"activation": "relu", "pooling": "mean", "init": "xavier_normal"},
     lambda n: n.rnn.nonlinearity == "relu" and n.pooling == "mean" and _biases_at_zero(n.rnn)),
    ("lstm", {"bidirectional": True, "norm": True},
     lambda n: n.rnn.bidirectional and isinstance(n.head[0], nn.LayerNorm)
     and n.head[-1].in_features == 2 * n.rnn.hidden_size),
    ("gru", {"bidirectional": True, "pooling": "mean", "num_layers": 3},
     lambda n: n.rnn.bidirectional and n.rnn.num_layers == 3 and n.pooling == "mean"),
    ("transformer", {"positions": "sinusoidal", "pooling": "mean", "norm_first": False},
     lambda n: "positions" in dict(n.named_buffers()) and n.cls_token is None
     and not any(layer.norm_first for layer in n.encoder.layers)),
    ("cnn", {"activation": "tanh", "init": "xavier_uniform", "norm": False},
     lambda n: _has(n, nn.Tanh) and not _has(n, nn.ReLU) and not _has(n, nn.BatchNorm1d)
     and not _has(n, nn.BatchNorm2d) and _initialized(n, _xavier_tanh)),
    ("mlp", {"activation": "leaky_relu", "init": "kaiming_uniform", "norm": False},
     lambda n: _has(n, nn.LeakyReLU) and not _has(n, nn.ReLU) and not _has(n, nn.BatchNorm1d)
     and _initialized(n, _kaiming_leaky)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("model", "overrides", "effect"), SWITCHES, ids=[f"{m}-{o}" for m, o, _ in SWITCHES]
)
def test_constructor_switches(model, overrides, effect):
    shape = SHAPES[COMPATIBLE[model][-1]]
    net = build_net(model, shape, **overrides)
    assert effect(net), f"{model} with {overrides}: the switch did not reach the net"
    net(torch.randn(3, *shape)).sum().backward()
    assert all(p.grad is not None for p in net.parameters() if p.requires_grad)


def test_bidirectional_last_state_reads_both_directions():
    net = build_net("gru", (16, 1), bidirectional=True)
    assert net.head[-1].in_features == 2 * net.rnn.hidden_size


def test_resnet_is_adapted_to_small_inputs():
    net = build_net("resnet", (2, 8, 8))
    assert net.net.conv1.kernel_size == (3, 3) and net.net.conv1.stride == (1, 1)
    assert net.net.conv1.in_channels == 2
    assert isinstance(net.net.maxpool, torch.nn.Identity)


@pytest.mark.parametrize(
    ("model", "overrides", "message"),
    [
        ("mlp", {"activation": "softmax"}, "unknown activation"),
        ("cnn", {"init": "he"}, "unknown init"),
        ("mlp", {"dropout": 1.0}, "dropout must lie"),
        ("resnet", {"depth": 101}, "depth must be one of"),
        ("gru", {"cell": "tcn"}, "unknown recurrent cell"),
        ("rnn", {"activation": "gelu"}, "tanh or relu"),
        ("transformer", {"num_heads": 5}, "divisible by num_heads"),
        ("transformer", {"positions": "rotary"}, "unknown positions"),
    ],
)
def test_bad_arguments_say_what_to_do(model, overrides, message):
    with pytest.raises(ValueError, match=message):
        build_net(model, SHAPES[COMPATIBLE[model][0]], **overrides)


@pytest.mark.parametrize(("model", "modality"), INCOMPATIBLE)
def test_incompatible_data_stops_before_training(compose_train, model, modality):
    cfg = compose_train(f"model={model}", *synthetic_data(modality))
    with pytest.raises(ValueError, match=f"{modality} data") as error:
        train(cfg)
    assert model not in str(error.value).split("Models that fit")[1]


@pytest.mark.parametrize(("model", "modality"), PAIRS)
def test_fit_through_compose(compose_train, model, modality):
    """One training step, validation and test through `train`, as `make train` runs them."""
    cfg = compose_train(
        f"model={model}",
        *synthetic_data(modality),
        "+trainer.fast_dev_run=true",
        "~callbacks.reports",
        "~callbacks.rich_progress_bar",
    )
    train(cfg)
    summary = read_summary(cfg)
    assert summary["status"] == "completed"
    assert set(summary["test"]) >= {"loss", "acc", "f1"}
    assert torch.isfinite(torch.tensor(summary["test"]["loss"]))


def _user_net(target: str) -> tuple[str, ...]:
    """The overrides that swap the net of `model=mlp` for a user's net class."""
    return ("model=mlp", "~model.net", f"+model.net={{_target_:{target}}}")


def test_a_users_net_that_declares_no_data_trains(compose_train):
    cfg = compose_train(*_user_net("tests.models.user_nets.Tiny"), "+trainer.fast_dev_run=true",
                        "~callbacks.reports", "~callbacks.rich_progress_bar")  # fmt: skip
    train(cfg)
    assert read_summary(cfg)["status"] == "completed"


def test_a_users_net_that_does_not_fit_the_data_says_so_from_its_signature(compose_train):
    """No `modalities` declared: a net that needs what the data does not give (a vocabulary's
    size, from image data) stops with one message, not the constructor's TypeError."""
    cfg = compose_train(*_user_net("tests.models.user_nets.TokenBag"))
    with pytest.raises(ConfigError) as error:
        train(cfg)
    message = str(error.value)
    assert message.startswith(
        "this model does not fit this data: TokenBag needs vocab_size, which image data does "
        "not give"
    )
    fitting = message.split("Models that fit image data: ")[1].split(";")[0].split(", ")
    assert {"cnn", "mlp", "resnet"} <= set(fitting)
