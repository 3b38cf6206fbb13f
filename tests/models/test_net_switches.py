"""Each `model.net.<switch>=…` of README changes the part of the net it names: checked on the net
that the composed config builds, against the same net built without the switch."""

import math

import pytest
import torch
from torch import nn
from torchvision.models.resnet import BasicBlock

from dlkit.models.nets.transformer import sinusoidal_positions
from tests.models.nets import COMPATIBLE, build_net
from tests.models.synthetic import SHAPES


def _all(net: nn.Module, kind: type) -> list[nn.Module]:
    return [m for m in net.modules() if isinstance(m, kind)]


def _activations(net: nn.Module) -> set[type]:
    kinds = (nn.ReLU, nn.LeakyReLU, nn.GELU, nn.Tanh, nn.Sigmoid)
    return {type(m) for m in net.modules() if isinstance(m, kinds)}


def _has_batch_norm(net: nn.Module) -> bool:
    return bool(_all(net, nn.modules.batchnorm._BatchNorm))


def _residual_blocks_start_as_identity(net: nn.Module) -> bool:
    """A block whose residual branch starts at zero passes its input through (then ReLU)."""
    torch.manual_seed(0)
    x = torch.randn(2, 64, 8, 8)
    block = net.net.layer1[0]
    with torch.no_grad():
        return torch.allclose(block(x), torch.relu(x))


def _recurrent_pools_by_mean(net: nn.Module) -> bool:
    x = torch.randn(3, *SHAPES["sequence"])
    with torch.no_grad():
        return torch.allclose(net.eval()(x), net.head(net.rnn(x)[0].mean(dim=1)))


def _positions_are_fixed_waves(net: nn.Module) -> bool:
    fixed = all(p is not net.positions for p in net.parameters())
    table = sinusoidal_positions(net.positions.shape[1], net.positions.shape[2])
    return fixed and torch.equal(net.positions, table)


def _pytorch_default_init(net: nn.Module) -> bool:
    """PyTorch's own Linear init is uniform within ±1/sqrt(fan_in); He's normal init is not."""
    first = _all(net, nn.Linear)[0]
    return first.weight.abs().max() <= 1 / math.sqrt(first.in_features)


def _encoder_layer(net: nn.Module) -> nn.TransformerEncoderLayer:
    return net.encoder.layers[0]


def _sizes(net: nn.Module, kind: type, size: str) -> list:
    """`size` (out_features, kernel_size, …) of each layer of `kind`, in order."""
    return [getattr(m, size) for m in _all(net, kind)]


# (model, switch, what is true of the switched net and not of the net without the switch)
SWITCHES = [
    ("mlp", "hidden_sizes=[16,8]", lambda n: _sizes(n, nn.Linear, "out_features") == [16, 8, 3]),
    ("mlp", "activation=gelu", lambda n: _activations(n) == {nn.GELU}),
    ("mlp", "norm=false", lambda n: not _has_batch_norm(n)),
    ("mlp", "dropout=0.5", lambda n: set(_sizes(n, nn.Dropout, "p")) == {0.5}),
    ("mlp", "init=default", _pytorch_default_init),
    ("cnn", "channels=[8,16]", lambda n: _sizes(n, nn.Conv2d, "out_channels") == [8, 8, 16, 16]),
    ("cnn", "kernel_size=5", lambda n: set(_sizes(n, nn.Conv2d, "kernel_size")) == {(5, 5)}),
    ("cnn", "activation=tanh", lambda n: _activations(n) == {nn.Tanh}),
    ("cnn", "norm=false", lambda n: not _has_batch_norm(n)),
    ("resnet", "depth=34", lambda n: len(_all(n, BasicBlock)) == 16),  # 18 layers: 8 blocks
    ("resnet", "zero_init_residual=false", lambda n: not _residual_blocks_start_as_identity(n)),
    ("resnet", "activation=leaky_relu", lambda n: _activations(n) == {nn.LeakyReLU}),
    ("resnet", "norm=false", lambda n: not _has_batch_norm(n)),
    ("resnet", "dropout=0.3", lambda n: n.net.avgpool[1].p == 0.3),
    ("rnn", "activation=relu", lambda n: n.rnn.nonlinearity == "relu"),
    ("lstm", "hidden_size=16", lambda n: n.rnn.hidden_size == n.head[-1].in_features == 16),
    ("lstm", "norm=true", lambda n: isinstance(n.head[0], nn.LayerNorm)),
    ("gru", "num_layers=3", lambda n: n.rnn.num_layers == 3),
    ("gru", "bidirectional=true", lambda n: n.rnn.bidirectional and n.head[-1].in_features == 128),
    ("gru", "pooling=mean", _recurrent_pools_by_mean),
    ("transformer", "patch_size=4", lambda n: n.embed.stride == (4,) and n.positions.shape[1] == 5),
    ("transformer", "d_model=32", lambda n: n.embed.out_channels == n.head[-1].in_features == 32),
    ("transformer", "num_heads=2", lambda n: _encoder_layer(n).self_attn.num_heads == 2),
    ("transformer", "num_layers=3", lambda n: len(n.encoder.layers) == 3),
    ("transformer", "positions=sinusoidal", _positions_are_fixed_waves),
    ("transformer", "pooling=mean", lambda n: n.cls_token is None and n.positions.shape[1] == 16),
    ("transformer", "norm_first=false", lambda n: not _encoder_layer(n).norm_first),
    ("transformer", "activation=relu", lambda n: isinstance(_encoder_layer(n).activation, nn.ReLU)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("model", "switch", "switched"), SWITCHES, ids=[f"{m}-{s}" for m, s, _ in SWITCHES]
)
def test_switch_changes_the_net(model, switch, switched):
    shape = SHAPES[COMPATIBLE[model][0]]
    torch.manual_seed(0)
    assert not switched(build_net(model, shape)), "the net without the switch is already so"
    torch.manual_seed(0)
    assert switched(build_net(model, shape, switches=(f"model.net.{switch}",)))


def test_every_documented_switch_is_covered():
    documented = {
        "mlp": {"hidden_sizes"},
        "cnn": {"channels", "kernel_size"},
        "resnet": {"depth", "zero_init_residual"},
        "rnn": {"hidden_size", "num_layers", "bidirectional", "pooling"},
        "transformer": {
            "patch_size", "d_model", "num_heads", "num_layers", "positions", "pooling", "norm_first"
        },
        "shared": {"activation", "init", "norm", "dropout"},
    }  # fmt: skip
    covered = {switch.split("=")[0] for _, switch, _ in SWITCHES}
    assert set().union(*documented.values()) <= covered
