"""Convolutional net for images [C, H, W] (2-D), sequences/signals [T, F] and texts (1-D).

Convolutions find local patterns wherever they occur (translation invariance): the course's
choice for images, and a strong one for 1-D signals too. The dimension follows the input shape.

Text (token ids [L]) is embedded and read as a sequence of L steps, as in Kim's (2014) text
CNN: stride-1 convolutions whose outputs at padding positions are zeroed after every layer, no
pooling between blocks (it would pair real steps with padding), then the maximum over the real
steps. Its norm is layer norm per step: batch norm's statistics would count the padding.
"""

import torch
from torch import nn

from dlkit.config.values import PROBABILITY, require
from dlkit.models.nets.activations import make_activation
from dlkit.models.nets.init import init_weights
from dlkit.models.nets.tokens import masked_max, token_inputs


class CNN(nn.Module):
    """[conv -> batch norm -> activation] x2 -> pool per block, then global average pooling
    (text: [conv -> layer norm -> activation -> mask] x2 per block, then max over real steps)."""

    modalities = ("image", "sequence", "text")

    def __init__(
        self,
        input_shape: tuple[int, ...],
        num_outputs: int,
        channels: tuple[int, ...] = (32, 64),
        kernel_size: int = 3,
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
        if len(shape) == 3:  # image [C, H, W]
            conv, batch_norm, pool, global_pool = (
                nn.Conv2d,
                nn.BatchNorm2d,
                nn.MaxPool2d,
                nn.AdaptiveAvgPool2d,
            )
            in_channels, size = shape[0], min(shape[1:])
            self.channels_last_input = False
        elif len(shape) == 2:  # sequence [T, F] (text: [L, embedding_dim]): features are channels
            conv, batch_norm, pool, global_pool = (
                nn.Conv1d,
                _StepNorm if self.tokens else nn.BatchNorm1d,
                nn.MaxPool1d,
                nn.AdaptiveAvgPool1d,
            )
            in_channels, size = shape[1], shape[0]
            self.channels_last_input = True
        else:
            raise ValueError(
                f"CNN takes images [C, H, W] or sequences [T, F], got input shape {tuple(shape)}"
            )
        layers: list[nn.Module] = []
        blocks: list[nn.Module] = []
        for out_channels in channels:
            for _ in range(2):
                layer = [
                    conv(in_channels, out_channels, kernel_size, padding="same", bias=not norm),
                    *([batch_norm(out_channels)] if norm else []),
                    make_activation(activation),
                ]
                layers.append(nn.Sequential(*layer))
                blocks.extend(layer)
                in_channels = out_channels
            if size >= 4 and not self.tokens:  # pool while there is room for it
                blocks.append(pool(2))
                size //= 2
        # text: one module per layer, each output masked; otherwise one chain
        self.features = nn.ModuleList(layers) if self.tokens else nn.Sequential(*blocks)
        pooling = [] if self.tokens else [global_pool(1), nn.Flatten()]
        self.head = nn.Sequential(
            *pooling, nn.Dropout(dropout), nn.Linear(in_channels, num_outputs)
        )
        init_weights(self, init, activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.tokens is not None:
            x, mask = self.tokens(x)  # [B, L, E], [B, L]
            x, steps = x.transpose(1, 2), mask.unsqueeze(1).to(x.dtype)  # [B, E, L], [B, 1, L]
            for layer in self.features:
                x = layer(x) * steps  # padding stays zero, as the convolution's own border
            return self.head(masked_max(x.transpose(1, 2), mask))
        if self.channels_last_input:
            x = x.transpose(1, 2)  # [B, T, F] -> [B, F, T]
        return self.head(self.features(x))


class _StepNorm(nn.LayerNorm):
    """Layer norm over the channels of each step of [B, C, L]."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.transpose(1, 2)).transpose(1, 2)
