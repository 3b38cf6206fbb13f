"""Convolutional net for images [C, H, W] (2-D) and sequences/signals [T, F] (1-D).

Convolutions find local patterns wherever they occur (translation invariance): the course's
choice for images, and a strong one for 1-D signals too. The dimension follows the input shape.
"""

import torch
from torch import nn

from dlkit.config.values import PROBABILITY, require
from dlkit.models.nets.activations import make_activation
from dlkit.models.nets.init import init_weights


class CNN(nn.Module):
    """[conv -> batch norm -> activation] x2 -> pool per block, then global average pooling."""

    modalities = ("image", "sequence")

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
    ) -> None:
        super().__init__()
        require("dropout", dropout, PROBABILITY)
        shape = tuple(input_shape)
        if len(shape) == 3:  # image [C, H, W]
            conv, batch_norm, pool, global_pool = (
                nn.Conv2d,
                nn.BatchNorm2d,
                nn.MaxPool2d,
                nn.AdaptiveAvgPool2d,
            )
            in_channels, size = shape[0], min(shape[1:])
            self.channels_last_input = False
        elif len(shape) == 2:  # sequence [T, F]: features are channels
            conv, batch_norm, pool, global_pool = (
                nn.Conv1d,
                nn.BatchNorm1d,
                nn.MaxPool1d,
                nn.AdaptiveAvgPool1d,
            )
            in_channels, size = shape[1], shape[0]
            self.channels_last_input = True
        else:
            raise ValueError(
                f"CNN takes images [C, H, W] or sequences [T, F], got input shape {tuple(shape)}"
            )
        blocks: list[nn.Module] = []
        for out_channels in channels:
            for _ in range(2):
                blocks += [
                    conv(in_channels, out_channels, kernel_size, padding="same", bias=not norm),
                    *([batch_norm(out_channels)] if norm else []),
                    make_activation(activation),
                ]
                in_channels = out_channels
            if size >= 4:  # pool while there is room for it
                blocks.append(pool(2))
                size //= 2
        self.features = nn.Sequential(*blocks)
        self.head = nn.Sequential(
            global_pool(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(in_channels, num_outputs)
        )
        init_weights(self, init, activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.channels_last_input:
            x = x.transpose(1, 2)  # [B, T, F] -> [B, F, T]
        return self.head(self.features(x))
