"""Recurrent nets (RNN, LSTM, GRU) over texts: the core `RecurrentNet` reading one embedded
token per step.

Texts are padded at the end. A forward pass reads the real tokens before any padding, so its
output at the last real token is padding-free and is gathered there on the device. The
backward direction of a bidirectional net would read the padding first: there the batch is
packed (`pack_padded_sequence`), which takes the lengths on the host, one small copy per batch.
`torch.export` (the `torch_export` and `onnx` formats) cannot trace a packed batch, so an
exported net runs the same computation written out: each layer's two directions one at a time,
the backward one over each text reversed within its length (`_bidirectional_unpacked`).
"""

import torch
from torch import nn
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
        if torch.compiler.is_exporting():
            return self._bidirectional_unpacked(x, mask)
        lengths = mask.sum(dim=1).clamp_min(1).cpu()
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        outputs, state = self.rnn(packed)
        if self.pooling == "last":
            return self._final_state(state)
        outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=x.shape[1])
        return masked_mean(outputs, mask)

    def _bidirectional_unpacked(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """What the packed bidirectional pass computes (in eval mode), without a packed batch.

        Texts are padded at the end, so reversing each within its length (a gather, its own
        inverse) puts the backward direction's real tokens first and its padding last, where it
        changes no real step's output; the forward direction reads the text as it is.
        """
        rnn = self.rnn
        lengths = mask.sum(dim=1).clamp_min(1)
        steps = torch.arange(x.shape[1], device=x.device)
        reverse = lengths[:, None] - 1 - steps[None, :]
        reverse = torch.where(reverse >= 0, reverse, steps[None, :])  # padding stays in place
        layer_input = x
        for layer in range(rnn.num_layers):
            forward = _one_direction(rnn, layer_input, layer, "")
            backward = _steps(_one_direction(rnn, _steps(layer_input, reverse), layer, "_reverse"),
                              reverse)  # fmt: skip
            layer_input = torch.cat([forward, backward], dim=-1)
        if self.pooling == "mean":
            return masked_mean(layer_input, mask)
        width = rnn.hidden_size
        # the final states: forward after the last real token, backward after the first
        return torch.cat([last_real(layer_input[..., :width], mask), layer_input[:, 0, width:]], 1)


def _steps(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """x [B, L, F] with each sample's steps taken in the order of `index` [B, L]."""
    return x.gather(1, index.unsqueeze(-1).expand(-1, -1, x.shape[-1]))


def _one_direction(rnn: nn.RNNBase, x: torch.Tensor, layer: int, suffix: str) -> torch.Tensor:
    """The outputs [B, L, H] of one layer and direction of `rnn` (its own weights) over x."""
    names = (
        ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if rnn.bias else ("weight_ih", "weight_hh")
    )
    weights = [getattr(rnn, f"{name}_l{layer}{suffix}") for name in names]
    start = x.new_zeros(1, x.shape[0], rnn.hidden_size)
    if isinstance(rnn, nn.LSTM):
        return torch.lstm(x, (start, start), weights, rnn.bias, 1, 0.0, False, False, True)[0]
    if isinstance(rnn, nn.GRU):
        return torch.gru(x, start, weights, rnn.bias, 1, 0.0, False, False, True)[0]
    step = torch.rnn_tanh if rnn.nonlinearity == "tanh" else torch.rnn_relu
    return step(x, start, weights, rnn.bias, 1, 0.0, False, False, True)[0]
