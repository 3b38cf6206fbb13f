"""Learning-rate schedules as Lightning scheduler configs.

Each factory takes the optimizer and the run's total optimizer steps (Lightning's
`estimated_stepping_batches`, so no one counts batches by hand) and returns the dict Lightning
expects: the torch scheduler, whether it steps per batch or per epoch, and what it monitors.
The schedule's peak is always the optimizer's `lr`, so `optimizer.lr=…` is the one knob.
"""

from torch.optim import Optimizer
from torch.optim import lr_scheduler as schedules

from dlkit.config.resolvers import metric_mode

# What the factories below derive from the run's length: a schedule restored from a checkpoint
# takes these from the schedule planned for this run (`replanned`), so a run trained further
# than it was planned (trainer.max_epochs raised) follows a schedule that fits its new length.
LENGTH_KEYS = (
    "total_steps",
    "_schedule_phases",
    "T_max",
    "total_iters",
    "_milestones",
    "total_size",
    "step_ratio",
)


def _peak_lrs(optimizer: Optimizer) -> list[float]:
    return [group["lr"] for group in optimizer.param_groups]


def _uses_momentum(optimizer: Optimizer) -> bool:
    """Whether every group has a momentum to cycle: Adam's beta1, or SGD's or RMSprop's
    `momentum` above zero. OneCycleLR cycles it by default and sets it (0.95 down to 0.85) even
    where it is 0: plain SGD would silently train with momentum."""
    return all("betas" in g or g.get("momentum", 0) > 0 for g in optimizer.param_groups)


def onecycle(
    optimizer: Optimizer,
    total_steps: int,
    pct_start: float = 0.25,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> dict:
    """Warm up from lr / div_factor to lr over pct_start of the run, then anneal far below it.

    OneCycleLR divides by the length of each phase and fails (ZeroDivisionError) when the warm-up
    lasts exactly one step, as in a four-step debug run: the warm-up is given at least two steps
    and the annealing at least one, which only changes runs too short for a schedule to matter.
    """
    if not 0 < pct_start < 1:
        raise ValueError(f"pct_start must lie in (0, 1), got {pct_start}")
    warmup_steps = max(2, round(pct_start * total_steps))
    total_steps = max(total_steps, warmup_steps + 2)
    scheduler = schedules.OneCycleLR(
        optimizer,
        max_lr=_peak_lrs(optimizer),
        total_steps=total_steps,
        pct_start=warmup_steps / total_steps,
        div_factor=div_factor,
        final_div_factor=final_div_factor,
        cycle_momentum=_uses_momentum(optimizer),
    )
    return {"scheduler": scheduler, "interval": "step"}


def cosine(
    optimizer: Optimizer, total_steps: int, warmup_fraction: float = 0.0, min_lr_factor: float = 0.0
) -> dict:
    """Optional linear warm-up, then cosine annealing to min_lr_factor x lr at the last step."""
    if not 0 <= warmup_fraction < 1:
        raise ValueError(f"warmup_fraction must lie in [0, 1), got {warmup_fraction}")
    warmup_steps = int(warmup_fraction * total_steps)
    min_lr = min(_peak_lrs(optimizer)) * min_lr_factor
    anneal = schedules.CosineAnnealingLR(
        optimizer, T_max=max(1, total_steps - warmup_steps), eta_min=min_lr
    )
    if warmup_steps == 0:
        return {"scheduler": anneal, "interval": "step"}
    warmup = schedules.LinearLR(
        optimizer, start_factor=1e-3, end_factor=1.0, total_iters=warmup_steps
    )
    scheduler = schedules.SequentialLR(optimizer, [warmup, anneal], milestones=[warmup_steps])
    return {"scheduler": scheduler, "interval": "step"}


def cyclic(
    optimizer: Optimizer,
    total_steps: int,
    cycles: int = 4,
    base_lr_divisor: float = 10.0,
    mode: str = "triangular",
) -> dict:
    """Triangular cycles between lr / base_lr_divisor and lr, `cycles` times over the run."""
    peaks = _peak_lrs(optimizer)
    scheduler = schedules.CyclicLR(
        optimizer,
        base_lr=[lr / base_lr_divisor for lr in peaks],
        max_lr=peaks,
        step_size_up=max(1, total_steps // (2 * cycles)),
        mode=mode,
        cycle_momentum=False,  # Adam-family optimizers have no plain `momentum` to cycle
    )
    return {"scheduler": scheduler, "interval": "step"}


def step(optimizer: Optimizer, total_steps: int, step_size: int = 10, gamma: float = 0.5) -> dict:
    """Multiply the learning rate by gamma every step_size epochs."""
    return {
        "scheduler": schedules.StepLR(optimizer, step_size=step_size, gamma=gamma),
        "interval": "epoch",
    }


def plateau(
    optimizer: Optimizer,
    total_steps: int,
    monitor: str = "val/loss",
    factor: float = 0.5,
    patience: int = 3,
) -> dict:
    """Reduce the learning rate when `monitor` stops improving (checked after each validation)."""
    scheduler = schedules.ReduceLROnPlateau(
        optimizer, mode=metric_mode(monitor), factor=factor, patience=patience
    )
    return {"scheduler": scheduler, "interval": "epoch", "monitor": monitor}


def replanned(restored: dict, planned: dict) -> dict:
    """The state of a restored schedule, its length-derived values from `planned`: the step
    count goes on where the checkpoint stands, on the plan made for this run's length."""
    state = {**restored, **{k: planned[k] for k in LENGTH_KEYS if k in planned}}
    if "_schedulers" in planned:  # SequentialLR: the warm-up and the annealing inside it
        state["_schedulers"] = [
            replanned(r, p)
            for r, p in zip(restored["_schedulers"], planned["_schedulers"], strict=True)
        ]
    return state
