"""Fully connected net: the course's "classic feed-forward learning" for tabular data.

For text it is a bag of embeddings: the mean of the token embeddings over the real tokens (word
order is lost, as in a bag of words) feeds the same layers.
"""

import math

import torch
from torch import nn

from dlkit.config.values import PROBABILITY, require
from dlkit.models.nets.activations import make_activation
from dlkit.models.nets.init import init_weights
from dlkit.models.nets.tokens import masked_mean, token_inputs


class MLP(nn.Module):
    """Flattens any input (text: averages its token embeddings), then [linear -> batch norm ->
    activation -> dropout] per hidden size."""

    modalities = ("image", "sequence", "table", "text")  # flattening fits any data, if not well

    def __init__(
        self,
        input_shape: tuple[int, ...],
        num_outputs: int,
        hidden_sizes: tuple[int, ...] = (256, 128),
        activation: str = "relu",
        norm: bool = True,
        dropout: float = 0.0,
        init: str = "kaiming_normal",
        embedding_dim: int = 64,
        vocab_size: int | None = None,
        padding_id: int = 0,
    ) -> None:
        super().__init__()
        require("dropout", dropout, PROBABILITY)
        self.tokens, shape = token_inputs(input_shape, vocab_size, embedding_dim, padding_id)
        layers: list[nn.Module] = [nn.Flatten()]
        width = shape[-1] if self.tokens else math.prod(shape)
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
        if self.tokens is not None:
            x = masked_mean(*self.tokens(x))  # [B, L] ids -> [B, embedding_dim]
        return self.layers(x)
