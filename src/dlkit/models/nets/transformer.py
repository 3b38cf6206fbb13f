"""Transformer encoder over sequences [T, F] and texts: every step attends to every other step.

Each token is one step, or a patch of `patch_size` steps (as a Vision Transformer cuts an image
into patches): fewer, richer tokens make attention cheaper and short signals easier to learn.

Attention has no notion of order, so each step gets a position added to its embedding: learned
(one trainable vector per position) or sinusoidal (fixed waves of different frequencies, as in
"Attention Is All You Need"). The sequence is summarized by a learned class token prepended to
it, or by the mean over the steps.

Text (token ids [L]) is embedded first (`embedding_dim`) and read as a sequence of L steps; the
padding is masked out of attention (`src_key_padding_mask`) and out of the mean, so it changes
no prediction. A patch is padding only when all its tokens are.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from dlkit.config.values import PROBABILITY, check_choice, require
from dlkit.models.nets.activations import make_activation
from dlkit.models.nets.init import init_weights
from dlkit.models.nets.shapes import check_sequence_shape
from dlkit.models.nets.tokens import masked_mean, token_inputs

POSITIONS = ("learned", "sinusoidal")
POOLINGS = ("cls", "mean")


class Transformer(nn.Module):
    """Linear embedding + positions -> `torch.nn.TransformerEncoder` -> pooled head.

    Its normalization is layer norm, part of every encoder layer: `norm_first=True` (pre-norm,
    before attention and feed-forward, plus one at the end) trains more stably than the
    original post-norm arrangement (`False`).
    """

    modalities = ("sequence", "text")

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
        embedding_dim: int = 64,
        vocab_size: int | None = None,
        padding_id: int = 0,
    ) -> None:
        super().__init__()
        require("dropout", dropout, PROBABILITY)
        check_choice("positions", positions, POSITIONS)
        check_choice("pooling", pooling, POOLINGS)
        self.tokens, shape = token_inputs(input_shape, vocab_size, embedding_dim, padding_id)
        check_sequence_shape("Transformer", shape)
        if d_model % num_heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by num_heads ({num_heads})")
        length, features = shape
        if not 1 <= patch_size <= length:
            raise ValueError(f"patch_size must lie in [1, {length}] (the length), got {patch_size}")
        self.pooling = pooling
        self.patch_size = patch_size
        # one token per patch of `patch_size` steps: a linear map of the patch, written as a
        # strided convolution (a ragged end shorter than a patch is left out; text: padded)
        self.embed = nn.Conv1d(features, d_model, kernel_size=patch_size, stride=patch_size)
        patches = -(-length // patch_size) if self.tokens else length // patch_size
        num_positions = patches + (pooling == "cls")
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
        if self.tokens is not None:
            tokens, mask = self._text_patches(*self.tokens(x))
        else:
            tokens, mask = self.embed(x.transpose(1, 2)).transpose(1, 2), None  # [B, P, d_model]
        if self.cls_token is not None:
            tokens = torch.cat([self.cls_token.expand(len(tokens), -1, -1), tokens], dim=1)
            mask = None if mask is None else torch.cat([mask.new_ones(len(mask), 1), mask], 1)
        # positions for as many patches as there are: texts shorter than the longest fit too
        encoded = self.encoder(
            tokens + self.positions[:, : tokens.shape[1]],
            src_key_padding_mask=None if mask is None else ~mask,
        )
        if self.cls_token is not None:
            return self.head(encoded[:, 0])
        return self.head(encoded.mean(dim=1) if mask is None else masked_mean(encoded, mask))

    def _text_patches(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Embedded tokens [B, L, E] -> patches [B, P, d_model] and their mask [B, P]: padded
        (with zeros, as padding embeds) to whole patches, so that no real token is left out."""
        ragged = -x.shape[1] % self.patch_size
        x, mask = F.pad(x, (0, 0, 0, ragged)), F.pad(mask, (0, ragged), value=False)
        patches = self.embed(x.transpose(1, 2)).transpose(1, 2)
        return patches, mask.reshape(len(mask), -1, self.patch_size).any(dim=-1)


def sinusoidal_positions(length: int, d_model: int) -> torch.Tensor:
    """[1, length, d_model]: sin/cos pairs at geometrically spaced frequencies (fixed, not trained)."""
    position = torch.arange(length).unsqueeze(1)
    frequency = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
    table = torch.zeros(length, d_model)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency)[:, : d_model // 2]
    return table.unsqueeze(0)
