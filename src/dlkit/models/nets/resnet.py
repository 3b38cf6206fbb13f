"""torchvision's ResNet (18, 34 or 50 layers) for images of any size and channel count.

Residual connections let gradients skip layers, so deep nets still train. Two stems (`stem`):

- `small`: a 3x3 stride-1 convolution and no max-pooling (the usual CIFAR adaptation). The
  ImageNet stem shrinks a 224-pixel photo 4x at once; on 8x8 digits or 28x28 MNIST it would
  discard almost everything. The default.
- `imagenet`: torchvision's own 7x7 stride-2 convolution and max-pooling, for large photos.

The state-dict names are torchvision's (`self.net.<name>`), so torchvision's weight files load by
name (the pretrained pack starts from them); the head (`fc`) is sized for the data.
"""

import torch
import torchvision.models
from torch import nn

from dlkit.config.values import PROBABILITY, check_choice, require
from dlkit.errors import ConfigError
from dlkit.models.nets.activations import make_activation
from dlkit.models.nets.init import init_weights
from dlkit.models.nets.shapes import check_image_shape

DEPTHS = {18: "resnet18", 34: "resnet34", 50: "resnet50"}  # torchvision's builders
STEMS = ("small", "imagenet")


class ResNet(nn.Module):
    """ResNet-18/34/50 for images [C, H, W]: a stem, four residual stages, global pooling, head."""

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
        stem: str = "small",
    ) -> None:
        super().__init__()
        require("dropout", dropout, PROBABILITY)
        if depth not in DEPTHS:
            raise ConfigError(f"ResNet depth must be one of {sorted(DEPTHS)}, got {depth}")
        check_image_shape("ResNet", input_shape)
        check_choice("stem", stem, STEMS)
        net = getattr(torchvision.models, DEPTHS[depth])(
            weights=None,
            num_classes=num_outputs,
            norm_layer=nn.BatchNorm2d if norm else _no_norm,
            zero_init_residual=zero_init_residual and norm,
        )
        channels = input_shape[0]
        if stem == "small":
            net.conv1 = nn.Conv2d(channels, 64, kernel_size=3, stride=1, padding=1, bias=False)
            net.maxpool = nn.Identity()
        elif channels != 3:
            net.conv1 = nn.Conv2d(channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
        nn.init.kaiming_normal_(net.conv1.weight, mode="fan_out", nonlinearity="relu")
        # dropout on the pooled features; the pooling holds no weights, so the names stay
        # torchvision's and its weight files load as they are
        net.avgpool = nn.Sequential(net.avgpool, nn.Dropout(dropout))
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
