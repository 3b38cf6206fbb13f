"""Console tables (rich) of a run's results: per-class scores, folds with mean ± std, baseline.

They read the same dictionaries that go into summary.json, so what the console shows is what the
file holds.
"""

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table


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
    return table


def _metric_keys(metrics: dict, prefixes: Sequence[str]) -> list[str]:
    return [k for p in prefixes for k in metrics if k.startswith(p)]


def _mean_std(cv: dict, key: str) -> str:
    if key not in cv["mean"]:
        return "-"
    return f"{_number(cv['mean'][key])} ± {_number(cv['std'][key])}"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"
