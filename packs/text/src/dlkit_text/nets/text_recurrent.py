"""Recurrent nets (RNN, LSTM, GRU) over texts: the core `RecurrentNet` reading one embedded
token per step.

Texts are padded at the end. A forward pass reads the real tokens before any padding, so its
output at the last real token is padding-free and is gathered there on the device. The
backward direction of a bidirectional net would read the padding first: there the batch is
packed (`pack_padded_sequence`), which takes the lengths on the host, one small copy per batch.
"""

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from dlkit.models.nets.recurrent import RecurrentNet
from dlkit_text.nets.tokens import TokenEmbedding, last_real, masked_mean, text_length


class TextRecurrentNet(RecurrentNet):
    """Token ids [L] -> embeddings -> the recurrent layers of `RecurrentNet` (`cell`,
    `hidden_size`, `num_layers`, `bidirectional`, … as there) -> head. `pooling="last"`: the
    state after the last real token; `"mean"`: the mean of the outputs over the real tokens."""

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
        length = text_length("TextRecurrentNet", tuple(input_shape))
        super().__init__((length, embedding_dim), num_outputs, **switches)
        self.tokens = TokenEmbedding(vocab_size, embedding_dim, padding_id)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self._read_text(*self.tokens(x)))

    def _read_text(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Embedded tokens [B, L, E] with their mask -> features [B, width], padding unread."""
        if not self.rnn.bidirectional:
            outputs, _ = self.rnn(x)
            return (
                masked_mean(outputs, mask) if self.pooling == "mean" else last_real(outputs, mask)
            )
        lengths = mask.sum(dim=1).clamp_min(1).cpu()
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        outputs, state = self.rnn(packed)
        if self.pooling == "last":
            return self._final_state(state)
        outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=x.shape[1])
        return masked_mean(outputs, mask)
