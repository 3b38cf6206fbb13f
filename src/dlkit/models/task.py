"""What every task module shares: the net, the optimizer and its schedule, metrics per split.

A task module owns what depends on the kind of target (loss, metrics, how outputs become
predictions); the net only maps inputs to outputs, so any net plugs into any task.

Its arguments are plain values: the configs of the net, the optimizer and the schedule as dicts
with a `_target_`, and the sizes the data module gives. `save_hyperparameters` keeps them in
every checkpoint, so `ClassificationModule.load_from_checkpoint(path)` rebuilds the model
anywhere, and the checkpoint still loads with `torch.load(weights_only=True)`.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import lightning.pytorch as L
import torch
from hydra.utils import get_object, instantiate
from torch import nn
from torchmetrics import CatMetric, MeanMetric, MetricCollection

from dlkit.errors import ConfigError
from dlkit.models.checkpoint_mismatch import check_fits
from dlkit.runs.heap import release_freed_memory

SPLITS = ("train", "val", "test")


class TaskModule(L.LightningModule):
    """A net trained for one kind of target: subclass it for a new task (see classification.py).

    Args:
        net: the net's config, `{"_target_": "dlkit.models.nets.cnn.CNN", "channels": …}`: any
            `nn.Module` whose constructor takes `input_shape` and `num_outputs`.
        input_shape: one sample's shape, from the data module ([C, H, W], [T, F], [F]).
        optimizer: the optimizer's config (`configs/optimizer/`, `_partial_: true`).
        scheduler: the schedule's config (`dlkit.models.schedulers`, `_partial_: true`), called
            with the optimizer and the run's total steps; None keeps the learning rate constant.
        compile: `torch.compile` the net in place (parameter names, and checkpoints, unchanged).
        net_kwargs: what else the data tells the net (text: the vocabulary's size).

    A subclass sets `task` and `num_outputs` and gives `make_metrics` (torchmetrics, computed
    per epoch and split), `compute_loss` (on the net's raw outputs) and `predict_from_outputs`
    (what metrics and users see):

        class WeightedClassification(ClassificationModule):
            def compute_loss(self, outputs, targets):
                weights = torch.tensor([1.0, 5.0], device=outputs.device)  # the rare class 5x
                return F.cross_entropy(outputs, targets, weight=weights)
    """

    task: str
    num_outputs: int

    def __init__(
        self,
        net: Mapping[str, Any],
        input_shape: Sequence[int],
        optimizer: Mapping[str, Any],
        scheduler: Mapping[str, Any] | None = None,
        compile: bool = False,
        net_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__()
        # the config is logged whole by the run; here only the checkpoint keeps them
        self.save_hyperparameters(logger=False)
        self.net = _instance_of(
            nn.Module, net, input_shape=tuple(input_shape), num_outputs=self.num_outputs,
            **(net_kwargs or {}),
        )  # fmt: skip
        if compile:
            self.net.compile()  # in place: parameter names (and checkpoints) stay the same
        self._planned_schedule: dict | None = None  # the schedule's state as planned for this run
        metrics = self.make_metrics()
        for split in SPLITS:
            setattr(self, f"{split}_metrics", metrics.clone(prefix=f"{split}/"))
            # each split's mean loss, exact across distributed ranks whatever their batch counts;
            # "disable": no NaN check, which would make every step wait for the device (a NaN
            # loss shows as a NaN mean, and the divergence guard stops the run)
            setattr(self, f"{split}_loss", MeanMetric(nan_strategy="disable"))
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
            from dlkit.models.schedulers import replanned

            schedule = self.lr_schedulers()
            schedule.load_state_dict(replanned(schedule.state_dict(), self._planned_schedule))

    def on_test_epoch_start(self) -> None:
        self.test_predictions.reset()
        self.test_targets.reset()

    def on_test_batch_end(self, outputs, batch, batch_idx: int, dataloader_idx: int = 0) -> None:
        release_freed_memory()  # results kept per batch would otherwise grow the heap

    def _shared_step(self, split: str, batch) -> torch.Tensor:
        x, targets = batch
        outputs = self(x)
        loss = self.compute_loss(outputs, targets)
        predictions = self.predict_from_outputs(outputs.detach())
        metrics, mean_loss = getattr(self, f"{split}_metrics"), getattr(self, f"{split}_loss")
        metrics.update(predictions, targets)
        # the batch's loss once per sample: a mean weighted by batch size. (torchmetrics 1.9
        # ignores `weight=` when nan_strategy is "disable", the one strategy that does not sync.)
        mean_loss.update(loss.detach().expand(len(targets)))
        if split == "test":
            self.test_predictions.update(predictions)
            self.test_targets.update(targets)
        # metric objects: Lightning computes, syncs across ranks and resets them once per epoch
        self.log(f"{split}/loss", mean_loss, on_step=False, on_epoch=True, prog_bar=split != "test")
        self.log_dict(metrics, on_step=False, on_epoch=True, prog_bar=split == "val")
        return loss

    def configure_optimizers(self):
        # a net may give parameter groups of its own; a group's `lr_factor` is its share of the
        # optimizer's rate (a pretrained backbone at a tenth), which every schedule scales from
        groups = getattr(self.net, "parameter_groups", None)
        params = groups() if groups else [p for p in self.parameters() if p.requires_grad]
        optimizer = _instance_of(torch.optim.Optimizer, self.hparams.optimizer, params=params)
        for group in optimizer.param_groups:
            group["lr"] *= group.get("lr_factor", 1.0)
        if self.hparams.scheduler is None:
            return optimizer
        total_steps = self.trainer.estimated_stepping_batches
        if total_steps == float("inf"):
            raise ConfigError(
                "the learning-rate schedule needs the run's length, but trainer.max_epochs=-1 and "
                "trainer.max_steps=-1 make it endless: set one of them, or use scheduler=none"
            )
        schedule = instantiate(self.hparams.scheduler)(optimizer, total_steps=int(total_steps))
        self._planned_schedule = schedule["scheduler"].state_dict()
        return {"optimizer": optimizer, "lr_scheduler": schedule}


def _instance_of(kind: type, config: Mapping[str, Any], **kwargs) -> Any:
    """`config` instantiated, once its `_target_` is known to be a `kind` (a net, an optimizer):
    the configs may come from a checkpoint, which must not name just anything."""
    target = config.get("_target_")
    try:
        cls = get_object(target) if isinstance(target, str) else None
    except ImportError as error:
        raise ConfigError(f"cannot import {target!r}: {error}") from error
    if not (isinstance(cls, type) and issubclass(cls, kind)):
        raise ConfigError(f"{target!r} is not a {kind.__module__}.{kind.__qualname__}")
    # the arguments go to the class as they are (through Hydra, a list of parameter groups
    # would become a config node)
    return instantiate(dict(config), _partial_=True)(**kwargs)
