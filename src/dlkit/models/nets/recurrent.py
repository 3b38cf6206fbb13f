"""Recurrent nets (RNN, LSTM, GRU) over sequences [T, F]; a 1-D signal is F = 1 feature per step.

A recurrent net reads the sequence one step at a time and carries a hidden state, so it sees
order and can handle any length. LSTM and GRU gate that state, which keeps gradients alive over
long sequences where a plain RNN's vanish. One class: `cell` picks the torch layer.
"""

import torch
from torch import nn

from dlkit.config.values import PROBABILITY, check_choice, require
from dlkit.models.nets.init import init_weights
from dlkit.models.nets.shapes import check_sequence_shape

CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
POOLINGS = ("last", "mean")


class RecurrentNet(nn.Module):
    """Stacked (optionally bidirectional) recurrent layers, then a linear head.

    `pooling="last"`: the head reads the last layer's final hidden state (both directions'
    when bidirectional); `"mean"`: the mean of the outputs over all time steps.
    """

    modalities = ("sequence",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        num_outputs: int,
        cell: str = "gru",
        hidden_size: int = 64,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        pooling: str = "last",
        activation: str = "tanh",
        norm: bool = False,
        init: str = "default",
    ) -> None:
        super().__init__()
        require("dropout", dropout, PROBABILITY)
        check_choice("recurrent cell", cell, CELLS)
        check_choice("pooling", pooling, POOLINGS)
        shape = tuple(input_shape)
        check_sequence_shape(cell.upper(), shape)
        kwargs = {}
        if cell == "rnn":  # LSTM and GRU have their own gate nonlinearities
            if activation not in ("tanh", "relu"):
                raise ValueError(f"a plain RNN takes activation tanh or relu, got {activation!r}")
            kwargs["nonlinearity"] = activation
        self.pooling = pooling
        self.rnn = CELLS[cell](
            input_size=shape[1],
            hidden_size=hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if num_layers > 1 else 0.0,  # torch drops between layers only
            **kwargs,
        )
        width = hidden_size * (2 if bidirectional else 1)
        self.head = nn.Sequential(
            nn.LayerNorm(width) if norm else nn.Identity(),
            nn.Dropout(dropout),
            nn.Linear(width, num_outputs),
        )
        init_weights(self, init, activation if cell == "rnn" else "tanh")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs, state = self.rnn(x)  # outputs [B, T, directions x H]
        if self.pooling == "mean":
            return self.head(outputs.mean(dim=1))
        return self.head(self._final_state(state))

    def _final_state(self, state) -> torch.Tensor:
        hidden = state[0] if isinstance(state, tuple) else state  # LSTM: (h, c)
        directions = 2 if self.rnn.bidirectional else 1
        # the last layer's final state of each direction: [directions, B, H] -> [B, directions x H]
        return hidden[-directions:].transpose(0, 1).flatten(1)
