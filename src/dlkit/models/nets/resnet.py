"""torchvision's ResNet, adapted to small images with any number of channels.

Residual connections let gradients skip layers, so deep nets still train. torchvision's stem
(7x7 stride-2 convolution, then max-pooling) shrinks a 224-pixel photo 4x at once; on 8x8 digits
or 28x28 MNIST it would discard almost everything, so the stem is a 3x3 stride-1 convolution with
no max-pooling (the usual CIFAR adaptation). Weights start random: nothing is downloaded.
"""

import torch
from torch import nn
from torchvision.models import resnet18, resnet34

from dlkit.config.checks import PROBABILITY, require
from dlkit.models.nets.activations import make_activation
from dlkit.models.nets.init import init_weights
from dlkit.models.nets.shapes import check_image_shape

DEPTHS = {18: resnet18, 34: resnet34}


class ResNet(nn.Module):
    """ResNet-18/34 for images [C, H, W]: 3x3 stem, four residual stages, global pooling head."""

    modalities = ("image",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        num_outputs: int,
        depth: int = 18,
        activation: str = "relu",
        norm: bool = True,
        dropout: float = 0.0,
        init: str = "default",
        zero_init_residual: bool = True,
    ) -> None:
        super().__init__()
        require("dropout", dropout, PROBABILITY)
        if depth not in DEPTHS:
            raise ValueError(f"ResNet depth must be one of {sorted(DEPTHS)}, got {depth}")
        check_image_shape("ResNet", input_shape)
        norm_layer = nn.BatchNorm2d if norm else _no_norm
        net = DEPTHS[depth](
            weights=None,
            num_classes=num_outputs,
            norm_layer=norm_layer,
            zero_init_residual=zero_init_residual and norm,
        )
        net.conv1 = nn.Conv2d(input_shape[0], 64, kernel_size=3, stride=1, padding=1, bias=False)
        nn.init.kaiming_normal_(net.conv1.weight, mode="fan_out", nonlinearity="relu")
        net.maxpool = nn.Identity()
        net.fc = nn.Sequential(nn.Dropout(dropout), net.fc)
        # torchvision hard-codes ReLU: each block and the stem call their `relu` attribute
        for module in net.modules():
            if isinstance(getattr(module, "relu", None), nn.ReLU):
                module.relu = make_activation(activation)
        self.net = net
        # "default" keeps torchvision's own init (He, fan-out, for every convolution)
        init_weights(self, init, activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def _no_norm(num_features: int) -> nn.Module:
    """Stands in for batch norm when `norm=False` (torchvision asks for a norm layer per width)."""
    return nn.Identity()
