"""A Transformer encoder over texts: the core `Transformer` reading embedded tokens, the padding
masked out of attention and of the mean (`Transformer.read_patches`).

With `patch_size` > 1 the tokens are grouped into patches of that many (the text padded with
zeros to whole patches, so that no real token is left out); a patch is padding only when all its
tokens are.
"""

import torch
import torch.nn.functional as F

from dlkit.errors import ConfigError
from dlkit.models.nets.transformer import Transformer
from dlkit_text.nets.tokens import TokenEmbedding, text_length


class TextTransformer(Transformer):
    """Token ids [L] -> embeddings -> patches of `patch_size` tokens -> the encoder and head of
    `Transformer` (`d_model`, `num_heads`, `num_layers`, `positions`, `pooling`, … as there)."""

    modalities = ("text",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        num_outputs: int,
        vocab_size: int,
        padding_id: int = 0,
        embedding_dim: int = 64,
        patch_size: int = 1,
        **switches,
    ) -> None:
        length = text_length("TextTransformer", tuple(input_shape))
        if not 1 <= patch_size <= length:
            raise ConfigError(
                f"patch_size must lie in [1, {length}] (the text length), got {patch_size}"
            )
        # the encoder is sized for the text padded to whole patches
        padded = -(-length // patch_size) * patch_size
        super().__init__((padded, embedding_dim), num_outputs, patch_size=patch_size, **switches)
        self.tokens = TokenEmbedding(vocab_size, embedding_dim, padding_id)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        embedded, mask = self.tokens(x)  # [B, L, E], [B, L]
        ragged = -embedded.shape[1] % self.patch_size
        embedded = F.pad(embedded, (0, 0, 0, ragged))  # zeros, as padding embeds
        mask = F.pad(mask, (0, ragged), value=False)
        patches = self.embed(embedded.transpose(1, 2)).transpose(1, 2)  # [B, P, d_model]
        # shape[0], not len(): len() fixes the batch size when the net is exported
        return self.read_patches(patches, mask.reshape(mask.shape[0], -1, self.patch_size).any(-1))
