"""Weight initialization and the course's claims about it: He and Xavier set the spread of the
weights from the layer's fan-in/fan-out, and sigmoid nets lose their gradients with depth."""

import math

import pytest
import torch
from torch import nn

from dlkit.models.nets.cnn import CNN
from dlkit.models.nets.init import init_weights
from dlkit.models.nets.mlp import MLP


def _linear_std(scheme: str, activation: str, fan_in: int = 400, fan_out: int = 300) -> float:
    torch.manual_seed(0)
    layer = nn.Linear(fan_in, fan_out)
    init_weights(layer, scheme, activation)
    assert torch.count_nonzero(layer.bias) == 0  # biases start at zero
    return layer.weight.std().item()


@pytest.mark.parametrize("scheme", ["kaiming_normal", "kaiming_uniform"])
def test_he_init_std_is_sqrt_2_over_fan_in(scheme):
    assert _linear_std(scheme, "relu") == pytest.approx(math.sqrt(2 / 400), rel=0.03)


@pytest.mark.parametrize("scheme", ["xavier_normal", "xavier_uniform"])
def test_xavier_init_std_is_sqrt_2_over_fan_in_plus_fan_out(scheme):
    # tanh's gain is 5/3: the course's formula times the gain matching the activation
    expected = (5 / 3) * math.sqrt(2 / (400 + 300))
    assert _linear_std(scheme, "tanh") == pytest.approx(expected, rel=0.03)
    # sigmoid has gain 1: the plain formula
    assert _linear_std(scheme, "sigmoid") == pytest.approx(math.sqrt(2 / 700), rel=0.03)


def test_he_init_reaches_convolutions():
    torch.manual_seed(0)
    net = CNN(input_shape=(1, 8, 8), num_outputs=10, channels=(64,), init="kaiming_normal")
    conv = net.features[0]
    fan_in = conv.in_channels * math.prod(conv.kernel_size)
    assert conv.weight.std().item() == pytest.approx(math.sqrt(2 / fan_in), rel=0.1)


def test_default_keeps_pytorch_init():
    torch.manual_seed(0)
    reference = nn.Linear(400, 300)
    torch.manual_seed(0)
    layer = nn.Linear(400, 300)
    init_weights(layer, "default", "relu")
    assert torch.equal(layer.weight, reference.weight)


def _first_layer_gradient_norm(activation: str, init: str) -> float:
    """Gradient norm of the first layer of an 8-layer MLP at initialization (median of 5 nets)."""
    norms = []
    for seed in range(5):
        torch.manual_seed(seed)
        net = MLP(
            input_shape=(64,),
            num_outputs=10,
            hidden_sizes=(128,) * 8,
            activation=activation,
            norm=False,
            init=init,
        )
        x, y = torch.randn(256, 64), torch.randint(0, 10, (256,))
        nn.functional.cross_entropy(net(x), y).backward()
        first = next(m for m in net.modules() if isinstance(m, nn.Linear))
        norms.append(first.weight.grad.norm().item())
    return sorted(norms)[2]


def test_vanishing_gradients_in_a_deep_sigmoid_net():
    """Sigmoid's slope is at most 1/4, so each layer shrinks the gradient flowing back; ReLU with
    He init keeps its size. With 8 layers the first layer of the sigmoid net learns far slower."""
    sigmoid = _first_layer_gradient_norm("sigmoid", "xavier_normal")
    relu = _first_layer_gradient_norm("relu", "kaiming_normal")
    assert sigmoid / relu < 0.01


def test_batch_norm_rescues_the_deep_sigmoid_net():
    """Batch norm re-centres every layer's input where sigmoid is steepest."""
    torch.manual_seed(0)
    net = MLP(
        (64,), 10, hidden_sizes=(128,) * 8, activation="sigmoid", norm=True, init="xavier_normal"
    )
    nn.functional.cross_entropy(net(torch.randn(256, 64)), torch.randint(0, 10, (256,))).backward()
    first = next(m for m in net.modules() if isinstance(m, nn.Linear))
    assert first.weight.grad.norm().item() > 100 * _first_layer_gradient_norm(
        "sigmoid", "xavier_normal"
    )
