"""What the console shows of a run: its config as a tree, its results as tables (rich), and no
noise from the libraries.

The tables read the same dictionaries that go into summary.json (per-class scores, folds with
mean ± std, the baseline beside the network), so what the console shows is what the file holds.
"""

import logging
import warnings
from collections.abc import Sequence

from omegaconf import DictConfig, OmegaConf
from rich.console import Console
from rich.table import Table

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


class OwnDebugOnly(logging.Filter):
    """`debug=…` logs at DEBUG: the template's own records (the core's and the packs', `dlkit*`)
    and Lightning's, not every library's (matplotlib's font manager alone writes hundreds of
    lines, fsspec its file opens). Set on the log handlers in configs/debug/default.yaml, so
    INFO and above still come from everyone."""

    OWN = ("dlkit", "lightning", "pytorch_lightning", "__main__")

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG or record.name.split(".")[0].startswith(self.OWN)


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


def print_result(result: dict, title: str | None = None, console: Console | None = None) -> None:
    """Every table that applies to a run's result (plain run, one fold, or cross-validation)."""
    console = console or Console()
    report = result.get("test_report") or {}
    if report.get("per_class"):
        console.print(per_class_table(report["per_class"]))
    if result.get("folds"):
        console.print(folds_table(result, title))
    if result.get("baseline"):
        console.print(baseline_table(result))


def per_class_table(per_class: dict[str, dict[str, float]]) -> Table:
    table = Table(title="test split: per-class scores", title_justify="left")
    table.add_column("class")
    for column in ("precision", "recall", "f1", "support"):
        table.add_column(column, justify="right")
    for name, scores in per_class.items():
        table.add_row(
            name,
            *(f"{scores[k]:.3f}" for k in ("precision", "recall", "f1")),
            str(int(scores["support"])),
        )
    return table


def folds_table(result: dict, title: str | None = None) -> Table:
    """One row per fold, then the mean and standard deviation, of validation and test metrics."""
    keys = _metric_keys(result["cv"]["mean"], ("val/", "test/"))
    table = Table(
        title=f"cross-validation, {result['num_folds']} folds" + (f": {title}" if title else ""),
        title_justify="left",
    )
    table.add_column("fold")
    for key in keys:
        table.add_column(key, justify="right")
    for fold in result["folds"]:
        values = {f"val/{k}": v for k, v in fold.get("val", {}).items()}
        values.update({f"test/{k}": v for k, v in fold.get("test", {}).items()})
        table.add_row(str(fold["fold"]), *(_number(values.get(k)) for k in keys))
    mean, std = result["cv"]["mean"], result["cv"]["std"]
    table.add_section()
    table.add_row("mean", *(_number(mean[k]) for k in keys), style="bold")
    table.add_row("± std", *(_number(std[k]) for k in keys))
    return table


def baseline_table(result: dict) -> Table:
    """The network's and the classical baseline's test metrics side by side."""
    baseline = result["baseline"]
    table = Table(title="test split: network vs classical baseline", title_justify="left")
    table.add_column("metric")
    table.add_column("network", justify="right")
    table.add_column(baseline["name"], justify="right")
    cv = result.get("cv")
    for key in baseline["test"]:
        if cv:  # cross-validated: mean ± std over folds
            net = _mean_std(cv, f"test/{key}")
            classical = _mean_std(cv, f"baseline/test/{key}")
        else:
            net, classical = _number(result["test"].get(key)), _number(baseline["test"][key])
        table.add_row(key, net, classical)
    table.add_row("fit time (s)", "", f"{baseline['fit_s']:.2f}", style="dim")
    if fitted := baseline.get("fitted_on"):  # all training samples, or a streamed sample
        table.add_row("fitted on", "", f"{fitted['samples']} of {fitted['of']}", style="dim")
    return table


def _metric_keys(metrics: dict, prefixes: Sequence[str]) -> list[str]:
    return [k for p in prefixes for k in metrics if k.startswith(p)]


def _mean_std(cv: dict, key: str) -> str:
    if key not in cv["mean"]:
        return "-"
    return f"{_number(cv['mean'][key])} ± {_number(cv['std'][key])}"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"
