"""Token ids into a net: an embedding per token, and the mask that keeps padding out.

Text reaches every text net as ids [B, L] (`dlkit_text.data.text`), padded to one length. The
net gets `vocab_size` and `padding_id` from the data module (`model_kwargs`), embeds the ids as
vectors [B, L, embedding_dim] (padding as the zero vector, which also gets no gradient) and reads
them as a sequence of L steps. Padding must never change a prediction, so whatever sums,
averages or attends over the steps uses the mask of real tokens: the helpers below.
"""

import torch
from torch import nn

from dlkit.config.values import integer, require
from dlkit.errors import ConfigError

EMBEDDING_DIM = integer(1)


class TokenEmbedding(nn.Module):
    """ids [B, L] -> (embeddings [B, L, embedding_dim], mask [B, L]: True for real tokens)."""

    def __init__(self, vocab_size: int, embedding_dim: int, padding_id: int) -> None:
        super().__init__()
        require("embedding_dim", embedding_dim, EMBEDDING_DIM)
        self.padding_id = padding_id
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_id)

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.embedding(ids), ids != self.padding_id


def text_length(net_name: str, input_shape: tuple[int, ...]) -> int:
    """L of token ids [L] per text; another shape is data the net does not read."""
    if len(input_shape) != 1:
        raise ConfigError(
            f"{net_name} takes token ids [L] per text, got input shape {tuple(input_shape)}: "
            "text models read text data (data=text_csv, text_folder, surnames)"
        )
    return int(input_shape[0])


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The mean of x [B, L, F] over the real steps of each sample: [B, F]."""
    weights = mask.unsqueeze(-1).to(x.dtype)
    return (x * weights).sum(dim=1) / weights.sum(dim=1).clamp_min(1.0)


def masked_max(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The maximum of x [B, L, F] over the real steps of each sample: [B, F]."""
    return x.masked_fill(~mask.unsqueeze(-1), torch.finfo(x.dtype).min).amax(dim=1)


def last_real(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """x [B, L, F] at each sample's last real step: [B, F]. Texts are padded at the end, so
    that is step (number of real tokens - 1); gathered on the device, with no host read."""
    last = (mask.sum(dim=1) - 1).clamp_min(0)
    return x.gather(1, last.view(-1, 1, 1).expand(-1, 1, x.shape[-1])).squeeze(1)
