"""Console lines and tables (rich) of an audit: calibration, the most confident mistakes, the
scores per group and their largest gap.

They read the same dictionaries that go into summary.json, so what the console shows is what the
file holds; the core's tables (per-class scores) come first (`dlkit.runs.console`).
"""

from rich.console import Console
from rich.table import Table

from dlkit_audit.reports.groups import scores_of


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
    """One row per group: its support, each score with its 95 % interval, and whether it is
    large enough to compare (the largest gap leaves out the groups too small)."""
    groups = report["groups"]
    scores = scores_of(groups)
    table = Table(title=f"test split by {report['column']}", title_justify="left")
    table.add_column(report["column"])
    table.add_column("support", justify="right")
    for score in scores:
        table.add_column(score, justify="right")
        table.add_column(f"{score} 95% interval", justify="right")
    table.add_column("compared", no_wrap=True)
    for name, values in groups.items():
        cells = []
        for score in scores:
            interval = values.get(f"{score}_interval")
            cells += [_number(values[score]), _interval(interval)]
        small = values["too_small"]
        compared = "no, too small" if small else "yes"
        table.add_row(
            name, str(values["support"]), *cells, compared, style="dim" if small else None
        )
    return table


def gap_line(report: dict) -> str:
    """The largest gap of the headline score, naming both groups and their support, and the
    groups left out as too small."""
    score = report["headline"]
    gap = report["largest_gap"].get(score)
    small = [f"{g} (n={report['groups'][g]['support']})" for g in report["too_small"]]
    left_out = (
        f"; left out, under audit.min_group_size={report['min_group_size']}: {', '.join(small)}"
        if small
        else ""
    )
    if gap is None:
        return f"largest gap in {score}: needs two groups large enough, with a score{left_out}"
    best, worst = gap["best"], gap["worst"]
    return (
        f"largest gap in {score} between {report['column']} groups: {gap['gap']:.3f}, "
        f"{best['group']} {best[score]:.3f} (n={best['support']}) vs "
        f"{worst['group']} {worst[score]:.3f} (n={worst['support']}){left_out}"
    )


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _interval(interval: list | None) -> str:
    return "-" if interval is None else f"{interval[0]:.3f}-{interval[1]:.3f}"
