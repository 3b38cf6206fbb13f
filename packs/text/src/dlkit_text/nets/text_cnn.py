"""A convolutional net for texts, as in Kim's (2014) text CNN: embedded tokens read by 1-D
convolutions, then the strongest response of each channel anywhere in the text.

It differs from the core CNN where padding would leak in: stride-1 convolutions whose outputs at
padding positions are zeroed after every layer (so a padded step looks like the convolution's
own border), no pooling between blocks (it would pair real steps with padding), the maximum over
the real steps only, and layer norm per step instead of batch norm (whose statistics would count
the padding).
"""

import torch
from torch import nn

from dlkit.config.values import PROBABILITY, require
from dlkit.models.nets.activations import make_activation
from dlkit.models.nets.init import init_weights
from dlkit_text.nets.tokens import TokenEmbedding, masked_max, text_length


class TextCNN(nn.Module):
    """Token ids [L] -> embeddings -> [conv -> layer norm -> activation -> mask] x2 per entry of
    `channels` -> max over the real tokens -> dropout -> linear head."""

    modalities = ("text",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        num_outputs: int,
        vocab_size: int,
        padding_id: int = 0,
        embedding_dim: int = 64,
        channels: tuple[int, ...] = (32, 64),
        kernel_size: int = 3,
        activation: str = "relu",
        norm: bool = True,
        dropout: float = 0.0,
        init: str = "kaiming_normal",
    ) -> None:
        super().__init__()
        require("dropout", dropout, PROBABILITY)
        text_length("TextCNN", tuple(input_shape))
        self.tokens = TokenEmbedding(vocab_size, embedding_dim, padding_id)
        layers: list[nn.Module] = []
        in_channels = embedding_dim
        for out_channels in channels:
            for _ in range(2):
                layers.append(
                    nn.Sequential(
                        nn.Conv1d(
                            in_channels, out_channels, kernel_size, padding="same", bias=not norm
                        ),
                        *([StepNorm(out_channels)] if norm else []),
                        make_activation(activation),
                    )
                )
                in_channels = out_channels
        self.features = nn.ModuleList(layers)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_channels, num_outputs))
        init_weights(self, init, activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, mask = self.tokens(x)  # [B, L, E], [B, L]
        x, steps = x.transpose(1, 2), mask.unsqueeze(1).to(x.dtype)  # [B, E, L], [B, 1, L]
        for layer in self.features:
            x = layer(x) * steps  # padding stays zero, as the convolution's own border
        return self.head(masked_max(x.transpose(1, 2), mask))


class StepNorm(nn.LayerNorm):
    """Layer norm over the channels of each step of [B, C, L]: no statistics across steps, so
    the padding steps count for nothing."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.transpose(1, 2)).transpose(1, 2)
