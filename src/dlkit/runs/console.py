"""What the console shows: the composed config as a tree, and no noise from the libraries."""

import logging
import warnings

from omegaconf import DictConfig, OmegaConf

from dlkit.runs.secrets import masked

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


class _DropMessages(logging.Filter):
    def __init__(self, *fragments: str) -> None:
        super().__init__()
        self.fragments = fragments

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(fragment in record.getMessage() for fragment in self.fragments)


def quiet_libraries() -> None:
    """Each message once, none that a user cannot act on. Call after Hydra has set up logging."""
    # `import lightning` gives its logger a console handler of its own; Hydra's root handlers
    # already print every record (and write it to the run's log file), so each would show twice.
    logging.getLogger("lightning").handlers.clear()
    logging.getLogger("lightning.pytorch.utilities.rank_zero").addFilter(_DropMessages("litlogger"))
    # In-memory data sets are served whole batches per index lookup: worker processes would
    # only add overhead, so Lightning's advice to add them does not apply.
    warnings.filterwarnings("ignore", ".*does not have many workers.*")
    # The run folder already holds summary.json and the log file when the CSV logger starts.
    warnings.filterwarnings("ignore", ".*exists and is not empty.*")
    # Lightning's own use of a deprecated torch API; nothing a user can act on.
    warnings.filterwarnings("ignore", ".*isinstance\\(treespec, LeafSpec\\)` is deprecated.*")
