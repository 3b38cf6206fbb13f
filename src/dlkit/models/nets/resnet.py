"""torchvision's ResNet (18, 34 or 50 layers) for images of any size and channel count, from a
random start or from pretrained weights.

Residual connections let gradients skip layers, so deep nets still train. Two stems (`stem`):

- `small`: a 3x3 stride-1 convolution and no max-pooling (the usual CIFAR adaptation). The
  ImageNet stem shrinks a 224-pixel photo 4x at once; on 8x8 digits or 28x28 MNIST it would
  discard almost everything. The default from a random start.
- `imagenet`: torchvision's own 7x7 stride-2 convolution and max-pooling, the stem the pretrained
  weights were trained with (on 224-pixel images, to which the data are then resized). The
  default with weights (`pretrained=true`: torchvision's `DEFAULT` weights; `weights=<file>`: a
  state dict of the same architecture). With another channel count than RGB, the pretrained stem
  is adapted: summed over RGB for gray images, as timm does (`dlkit.models.nets.weights_file`).

The state-dict names are torchvision's (`self.net.<name>`), so torchvision's weight files load
by name; the head (`fc`) is sized for the data and starts fresh when the weights' is another.
"""

import torch
import torchvision.models
from torch import nn

from dlkit.config.checks import weights_problem
from dlkit.config.values import PROBABILITY, check_choice, require
from dlkit.errors import ConfigError
from dlkit.models.nets.activations import make_activation
from dlkit.models.nets.backbone import FineTunable
from dlkit.models.nets.init import init_weights
from dlkit.models.nets.shapes import check_image_shape

# depth -> (torchvision builder, its weights enum)
DEPTHS = {18: ("resnet18", "ResNet18_Weights"), 34: ("resnet34", "ResNet34_Weights"),
          50: ("resnet50", "ResNet50_Weights")}  # fmt: skip
STEMS = ("small", "imagenet")


class ResNet(FineTunable):
    """ResNet-18/34/50 for images [C, H, W]: a stem, four residual stages, global pooling, head."""

    modalities = ("image",)
    head_names = ("net.fc",)

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
        pretrained: bool = False,
        weights: str | None = None,
        freeze: bool = False,
        stem: str | None = None,
        input_size: list[int] | None = None,  # the data module's (`expected_inputs`)
        from_checkpoint: bool = False,
    ) -> None:
        super().__init__()
        require("dropout", dropout, PROBABILITY)
        if depth not in DEPTHS:
            raise ConfigError(f"ResNet depth must be one of {sorted(DEPTHS)}, got {depth}")
        if problem := weights_problem(pretrained, weights):
            raise ConfigError(problem)
        check_image_shape("ResNet", input_shape)
        has_weights = bool(pretrained or weights)
        stem = check_choice("stem", stem or ("imagenet" if has_weights else "small"), STEMS)
        if has_weights and not norm:
            raise ConfigError(
                "pretrained ResNet weights include batch norm: keep model.net.norm=true"
            )
        builder, _ = DEPTHS[depth]
        net = getattr(torchvision.models, builder)(
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
        if has_weights and not from_checkpoint:  # a checkpoint's weights replace them anyway
            self._load(depth, pretrained, weights)
        self.freeze_if_asked(freeze, has_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def _load(self, depth: int, pretrained: bool, weights: str | None) -> None:
        from dlkit.models.nets.hub import torchvision_state_dict
        from dlkit.models.nets.weights_file import load_weights, read_weights_file

        if pretrained:
            enum = _default_weights(depth)
            state, source = torchvision_state_dict(enum), f"torchvision's {_name(enum)}"
        else:
            state, source = read_weights_file(weights), str(weights)
        load_weights(
            self.net,
            state,
            head=("fc",),
            first_conv=("conv1",),
            source=source,
            architecture=f"ResNet-{depth}",
        )

    @staticmethod
    def expected_inputs(
        depth: int = 18,
        pretrained: bool = False,
        weights: str | None = None,
        input_size: list[int] | None = None,
        **_,
    ) -> dict | None:
        """The images the net takes: with weights, resized and standardized as torchvision's
        preprocessing of its ImageNet weights (`weights.transforms()`: crop size, mean, std);
        `input_size` [H, W] sets another size. None: the data's own size and fitted statistics."""
        if not (pretrained or weights) or depth not in DEPTHS:
            return {"size": list(input_size)} if input_size else None
        enum = _default_weights(depth)
        preprocessing = enum.transforms()
        crop = list(preprocessing.crop_size)  # [224]: a square
        return {
            "size": list(input_size or crop * (3 - len(crop))),
            "mean": list(preprocessing.mean),
            "std": list(preprocessing.std),
            "weights": f"torchvision {_name(enum)}" + ("" if pretrained else f", file {weights}"),
        }


def _default_weights(depth: int):
    return getattr(torchvision.models, DEPTHS[depth][1]).DEFAULT


def _name(enum) -> str:
    return f"{type(enum).__name__}.{enum.name}"


def _no_norm(num_features: int) -> nn.Module:
    """Stands in for batch norm when `norm=False` (torchvision asks for a norm layer per width)."""
    return nn.Identity()
