"""`callbacks=finetune`: train the new head alone first, then the whole net, the backbone slower.

A new head starts random; its first, large gradients would flow into a pretrained backbone and
wreck features it took ImageNet to learn. So the backbone is frozen (no gradients, batch norms in
eval mode) until epoch `unfreeze_at_epoch`; then it joins the optimizer as a new parameter group
named "backbone" at `lr_factor` x the head's rate, following the head's schedule from there on
(`add_group_to_schedules` below). The learning-rate monitor logs both groups
(lr-<Optimizer>/head, lr-<Optimizer>/backbone).

Built on Lightning's `BaseFinetuning` (its hooks: freeze in `setup`, unfreeze at the start of an
epoch, param groups restored when a run resumes); the freezing itself is the net's own
(`FineTunable.freeze_backbone`), which keeps the batch-norm statistics as loaded.
"""

import logging

import lightning.pytorch as L
from lightning.pytorch.callbacks import BaseFinetuning
from torch.optim import Optimizer

from dlkit.config.values import integer, require
from dlkit.errors import ConfigError
from dlkit_pretrained.backbone import BACKBONE_LR_FACTOR, FineTunable

log = logging.getLogger(__name__)


class FinetuneBackbone(BaseFinetuning):
    def __init__(self, unfreeze_at_epoch: int = 1, lr_factor: float = 0.1) -> None:
        super().__init__()
        self.unfreeze_at_epoch = require(
            "callbacks.finetune.unfreeze_at_epoch", unfreeze_at_epoch, integer(0)
        )
        self.lr_factor = require("callbacks.finetune.lr_factor", lr_factor, BACKBONE_LR_FACTOR)

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        if not isinstance(pl_module.net, FineTunable):
            raise ConfigError(
                f"callbacks=finetune unfreezes a pretrained backbone, but "
                f"{type(pl_module.net).__name__} has none: use model=pretrained_resnet or model=timm"
            )
        if stage == "fit" and pl_module.net.backbone_lr_factor != 1:
            raise ConfigError(
                "callbacks=finetune sets the backbone's rate when it unfreezes "
                f"(callbacks.finetune.lr_factor={self.lr_factor}): leave "
                "model.net.backbone_lr_factor at 1, or drop callbacks=finetune"
            )
        if stage == "fit" and trainer.world_size > 1:
            raise ConfigError(
                "callbacks=finetune cannot run on several processes: DDP fixes the parameters it "
                "synchronizes when it wraps the model, so a backbone unfrozen later would drift "
                "apart on each rank. Train the whole net with model.net.backbone_lr_factor=0.1 "
                "instead, or on one device"
            )
        super().setup(trainer, pl_module, stage)

    def freeze_before_training(self, pl_module: L.LightningModule) -> None:
        pl_module.net.freeze_backbone()

    def finetune_function(
        self, pl_module: L.LightningModule, epoch: int, optimizer: Optimizer
    ) -> None:
        net = pl_module.net
        if epoch < self.unfreeze_at_epoch or not net.backbone_frozen:
            return
        net.unfreeze_backbone()
        if any(group.get("name") == "backbone" for group in optimizer.param_groups):
            return  # a resumed run: BaseFinetuning restored the group with the optimizer
        known = {id(p) for group in optimizer.param_groups for p in group["params"]}
        params = [p for p in net.backbone_parameters() if id(p) not in known]
        lr = optimizer.param_groups[0]["lr"] * self.lr_factor
        optimizer.add_param_group({"params": params, "lr": lr, "name": "backbone"})
        schedules = [c.scheduler for c in pl_module.trainer.lr_scheduler_configs]
        add_group_to_schedules(schedules, self.lr_factor)
        log.info(
            "epoch %d: the backbone unfreezes and trains at lr %.3g (%g x the head's)",
            epoch,
            lr,
            self.lr_factor,
        )


def add_group_to_schedules(schedulers: list, factor: float) -> None:
    """Enter the optimizer's newest param group into schedules built before it, at `factor` x
    the first group's rates: the backbone's group that `callbacks=finetune` adds mid-run.

    torch's schedules fix their groups when they are built: per-group lists (`base_lrs`,
    CyclicLR's `max_lrs`, …) are zipped strictly with the groups, and OneCycleLR keeps each
    group's phase rates in the group itself, so a group added later crashes the next step
    (Lightning's BackboneFinetuning with OneCycleLR fails the same way). Each list gets one more
    entry and the group the keys the first one has; rates (names ending in `lr`) are scaled.
    """

    def scaled(name: str, value):
        rate = name.endswith(("lr", "lrs")) and isinstance(value, float)
        return value * factor if rate else value

    for scheduler in schedulers:
        for schedule in [scheduler, *getattr(scheduler, "_schedulers", [])]:
            groups = schedule.optimizer.param_groups
            first, new = groups[0], groups[-1]
            for key, value in first.items():
                if key not in new:
                    new[key] = scaled(key, value)
            for name in PER_GROUP:
                values = getattr(schedule, name, None)
                if isinstance(values, list) and len(values) == len(groups) - 1:
                    values.append(scaled(name, values[0]))


# torch's per-group lists in its schedules (LRScheduler, CyclicLR, ReduceLROnPlateau, LambdaLR)
PER_GROUP = (
    "base_lrs",
    "_last_lr",
    "max_lrs",
    "min_lrs",
    "base_momentums",
    "max_momentums",
    "lr_lambdas",
)
