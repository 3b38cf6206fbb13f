"""Plain `torch.nn.Module` nets. Each takes `input_shape` and `num_outputs` from the data module."""

from dlkit.models.nets.cnn import CNN
from dlkit.models.nets.mlp import MLP

__all__ = ["CNN", "MLP"]
