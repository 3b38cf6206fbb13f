"""Show and save the composed config."""

from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from dlkit.utils.secrets import masked

# Groups shown first, in the order the data flows; the rest follow alphabetically.
ORDER = ("data", "model", "optimizer", "scheduler", "trainer", "callbacks", "logger", "paths")


def print_config_tree(cfg: DictConfig) -> None:
    """Print the config as a rich tree, one branch per group (interpolations left unresolved)."""
    import rich
    import rich.syntax
    import rich.tree

    cfg = masked(cfg)
    tree = rich.tree.Tree("CONFIG", style="dim", guide_style="dim")
    keys = [k for k in ORDER if k in cfg] + sorted(k for k in cfg if k not in ORDER)
    for key in keys:
        branch = tree.add(str(key), style="bold")
        value = cfg[key]
        text = OmegaConf.to_yaml(value) if isinstance(value, DictConfig) else str(value)
        branch.add(rich.syntax.Syntax(text, "yaml", theme="ansi_dark", background_color="default"))
    rich.print(tree)


def save_config(cfg: DictConfig, output_dir: str | Path) -> None:
    """The config exactly as this run used it, interpolations resolved."""
    Path(output_dir).mkdir(parents=True, exist_ok=True)
    resolved = OmegaConf.create(OmegaConf.to_container(cfg, resolve=True))
    OmegaConf.save(masked(resolved), Path(output_dir) / "config.yaml")
