"""Console lines and tables (rich) of an audit: calibration, the most confident mistakes, the
scores per group and their largest gap.

They read the same dictionaries that go into summary.json, so what the console shows is what the
file holds; the core's tables (per-class scores) come first (`dlkit.runs.console`).
"""

from rich.console import Console
from rich.table import Table


def print_audit(result: dict, console: Console | None = None) -> None:
    """Every table of the audit that applies to `result` (a summary.json's result)."""
    console = console or Console()
    report = result.get("test_report") or {}
    if report.get("calibration"):
        console.print(calibration_line(report["calibration"]))
    if (report.get("mistakes") or {}).get("most_confident"):
        console.print(mistakes_table(report["mistakes"]))
    if result.get("groups"):
        console.print(groups_table(result["groups"]))
        console.print(gap_line(result["groups"]))


def calibration_line(calibration: dict) -> str:
    return (
        f"calibration: expected calibration error {calibration['ece']:.3f}, largest bin gap "
        f"{calibration['mce']:.3f} ({calibration['n_bins']} bins; 0 is perfectly calibrated)"
    )


def mistakes_table(mistakes: dict) -> Table:
    table = Table(
        title=f"test split: the most confident of {mistakes['count']} mistakes "
        f"(all in {mistakes['file']})",
        title_justify="left",
    )
    for column in ("test row", "true", "predicted", "confidence", "p(true)"):
        table.add_column(column, justify="right" if column != "true" else "left")
    for m in mistakes["most_confident"]:
        table.add_row(
            str(m["test_row"]),
            str(m["true"]),
            str(m["predicted"]),
            f"{m['confidence']:.3f}",
            f"{m['probability_of_true']:.3f}",
        )
    return table


def groups_table(report: dict) -> Table:
    """One row per group: its support and scores."""
    groups = report["groups"]
    scores = [k for k in next(iter(groups.values())) if k not in ("support", "confusion_matrix")]
    table = Table(title=f"test split by {report['column']}", title_justify="left")
    table.add_column(report["column"])
    table.add_column("support", justify="right")
    for score in scores:
        table.add_column(score.replace("_interval", " 95% interval"), justify="right")
    for name, values in groups.items():
        cells = [
            f"{values[k][0]:.3f}-{values[k][1]:.3f}"
            if k.endswith("interval")
            else _number(values[k])
            for k in scores
        ]
        table.add_row(name, str(values["support"]), *cells)
    return table


def gap_line(report: dict) -> str:
    """The largest gap of the headline score, naming both groups and their support."""
    score = report["headline"]
    gap = report["largest_gap"].get(score)
    if gap is None:
        return f"largest gap in {score}: needs at least two groups with a score"
    best, worst = gap["best"], gap["worst"]
    return (
        f"largest gap in {score} between {report['column']} groups: {gap['gap']:.3f}, "
        f"{best['group']} {best[score]:.3f} (n={best['support']}) vs "
        f"{worst['group']} {worst[score]:.3f} (n={worst['support']})"
    )


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"
