"""Weight initialization by name, the same in every net: `model.net.init=…`.

He (kaiming) init keeps the variance of ReLU activations constant through depth
(std = sqrt(2 / fan_in)); Xavier keeps it for symmetric activations such as tanh
(std = gain * sqrt(2 / (fan_in + fan_out))). The gain follows the net's activation.
"""

from torch import Tensor, nn

from dlkit.config.values import check_choice

INITS = ("default", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal")

# The nonlinearity name torch.nn.init's gain tables know for each activation (GELU is close to ReLU).
_GAIN_NAME = {
    "relu": "relu",
    "leaky_relu": "leaky_relu",
    "gelu": "relu",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
}


def init_matrix(weight: Tensor, scheme: str, nonlinearity: str) -> None:
    """Initialize one weight tensor (fan-in on its second axis) in place."""
    if scheme == "xavier_uniform":
        nn.init.xavier_uniform_(weight, gain=nn.init.calculate_gain(nonlinearity))
    elif scheme == "xavier_normal":
        nn.init.xavier_normal_(weight, gain=nn.init.calculate_gain(nonlinearity))
    elif scheme == "kaiming_uniform":
        nn.init.kaiming_uniform_(weight, nonlinearity=nonlinearity)
    elif scheme == "kaiming_normal":
        nn.init.kaiming_normal_(weight, nonlinearity=nonlinearity)


def init_weights(net: nn.Module, scheme: str, activation: str) -> None:
    """Initialize the linear, convolution, recurrent and attention weights of `net`, biases at zero.

    Recurrent weights feed tanh/sigmoid gates and use the tanh gain; attention projections are
    linear. `default` keeps PyTorch's own init.
    """
    if check_choice("init", scheme, INITS) == "default":
        return
    nonlinearity = _GAIN_NAME[check_choice("activation", activation, _GAIN_NAME)]
    for layer in net.modules():
        if isinstance(layer, (nn.Linear, nn.Conv1d, nn.Conv2d)):
            init_matrix(layer.weight, scheme, nonlinearity)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
        elif isinstance(layer, nn.RNNBase):
            gain_name = "relu" if getattr(layer, "nonlinearity", "tanh") == "relu" else "tanh"
            for name, parameter in layer.named_parameters(recurse=False):
                if name.startswith("weight"):
                    init_matrix(parameter, scheme, gain_name)
                else:
                    nn.init.zeros_(parameter)
        elif isinstance(layer, nn.MultiheadAttention) and layer.in_proj_weight is not None:
            init_matrix(layer.in_proj_weight, scheme, "linear")
            if layer.in_proj_bias is not None:
                nn.init.zeros_(layer.in_proj_bias)
