"""A net made of a pretrained backbone and a new head: which parameters are which, freezing, and
the parameter groups the optimizer trains.

Fine-tuning treats the two parts differently: the head is new and learns at the full rate, the
backbone already knows useful features and is frozen (a linear probe), unfrozen later
(`callbacks=finetune`) or trained at a fraction of the head's rate (`backbone_lr_factor`). A
frozen backbone keeps its batch-norm statistics too: its batch-norm layers stay in eval mode
while the rest of the net trains, since running statistics updated from a small new data set
would shift every feature the head reads.
"""

import logging
from collections.abc import Iterator

from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from dlkit.config.values import number, require
from dlkit.errors import ConfigError

log = logging.getLogger(__name__)

BACKBONE_LR_FACTOR = number(0, low_open=True)  # the backbone's rate over the head's


class FineTunable(nn.Module):
    """Base of the nets with a pretrained backbone (`PretrainedResNet`, `TimmNet`).

    A subclass sets `head_names`, the dotted paths of its classifier layers (those sized by
    `num_outputs`); every other parameter belongs to the backbone. It calls `set_rates` and
    `freeze_if_asked` once its weights are in. Its constructor takes `from_checkpoint`: true
    when a checkpoint's weights are loaded right after (`make eval`, `predict`, `export`), so
    the pretrained ones are neither downloaded nor read again.
    """

    head_names: tuple[str, ...] = ()
    backbone_frozen: bool = False
    backbone_lr_factor: float = 1.0

    # ------------------------------------------------------------------ which parameters
    def _in_head(self, name: str) -> bool:
        return any(name == head or name.startswith(f"{head}.") for head in self.head_names)

    def head_parameters(self) -> list[nn.Parameter]:
        return [p for n, p in self.named_parameters() if self._in_head(n)]

    def backbone_parameters(self) -> list[nn.Parameter]:
        return [p for n, p in self.named_parameters() if not self._in_head(n)]

    def _backbone_norms(self) -> Iterator[_BatchNorm]:
        for name, module in self.named_modules():
            if isinstance(module, _BatchNorm) and not self._in_head(name):
                yield module

    # ------------------------------------------------------------------ learning rates
    def set_rates(self, backbone_lr_factor: float) -> None:
        """The backbone trains at `backbone_lr_factor` x the head's rate (the optimizer's)."""
        self.backbone_lr_factor = require(
            "model.net.backbone_lr_factor", backbone_lr_factor, BACKBONE_LR_FACTOR
        )

    def parameter_groups(self) -> list:
        """What the optimizer trains (`TaskModule.configure_optimizers` asks): the trainable
        parameters; for a frozen backbone or one with a rate of its own, a group "head" and a
        group "backbone" whose `lr_factor` (backbone_lr_factor) puts it at that share of the
        head's rate: every schedule scales both alike, and the learning-rate monitor logs them
        as lr-<Optimizer>/head and …/backbone."""
        if not (self.backbone_frozen or self.backbone_lr_factor != 1):
            return [p for p in self.parameters() if p.requires_grad]
        groups = [
            {"params": [p for p in self.head_parameters() if p.requires_grad], "name": "head"}
        ]
        backbone = [p for p in self.backbone_parameters() if p.requires_grad]
        if backbone:
            groups.append(
                {"params": backbone, "name": "backbone", "lr_factor": self.backbone_lr_factor}
            )
        return groups

    # ------------------------------------------------------------------ freezing
    def freeze_backbone(self) -> None:
        """No gradients for the backbone, and its batch norms keep their running statistics."""
        for parameter in self.backbone_parameters():
            parameter.requires_grad_(False)
        self.backbone_frozen = True
        self.train(self.training)

    def unfreeze_backbone(self) -> None:
        for parameter in self.backbone_parameters():
            parameter.requires_grad_(True)
        self.backbone_frozen = False
        self.train(self.training)

    def train(self, mode: bool = True) -> "FineTunable":
        """Lightning switches the whole model to training mode each epoch; a frozen backbone's
        batch norms go back to eval mode right after."""
        super().train(mode)
        if self.backbone_frozen:
            for norm in self._backbone_norms():
                norm.eval()
        return self

    def freeze_if_asked(self, freeze: bool, has_weights: bool) -> None:
        """`model.net.freeze=true`: freeze now; a frozen random backbone is allowed but warned."""
        if not freeze:
            return
        if not has_weights:
            log.warning(
                "model.net.freeze=true on a net without pretrained weights: the backbone is a "
                "frozen random network and only the head learns. Add model.net.pretrained=true "
                "or model.net.weights=<file>, or drop model.net.freeze"
            )
        self.freeze_backbone()


def check_one_source(pretrained: bool, weights: str | None) -> None:
    """A net takes its weights from the hub or from a file, not both."""
    if pretrained and weights:
        raise ConfigError(
            f"model.net.pretrained=true and model.net.weights={weights} both give the net its "
            "weights: pick one (pretrained downloads the hub's, weights loads your file)"
        )
