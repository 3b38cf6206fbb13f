"""Activations by name, the same in every net: `model.net.activation=relu|leaky_relu|gelu|tanh|sigmoid`.

Softmax is not here: it belongs to the loss (cross-entropy takes logits) and to the prediction.
"""

from torch import nn

from dlkit.config.values import check_choice

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
}


def make_activation(name: str) -> nn.Module:
    """A fresh activation module."""
    return ACTIVATIONS[check_choice("activation", name, ACTIVATIONS)]()
