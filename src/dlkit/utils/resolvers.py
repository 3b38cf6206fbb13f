"""OmegaConf resolvers the configs use, registered once when `dlkit` is imported."""

import secrets

from omegaconf import OmegaConf

# Metrics where lower is better; every other metric (accuracy, F1, R²) is maximized.
LOWER_IS_BETTER = ("loss", "mse", "mae", "rmse", "error")


def metric_mode(metric: str | None) -> str:
    """'min' for losses and errors, 'max' for scores; `None` stands for the task's default score."""
    if metric is None:
        return "max"
    name = metric.rsplit("/", 1)[-1].lower()
    return "min" if any(word in name for word in LOWER_IS_BETTER) else "max"


def unique_suffix() -> str:
    """Six random hex digits: runs started in the same second still get folders of their own.

    Cached like Hydra's `now`, so one config always resolves to one folder, and the jobs of a
    multirun (which copy the cache) share their sweep folder.
    """
    return secrets.token_hex(3)


def register_resolvers() -> None:
    if not OmegaConf.has_resolver("metric_mode"):
        OmegaConf.register_new_resolver("metric_mode", metric_mode)
    if not OmegaConf.has_resolver("wandb_offline"):
        from dlkit.utils.loggers import wandb_offline

        OmegaConf.register_new_resolver("wandb_offline", wandb_offline)
    if not OmegaConf.has_resolver("unique"):
        OmegaConf.register_new_resolver("unique", unique_suffix, use_cache=True)
