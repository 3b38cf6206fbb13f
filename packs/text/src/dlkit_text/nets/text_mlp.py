"""A bag of embeddings: the core MLP over the mean of a text's token embeddings.

Averaging over the real tokens loses word order, as a bag of words does, and makes any text one
vector of `embedding_dim` numbers: the fastest text net, and a fair first baseline among them.
"""

import torch

from dlkit.models.nets.mlp import MLP
from dlkit_text.nets.tokens import TokenEmbedding, masked_mean, text_length


class TextMLP(MLP):
    """Token ids [L] -> embeddings -> their mean over the real tokens -> the MLP's layers
    (`hidden_sizes`, `activation`, `norm`, `dropout`, `init` as in `MLP`)."""

    modalities = ("text",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        num_outputs: int,
        vocab_size: int,
        padding_id: int = 0,
        embedding_dim: int = 64,
        **switches,
    ) -> None:
        text_length("TextMLP", tuple(input_shape))
        super().__init__((embedding_dim,), num_outputs, **switches)
        self.tokens = TokenEmbedding(vocab_size, embedding_dim, padding_id)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(masked_mean(*self.tokens(x)))  # [B, L] ids -> [B, embedding_dim]
