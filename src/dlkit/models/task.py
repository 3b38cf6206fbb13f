"""What every task module shares: the net, the optimizer and its schedule, metrics per split.

A task module owns what depends on the kind of target (loss, metrics, how outputs become
predictions); the net only maps inputs to outputs, so any net plugs into any task.
"""

from collections.abc import Callable

import lightning.pytorch as L
import torch
from torch import nn
from torchmetrics import CatMetric, MeanMetric, MetricCollection

from dlkit.config.values import BACKBONE_LR_FACTOR, require
from dlkit.errors import ConfigError
from dlkit.models.checkpoint_mismatch import check_fits
from dlkit.models.metric_chunks import InChunks
from dlkit.models.nets.backbone import FineTunable
from dlkit.models.schedulers import replanned

SPLITS = ("train", "val", "test")


class TaskModule(L.LightningModule):
    """A net trained for one kind of target: subclass it for a new task (see classification.py).

    Args:
        net: any `nn.Module` from inputs [B, *input_shape] to outputs [B, num_outputs].
        optimizer: a partial optimizer (`configs/optimizer/`), called with the parameters.
        scheduler: a partial schedule (`dlkit.models.schedulers`), called with the optimizer and
            the run's total steps; None keeps the learning rate constant.
        compile: `torch.compile` the net in place (parameter names, and checkpoints, unchanged).
        backbone_lr_factor: for a net with a pretrained backbone (`FineTunable`), the backbone's
            learning rate as a fraction of the head's (`optimizer.backbone_lr_factor`).

    A subclass gives `make_metrics` (torchmetrics, computed per epoch and split), `compute_loss`
    (on the net's raw outputs) and `predict_from_outputs` (what metrics and users see):

        class WeightedClassification(ClassificationModule):
            def compute_loss(self, outputs, targets):
                weights = torch.tensor([1.0, 5.0], device=outputs.device)  # the rare class 5x
                return F.cross_entropy(outputs, targets, weight=weights)
    """

    def __init__(
        self,
        net: nn.Module,
        optimizer: Callable[..., torch.optim.Optimizer],
        scheduler: Callable[..., dict] | None = None,
        compile: bool = False,
        backbone_lr_factor: float = 1.0,
    ) -> None:
        super().__init__()
        require("optimizer.backbone_lr_factor", backbone_lr_factor, BACKBONE_LR_FACTOR)
        if backbone_lr_factor != 1.0 and not isinstance(net, FineTunable):
            raise ConfigError(
                f"optimizer.backbone_lr_factor={backbone_lr_factor} sets a pretrained backbone's "
                f"learning rate, but {type(net).__name__} has no backbone: use model=resnet or "
                "model=timm, or leave the factor at 1"
            )
        self.net = net
        self.backbone_lr_factor = backbone_lr_factor
        self.optimizer_factory = optimizer
        self.scheduler_factory = scheduler
        self._planned_schedule: dict | None = None  # the schedule's state as planned for this run
        if compile:
            self.net.compile()  # in place: parameter names (and checkpoints) stay the same
        # train_metrics, val_metrics, test_metrics; and each split's mean loss, exact across
        # distributed ranks whatever their batch counts
        # (each fed in chunks of batches: dlkit.models.metric_chunks says why)
        metrics = MetricCollection(
            {name: InChunks(metric) for name, metric in self.make_metrics().items()}
        )
        for split in SPLITS:
            setattr(self, f"{split}_metrics", metrics.clone(prefix=f"{split}/"))
            # "disable": no NaN check, which would wait for the device at every step; a NaN loss
            # shows as a NaN mean (and early stopping's finiteness check stops the run)
            setattr(self, f"{split}_mean_loss", InChunks(MeanMetric(nan_strategy="disable")))
        # the test split's predictions and targets, for the reports (confusion matrix, plots)
        self.test_predictions = CatMetric()
        self.test_targets = CatMetric()

    # ---------------------------------------------------------------- for subclasses
    def make_metrics(self) -> MetricCollection:
        raise NotImplementedError

    def compute_loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def predict_from_outputs(self, outputs: torch.Tensor) -> torch.Tensor:
        """What the metrics and users see: class probabilities, or values in target units."""
        raise NotImplementedError

    # ---------------------------------------------------------------- Lightning hooks
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        return self._shared_step("train", batch)

    def validation_step(self, batch, batch_idx: int) -> None:
        self._shared_step("val", batch)

    def test_step(self, batch, batch_idx: int) -> None:
        self._shared_step("test", batch)

    def predict_step(self, batch, batch_idx: int) -> torch.Tensor:
        x = batch[0] if isinstance(batch, (list, tuple)) else batch
        return self.predict_from_outputs(self(x))

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        check_fits(self, checkpoint)  # a clear message for a checkpoint of another model

    def on_train_start(self) -> None:
        # Lightning has restored the schedule of a checkpoint by now, planned for the length of
        # the run that saved it; a run trained further (more epochs) needs the plan for its own
        if self.trainer.ckpt_path and self._planned_schedule is not None:
            schedule = self.lr_schedulers()
            schedule.load_state_dict(replanned(schedule.state_dict(), self._planned_schedule))

    def on_test_epoch_start(self) -> None:
        self.test_predictions.reset()
        self.test_targets.reset()

    def _shared_step(self, split: str, batch) -> torch.Tensor:
        x, targets = batch
        outputs = self(x)
        loss = self.compute_loss(outputs, targets)
        predictions = self.predict_from_outputs(outputs.detach())
        metrics, mean_loss = getattr(self, f"{split}_metrics"), getattr(self, f"{split}_mean_loss")
        metrics.update(predictions, targets)
        # the batch's loss once per sample: a mean weighted by batch size. (torchmetrics 1.9
        # ignores `weight=` when nan_strategy is "disable", the one strategy that does not sync.)
        mean_loss.update(loss.detach().expand(len(targets)))
        if split == "test":
            self.test_predictions.update(predictions)
            self.test_targets.update(targets)
        # Metric objects: Lightning computes, syncs and resets them once per epoch (no per-step
        # sync). Handing them over once per epoch (on their first update since a reset) is enough;
        # each `self.log` call costs about a millisecond of Lightning's bookkeeping, which at every
        # step was most of what the template cost over a hand-written loop.
        if mean_loss.update_count == 1:
            self.log(
                f"{split}/loss", mean_loss, on_step=False, on_epoch=True, prog_bar=split != "test"
            )
            self.log_dict(metrics, on_step=False, on_epoch=True, prog_bar=split == "val")
        return loss

    def parameter_groups(self) -> list:
        """What the optimizer trains: the trainable parameters, in one group; for a pretrained
        backbone that is frozen or has its own rate, a group "head" and a group "backbone" at
        backbone_lr_factor x the head's rate (logged as lr-<Optimizer>/head, …/backbone)."""
        net = self.net
        if not (
            isinstance(net, FineTunable) and (net.backbone_frozen or self.backbone_lr_factor != 1)
        ):
            return [p for p in self.parameters() if p.requires_grad]
        groups = [{"params": [p for p in net.head_parameters() if p.requires_grad], "name": "head"}]
        backbone = [p for p in net.backbone_parameters() if p.requires_grad]
        if backbone:
            groups.append({"params": backbone, "name": "backbone"})
        return groups

    def configure_optimizers(self):
        optimizer = self.optimizer_factory(params=self.parameter_groups())
        for group in optimizer.param_groups:  # the schedules scale from these rates
            if group.get("name") == "backbone":
                group["lr"] *= self.backbone_lr_factor
        if self.scheduler_factory is None:
            return optimizer
        total_steps = self.trainer.estimated_stepping_batches
        if total_steps == float("inf"):
            raise ValueError(
                "the learning-rate schedule needs the run's length, but trainer.max_epochs=-1 and "
                "trainer.max_steps=-1 make it endless: set one of them, or use scheduler=none"
            )
        schedule = self.scheduler_factory(optimizer, total_steps=int(total_steps))
        self._planned_schedule = schedule["scheduler"].state_dict()
        return {"optimizer": optimizer, "lr_scheduler": schedule}
