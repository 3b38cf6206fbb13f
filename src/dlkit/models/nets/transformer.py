"""Transformer encoder over sequences [T, F]: every step attends to every other step.

Each token is one step, or a patch of `patch_size` steps (as a Vision Transformer cuts an image
into patches): fewer, richer tokens make attention cheaper and short signals easier to learn.

Attention has no notion of order, so each step gets a position added to its embedding: learned
(one trainable vector per position) or sinusoidal (fixed waves of different frequencies, as in
"Attention Is All You Need"). The sequence is summarized by a learned class token prepended to
it, or by the mean over the steps.
"""

import math

import torch
from torch import nn

from dlkit.config.values import PROBABILITY, check_choice, require
from dlkit.models.nets.activations import make_activation
from dlkit.models.nets.init import init_weights
from dlkit.models.nets.shapes import check_sequence_shape

POSITIONS = ("learned", "sinusoidal")
POOLINGS = ("cls", "mean")


class Transformer(nn.Module):
    """Linear embedding + positions -> `torch.nn.TransformerEncoder` -> pooled head.

    Its normalization is layer norm, part of every encoder layer: `norm_first=True` (pre-norm,
    before attention and feed-forward, plus one at the end) trains more stably than the
    original post-norm arrangement (`False`).
    """

    modalities = ("sequence",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        num_outputs: int,
        d_model: int = 64,
        num_heads: int = 4,
        num_layers: int = 2,
        dim_feedforward: int = 128,
        activation: str = "gelu",
        norm_first: bool = True,
        dropout: float = 0.1,
        positions: str = "learned",
        pooling: str = "cls",
        init: str = "xavier_uniform",
        patch_size: int = 1,
    ) -> None:
        super().__init__()
        require("dropout", dropout, PROBABILITY)
        check_choice("positions", positions, POSITIONS)
        check_choice("pooling", pooling, POOLINGS)
        shape = tuple(input_shape)
        check_sequence_shape("Transformer", shape)
        if d_model % num_heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by num_heads ({num_heads})")
        length, features = shape
        if not 1 <= patch_size <= length:
            raise ValueError(f"patch_size must lie in [1, {length}] (the length), got {patch_size}")
        self.pooling = pooling
        self.patch_size = patch_size
        # one token per patch of `patch_size` steps: a linear map of the patch, written as a
        # strided convolution (a ragged end shorter than a patch is left out)
        self.embed = nn.Conv1d(features, d_model, kernel_size=patch_size, stride=patch_size)
        num_positions = length // patch_size + (pooling == "cls")
        if positions == "learned":
            self.positions = nn.Parameter(torch.randn(1, num_positions, d_model) * 0.02)
        else:
            self.register_buffer("positions", sinusoidal_positions(num_positions, d_model))
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d_model)) if pooling == "cls" else None
        layer = nn.TransformerEncoderLayer(
            d_model,
            num_heads,
            dim_feedforward=dim_feedforward,
            dropout=dropout,
            activation=make_activation(activation),
            batch_first=True,
            norm_first=norm_first,
        )
        self.encoder = nn.TransformerEncoder(
            layer,
            num_layers,
            norm=nn.LayerNorm(d_model) if norm_first else None,
            enable_nested_tensor=False,
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(d_model, num_outputs))
        init_weights(self, init, activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.read_patches(self.embed(x.transpose(1, 2)).transpose(1, 2))  # [B, P, d_model]

    def read_patches(self, tokens: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Patch embeddings [B, P, d_model] -> outputs. `mask` [B, P] (True: a real patch) keeps
        the padding of sequences padded to one length out of attention and of the mean."""
        if self.cls_token is not None:
            # shape[0], not len(): len() fixes the batch size when the net is exported
            tokens = torch.cat([self.cls_token.expand(tokens.shape[0], -1, -1), tokens], dim=1)
            mask = None if mask is None else torch.cat([mask.new_ones(mask.shape[0], 1), mask], 1)
        # positions for as many patches as there are (shorter sequences fit too)
        encoded = self.encoder(
            tokens + self.positions[:, : tokens.shape[1]],
            src_key_padding_mask=None if mask is None else ~mask,
        )
        if self.cls_token is not None:
            return self.head(encoded[:, 0])
        if mask is None:
            return self.head(encoded.mean(dim=1))
        weights = mask.unsqueeze(-1).to(encoded.dtype)
        return self.head((encoded * weights).sum(dim=1) / weights.sum(dim=1).clamp_min(1.0))


def sinusoidal_positions(length: int, d_model: int) -> torch.Tensor:
    """[1, length, d_model]: sin/cos pairs at geometrically spaced frequencies (fixed, not trained)."""
    position = torch.arange(length).unsqueeze(1)
    frequency = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
    table = torch.zeros(length, d_model)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency)[:, : d_model // 2]
    return table.unsqueeze(0)
