"""Fully connected net: the course's "classic feed-forward learning" for tabular data."""

import math

import torch
from torch import nn

from dlkit.config.values import PROBABILITY, require
from dlkit.models.nets.activations import make_activation
from dlkit.models.nets.init import init_weights


class MLP(nn.Module):
    """Flattens any input, then [linear -> batch norm -> activation -> dropout] per hidden size."""

    modalities = ("image", "sequence", "table")  # flattening fits any data, if not well

    def __init__(
        self,
        input_shape: tuple[int, ...],
        num_outputs: int,
        hidden_sizes: tuple[int, ...] = (256, 128),
        activation: str = "relu",
        norm: bool = True,
        dropout: float = 0.0,
        init: str = "kaiming_normal",
    ) -> None:
        super().__init__()
        require("dropout", dropout, PROBABILITY)
        layers: list[nn.Module] = [nn.Flatten()]
        width = math.prod(input_shape)
        for hidden in hidden_sizes:
            layers.append(nn.Linear(width, hidden, bias=not norm))
            if norm:
                layers.append(nn.BatchNorm1d(hidden))
            layers.append(make_activation(activation))
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = hidden
        layers.append(nn.Linear(width, num_outputs))
        self.layers = nn.Sequential(*layers)
        init_weights(self, init, activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)
