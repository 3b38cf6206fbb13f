"""Building blocks shared by the nets: activations by name and weight initialization schemes."""

from torch import nn

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
}

INITS = ("default", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal")

# The nonlinearity name torch.nn.init's gain tables know for each activation (GELU is close to ReLU).
_GAIN_NAME = {
    "relu": "relu",
    "leaky_relu": "leaky_relu",
    "gelu": "relu",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
}


def make_activation(name: str) -> nn.Module:
    """A fresh activation module. Softmax is not here: it belongs to the loss and the prediction."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}: choose one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]()


def check_dropout(p: float) -> float:
    if not 0 <= p < 1:
        raise ValueError(f"dropout must lie in [0, 1), got {p}")
    return p


def init_weights(net: nn.Module, scheme: str, activation: str) -> None:
    """Initialize every linear and convolution layer of `net` with `scheme`, biases at zero.

    He (kaiming) init keeps the variance of ReLU activations constant through depth
    (std = sqrt(2 / fan_in)); Xavier keeps it for symmetric activations such as tanh
    (std = gain * sqrt(2 / (fan_in + fan_out))). `default` keeps PyTorch's own init.
    """
    if scheme not in INITS:
        raise ValueError(f"unknown init {scheme!r}: choose one of {INITS}")
    if scheme == "default":
        return
    nonlinearity = _GAIN_NAME.get(activation, "relu")
    gain = nn.init.calculate_gain(nonlinearity)
    for layer in net.modules():
        if not isinstance(layer, (nn.Linear, nn.Conv1d, nn.Conv2d)):
            continue
        if scheme == "xavier_uniform":
            nn.init.xavier_uniform_(layer.weight, gain=gain)
        elif scheme == "xavier_normal":
            nn.init.xavier_normal_(layer.weight, gain=gain)
        elif scheme == "kaiming_uniform":
            nn.init.kaiming_uniform_(layer.weight, nonlinearity=nonlinearity)
        else:
            nn.init.kaiming_normal_(layer.weight, nonlinearity=nonlinearity)
        if layer.bias is not None:
            nn.init.zeros_(layer.bias)
