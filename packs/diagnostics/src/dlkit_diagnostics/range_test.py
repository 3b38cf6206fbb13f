"""What the learning-rate finder's range test gives: its settings checked, the suggested rate
(steepest descent against the log of the rate) and `lr_find.png`.

The callback (`dlkit_diagnostics.lr_finder`) and `make lr-find` (`dlkit_diagnostics.tuning`)
run Lightning's range test each their own way and read it here, so both suggest the same rate
from the same settings (`tuner.lr_find`).
"""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dlkit.config.values import integer, number, optional, require
from dlkit.errors import ConfigError

SKIP_BEGIN = 10  # the finder's first points, left out of the suggestion (as Lightning does)
MIN_POINTS = 3  # points after the warm-up (and before the last) that a slope needs
MODES = ("exponential", "linear")


def lr_find_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """`tuner.lr_find` as a plain dict, each value checked: one message naming the key."""
    found = dict(settings)
    require("tuner.lr_find.min_lr", found["min_lr"], number(0, low_open=True))
    require("tuner.lr_find.max_lr", found["max_lr"], number(found["min_lr"], low_open=True))
    # fewer steps than this cannot give a suggestion at all
    require(
        "tuner.lr_find.num_training", found["num_training"], integer(SKIP_BEGIN + 1 + MIN_POINTS)
    )
    if found["mode"] not in MODES:
        raise ConfigError(f"tuner.lr_find.mode must be one of {list(MODES)}, got {found['mode']!r}")
    threshold = optional(number(1, low_open=True))
    require("tuner.lr_find.early_stop_threshold", found["early_stop_threshold"], threshold)
    return found


def steepest_descent(lrs: Sequence[float], losses: Sequence[float]) -> float | None:
    """The rate where the loss falls fastest against the log of the rate; None: too few points.

    Lightning's `suggestion()` takes the slope against the rate itself: the first rates are
    so close together that the noise of a few batches there makes the steepest slope, and it
    suggests a rate barely above `min_lr`. Against log rate (fastai's "steep" point) each step
    of the exponential sweep counts the same. The first `SKIP_BEGIN` points are left out, as
    Lightning does: its smoothed loss is biased low there.
    """
    import numpy as np

    lr, loss = np.asarray(lrs[SKIP_BEGIN:-1], float), np.asarray(losses[SKIP_BEGIN:-1], float)
    finite = np.isfinite(loss) & (lr > 0)
    lr, loss = lr[finite], loss[finite]
    if len(lr) < MIN_POINTS:
        return None
    return float(lr[np.argmin(np.gradient(loss, np.log10(lr)))])


def suggested_rate(lrs: Sequence[float], losses: Sequence[float]) -> float:
    """`steepest_descent`, or one message saying what to change when the test was too short."""
    suggestion = steepest_descent(lrs, losses)
    if suggestion is None:
        raise ConfigError(
            f"the learning-rate finder could not suggest a rate: it recorded {len(lrs)} steps, "
            f"too few to find where the loss falls fastest (it skips the first {SKIP_BEGIN}). "
            "Give it more training batches (trainer.limit_train_batches), more steps "
            "(tuner.lr_find.num_training=…) or a lower top rate (tuner.lr_find.max_lr=…)"
        )
    return suggestion


def plot_range_test(
    lrs: Sequence[float], losses: Sequence[float], suggestion: float, path: str | Path
) -> None:
    """`lr_find.png`: the smoothed loss against the rate, the suggestion marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    skip = SKIP_BEGIN + 1
    ax.plot(lrs[:skip], losses[:skip], color="0.75", label="smoothing warm-up (not used)")
    ax.plot(lrs[SKIP_BEGIN:], losses[SKIP_BEGIN:], color="tab:blue", label="smoothed training loss")
    loss_at = np.interp(np.log10(suggestion), np.log10(lrs), losses)
    ax.plot([suggestion], [loss_at], "o", color="tab:red", markersize=9, label="suggested")
    ax.axvline(suggestion, color="tab:red", ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate (grows each step)")
    ax.set_ylabel("loss")
    ax.set_title(f"learning-rate finder: suggested rate {suggestion:.2g} (steepest descent)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
