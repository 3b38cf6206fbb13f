"""Plain `torch.nn.Module` nets. Each takes `input_shape` and `num_outputs` from the data module."""

from dlkit.models.nets.cnn import CNN
from dlkit.models.nets.mlp import MLP
from dlkit.models.nets.recurrent import RecurrentNet
from dlkit.models.nets.resnet import ResNet
from dlkit.models.nets.transformer import Transformer

__all__ = ["CNN", "MLP", "RecurrentNet", "ResNet", "Transformer"]
