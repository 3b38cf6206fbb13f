"""Nets as a user adds them (README, "Add your own net") without declaring the data they take
(`modalities`): the fit check reads what their constructor takes instead."""

from torch import nn


class Tiny(nn.Module):
    """README's `tiny`, without `modalities`: it takes any data of fixed-size samples."""

    def __init__(self, input_shape, num_outputs, hidden=64):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Flatten(), nn.LazyLinear(hidden), nn.ReLU(), nn.Linear(hidden, num_outputs)
        )

    def forward(self, x):
        return self.layers(x)


class TokenBag(nn.Module):
    """A net for token ids, without `modalities`: it needs the vocabulary's size."""

    def __init__(self, input_shape, num_outputs, vocab_size, padding_id=0, dim=8):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, dim, padding_idx=padding_id)
        self.head = nn.Linear(dim, num_outputs)

    def forward(self, x):
        return self.head(self.embedding(x))
