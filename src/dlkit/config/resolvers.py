"""OmegaConf resolvers the configs use, registered once when `dlkit` is imported (no torch)."""

import os
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


def wandb_offline() -> bool:
    """W&B stays offline unless the user has an API key (WANDB_MODE, when set, decides)."""
    mode = os.environ.get("WANDB_MODE")
    if mode:
        return mode != "online"
    return not os.environ.get("WANDB_API_KEY")


def config_groups() -> str:
    """`--help`'s list of config groups, one line each with its options (`data: cifar10, csv,
    …`): Hydra's own list (`$APP_CONFIG_GROUPS`) also offers the `parts/` folders, the shared
    pieces options build on (`- parts/base@_here_`), which are not choices."""
    from hydra.core.global_hydra import GlobalHydra

    loader = GlobalHydra.instance().config_loader()

    def groups(parent: str = "") -> list[str]:
        found = []
        for name in sorted(loader.list_groups(parent)):
            group = f"{parent}/{name}" if parent else name
            if name != "parts" and group != "hydra":
                found += [group, *groups(group)]
        return found

    lines = []
    for group in groups():
        if options := sorted(loader.get_group_options(group)):
            lines.append(f"{group}: {', '.join(options)}")
    return "\n".join(lines)


def register_resolvers() -> None:
    for name, resolver, cached in (
        ("metric_mode", metric_mode, False),
        ("wandb_offline", wandb_offline, False),
        ("config_groups", config_groups, False),
        ("unique", unique_suffix, True),
    ):
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, resolver, use_cache=cached)
