"""The variants compared, each training the same net on the same split for the same epochs:

- raw:       a hand-written PyTorch loop over in-memory tensors (the floor);
- template:  `train()` on the config `make train` composes, with a FitClock added;
- lightning: a plain LightningModule in a Trainer with Lightning's own defaults, for reference;
- bare:      the same LightningModule in a Trainer with nothing (no callbacks, logger, progress
             bar or checkpointing): Lightning's own floor, which the template is held to;
- template-<callback> / template-logger: the template with one default callback (or the
             logger) removed, whose difference to `template` is that callback's cost.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from pathlib import Path

import hydra
import lightning.pytorch as L
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from dlkit.training.run import train
from fit_clock import FitClock, GpuUtilization, Result, last_fit, sync
from fit_data import Split, build_net, build_optimizer, compose_train
from tasks import Task


def evaluate(net, x, y, batch_size: int) -> float:
    net.eval()
    correct = torch.zeros((), dtype=torch.long, device=x.device)
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            logits = net(x[start : start + batch_size])
            correct += (logits.argmax(-1) == y[start : start + batch_size]).sum()
    return correct.item() / len(x)


def _autocast(device: str, precision: str):
    if "bf16" in precision:
        return torch.autocast(device.split(":")[0], dtype=torch.bfloat16)
    if precision.startswith("16"):
        return torch.autocast(device.split(":")[0], dtype=torch.float16)
    return contextlib.nullcontext()


def run_raw(cfg, split: Split, epochs: int, device: str, args) -> Result:
    """The floor: a hand-written loop, same net, optimizer, schedule, batches and validation."""
    torch.manual_seed(cfg.seed)
    net = build_net(cfg, split).to(device)
    if args.channels_last:
        net = net.to(memory_format=torch.channels_last)
    if args.compile:
        net.compile()
    optimizer = build_optimizer(cfg, net.parameters())
    scheduler = None
    if cfg.scheduler:
        total_steps = epochs * split.steps_per_epoch
        scheduler = hydra.utils.instantiate(cfg.scheduler)(optimizer, total_steps=total_steps)
        scheduler = scheduler["scheduler"] if scheduler["interval"] == "step" else None
    x, y = split.x["train"], split.y["train"]
    n, batch = len(x), split.batch_size
    autocast = _autocast(device, args.precision)
    steps = 0
    sync(device)
    with GpuUtilization(device) as util:
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(epochs):
            net.train()
            order = torch.randperm(n, device=device)
            for begin in range(0, n - (1 if n % batch == 1 else 0), batch):
                index = order[begin : begin + batch]
                with autocast:
                    loss = F.cross_entropy(net(x[index]), y[index])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                steps += 1
            with autocast:
                evaluate(net, split.x["val"], split.y["val"], batch)
        sync(device)
        fit_s, fit_cpu_s = time.perf_counter() - start, time.process_time() - start_cpu
    with autocast:
        accuracy = evaluate(net, split.x["test"], split.y["test"], batch)
    return Result(fit_s, accuracy, steps, fit_cpu_s, gpu_util=util.mean)


def template_overrides(task: Task, epochs: int, device: str, args) -> list[str]:
    overrides = [
        *task.overrides,
        f"trainer.max_epochs={epochs}",
        f"trainer.min_epochs={epochs}",  # early stopping may not cut one variant short
        f"+callbacks.fit_clock._target_={FitClock.__module__}.{FitClock.__qualname__}",
        f"trainer.precision={args.precision}",
    ]
    if device.startswith("cuda"):
        overrides.append("trainer=gpu")
        if "data.pin_memory" not in " ".join(task.overrides):
            overrides.append("data.pin_memory=true")
    else:
        overrides.append("trainer.accelerator=cpu")
    if args.compile:
        overrides.append("model.compile=true")
    if args.channels_last:
        overrides.append("callbacks=[default,channels_last]")
    return overrides


def without(part: str) -> list[str]:
    """The override that removes one default callback (or, for "logger", the logger)."""
    return [f"~{part}" if part == "logger" else f"~callbacks.{part}"]


def run_template(task: Task, epochs: int, device: str, args, extra: list[str] = ()) -> Result:
    """`dlkit.training.run.train` as `make train` runs it, plus a clock around the training loop;
    `extra`: overrides on top (a callback removed)."""
    with tempfile.TemporaryDirectory() as folder:
        overrides = [*template_overrides(task, epochs, device, args), *extra]
        cfg = compose_train(overrides, Path(folder))
        with GpuUtilization(device) as util:
            start = time.perf_counter()
            train(cfg)
            total_s = time.perf_counter() - start
        summary = json.loads((Path(folder) / "summary.json").read_text())
    return Result(
        accuracy=summary["test"]["acc"], **last_fit(), total_s=total_s, gpu_util=util.mean
    )


# Lightning with nothing: what is left of its Trainer when every optional part is off
NOTHING = {
    "logger": False,
    "enable_checkpointing": False,
    "enable_progress_bar": False,
    "enable_model_summary": False,
}


class PlainModule(L.LightningModule):
    """Lightning as its documentation shows it, on the net, optimizer and schedule of `cfg`."""

    def __init__(self, net, cfg) -> None:
        super().__init__()
        self.net = net
        self.cfg = cfg

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.cross_entropy(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        self.log("val_loss", F.cross_entropy(logits, y))
        self.log("val_acc", (logits.argmax(-1) == y).float().mean())

    def configure_optimizers(self):
        optimizer = build_optimizer(self.cfg, self.parameters())
        if not self.cfg.scheduler:
            return optimizer
        steps = int(self.trainer.estimated_stepping_batches)
        return {
            "optimizer": optimizer,
            "lr_scheduler": hydra.utils.instantiate(self.cfg.scheduler)(
                optimizer, total_steps=steps
            ),
        }


def run_lightning(cfg, split: Split, epochs: int, device: str, args, bare: bool = False) -> Result:
    """Lightning as its documentation shows it: a LightningModule, DataLoaders, Trainer defaults;
    `bare`: a Trainer with nothing (no logger, progress bar, checkpointing or model summary)."""
    L.seed_everything(cfg.seed, verbose=False)
    module = PlainModule(build_net(cfg, split), cfg)
    if args.channels_last:
        module.net.to(memory_format=torch.channels_last)
    on_cpu = {k: v.cpu() for k, v in split.x.items()}, {k: v.cpu() for k, v in split.y.items()}
    loaders = {
        s: DataLoader(
            TensorDataset(on_cpu[0][s], on_cpu[1][s]),
            batch_size=split.batch_size,
            shuffle=s == "train",
            drop_last=s == "train" and len(on_cpu[0][s]) % split.batch_size == 1,
            pin_memory=device.startswith("cuda"),
        )
        for s in ("train", "val")
    }
    with tempfile.TemporaryDirectory() as folder:
        trainer = L.Trainer(
            max_epochs=epochs,
            default_root_dir=folder,
            accelerator="gpu" if device.startswith("cuda") else "cpu",
            devices=1,
            precision=args.precision,
            callbacks=[FitClock()],
            **(NOTHING if bare else {}),
        )
        with GpuUtilization(device) as util:
            trainer.fit(module, loaders["train"], loaders["val"])
    net = module.net.to(device)
    accuracy = evaluate(net, split.x["test"], split.y["test"], split.batch_size)
    return Result(accuracy=accuracy, **last_fit(), gpu_util=util.mean)
