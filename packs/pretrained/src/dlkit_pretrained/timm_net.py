"""Any architecture of timm's model zoo by name, from a random start or from pretrained weights.

`model=timm model.net.name=convnext_nano model.net.pretrained=true` is timm's own
`create_model(name, pretrained=…, num_classes=…, in_chans=…)`: timm sizes the classifier for the
data's classes and adapts the pretrained stem to its channels (summed over RGB for gray images).
A name may carry a weights tag (`convnext_nano.in12k_ft_in1k`); without one, timm's default tag.
`weights=<file>` loads a state dict saved from the same architecture (no hub at all).
"""

import difflib
import re

import torch

from dlkit.config.values import PROBABILITY, require
from dlkit.errors import ConfigError
from dlkit.models.nets.shapes import check_image_shape
from dlkit_pretrained.backbone import FineTunable, check_one_source


class TimmNet(FineTunable):
    """A timm model for images [C, H, W]; its classifier is the head, the rest the backbone."""

    modalities = ("image",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        num_outputs: int,
        name: str = "efficientnet_b0",
        pretrained: bool = False,
        weights: str | None = None,
        freeze: bool = False,
        dropout: float = 0.0,
        backbone_lr_factor: float = 1.0,
        from_checkpoint: bool = False,
    ) -> None:
        super().__init__()
        import timm

        require("dropout", dropout, PROBABILITY)
        check_one_source(pretrained, weights)
        check_image_shape("TimmNet", input_shape)
        config = pretrained_config(name)
        kwargs = {"num_classes": num_outputs, "in_chans": input_shape[0], "drop_rate": dropout}
        if config is not None and config.fixed_input_size:  # e.g. ViTs: position embeddings
            kwargs["img_size"] = tuple(input_shape[1:])
        if pretrained and not from_checkpoint:  # a checkpoint's weights replace them anyway
            from dlkit_pretrained.hub import timm_pretrained

            self.net = timm_pretrained(name, **kwargs)
        else:
            self.net = timm.create_model(name, pretrained=False, **kwargs)
        classifier = _names(self.net.pretrained_cfg.get("classifier"))
        self.head_names = tuple(f"net.{c}" for c in classifier)
        if weights and not from_checkpoint:
            from dlkit_pretrained.weights_file import load_weights, read_weights_file

            load_weights(
                self.net,
                read_weights_file(weights),
                head=classifier,
                first_conv=_names(self.net.pretrained_cfg.get("first_conv")),
                source=str(weights),
                architecture=f"timm {name}",
            )
        self.set_rates(backbone_lr_factor)
        self.freeze_if_asked(freeze, bool(pretrained or weights))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def pretrained_config(name: str):
    """timm's pretrained config for `name` (None when it has none); a ConfigError with close
    names for a name timm does not know."""
    import timm
    from timm.models import get_pretrained_cfg

    architecture, _, tag = name.partition(".")
    if not timm.is_model(architecture):
        close = difflib.get_close_matches(architecture, timm.list_models(), n=5, cutoff=0.6)
        family = re.split(r"[_\d]", architecture)[0] or architecture
        raise ConfigError(
            f"unknown timm model {name!r}"
            + (f": close names are {', '.join(close)}" if close else "")
            + f". All of a family: python -c \"import timm; print(timm.list_models('*{family}*'))\""
        )
    try:
        return get_pretrained_cfg(name)
    except RuntimeError as error:  # an unknown weights tag
        tags = timm.list_pretrained(f"{architecture}.*")
        raise ConfigError(
            f"timm has no weights {tag!r} for {architecture}: choose one of {', '.join(tags)} "
            f"(or the name alone, for timm's default) ({error})"
        ) from error


def _names(value) -> tuple[str, ...]:
    if not value:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)
