"""torchvision's ResNet (18, 34 or 50 layers) from ImageNet weights: `model=pretrained_resnet`.

The core's ResNet with the weights loaded into it: torchvision's `DEFAULT` ImageNet weights for
the depth (`pretrained=true`, downloaded once into torch's cache) or a state dict of the same
architecture (`weights=<file>`). The stem is the one the weights were trained with (7x7 stride 2
and max-pooling, on 224-pixel images, to which the model config has the data resized); with
another channel count than RGB the pretrained stem is adapted: summed over RGB for gray images,
as timm does (`dlkit_pretrained.weights_file`). The head (`fc`) is sized for the data and starts
fresh.
"""

import torchvision.models

from dlkit.errors import ConfigError
from dlkit.models.nets.resnet import DEPTHS, ResNet
from dlkit_pretrained.backbone import FineTunable, check_one_source


class PretrainedResNet(FineTunable, ResNet):
    """ResNet-18/34/50 for images [C, H, W] with pretrained weights, a new head, freezing and a
    learning rate of its own for the backbone (`dlkit_pretrained.backbone`)."""

    head_names = ("net.fc",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        num_outputs: int,
        depth: int = 18,
        norm: bool = True,
        stem: str = "imagenet",
        pretrained: bool = False,
        weights: str | None = None,
        freeze: bool = False,
        backbone_lr_factor: float = 1.0,
        from_checkpoint: bool = False,
        **switches,
    ) -> None:
        check_one_source(pretrained, weights)
        if not (pretrained or weights):
            raise ConfigError(
                "model=pretrained_resnet starts from ImageNet weights: add "
                "model.net.pretrained=true (torchvision's, downloaded once) or "
                "model.net.weights=<file> (a state dict saved from this architecture); "
                "model=resnet trains from a random start"
            )
        if not norm:
            raise ConfigError(
                "pretrained ResNet weights include batch norm: keep model.net.norm=true"
            )
        super().__init__(input_shape, num_outputs, depth=depth, norm=norm, stem=stem, **switches)
        if not from_checkpoint:  # a checkpoint's weights replace them anyway
            self._load(depth, pretrained, weights)
        self.set_rates(backbone_lr_factor)
        self.freeze_if_asked(freeze, has_weights=True)

    def _load(self, depth: int, pretrained: bool, weights: str | None) -> None:
        from dlkit_pretrained.hub import torchvision_state_dict
        from dlkit_pretrained.weights_file import load_weights, read_weights_file

        if pretrained:
            enum = default_weights(depth)
            state = torchvision_state_dict(enum)
            source = f"torchvision's {type(enum).__name__}.{enum.name}"
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


def default_weights(depth: int) -> torchvision.models.WeightsEnum:
    """torchvision's DEFAULT ImageNet weights for a ResNet of `depth` layers."""
    return torchvision.models.get_model_weights(DEPTHS[depth]).DEFAULT
