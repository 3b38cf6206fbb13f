"""`make audit`: a checkpoint tested as `make eval` tests it, then audited on its test split.

Besides `make eval`'s reports (confusion matrix, per-class scores, ROC/PR or regression plots) it
writes the calibration of the probabilities (`reports.calibration`), the most confident mistakes
(`reports.mistakes`) and, with `audit.group_column=<column>` (table data), the scores per group
of that column's values (`reports.groups`): `test_report.calibration`, `test_report.mistakes` and
`groups` in summary.json, the pictures and CSV files of `dlkit_audit.file_names`.
"""

import numpy as np
from omegaconf import DictConfig

from dlkit.callbacks.report_writer import ReportWriter, TestOutputs
from dlkit.config.values import integer, require
from dlkit.runs.console import print_result
from dlkit.runs.folder import RunFolder
from dlkit.saved.command import command_run
from dlkit.saved.evaluate import test_run
from dlkit.saved.load import SavedRun, load_run
from dlkit_audit import file_names
from dlkit_audit.reports import calibration, groups, mistakes
from dlkit_audit.reports.console_tables import print_audit
from dlkit_audit.reports.group_plot import plot_groups


def audit(cfg: DictConfig) -> dict:
    settings = cfg.audit
    with command_run(cfg) as command:
        min_size = require("audit.min_group_size", settings.min_group_size, integer(1))
        run = load_run(command.ckpt_path, "audit", load_weights=False)  # the trainer loads them
        column = settings.group_column
        # a column that is not there, or no group large enough, stop before testing
        group_of_row = groups.test_groups(run.datamodule, column, min_size) if column else None
        reports = ReportWriter(str(command.folder.root))
        test_run(cfg, run, reports, command.result)
        if reports.test_outputs is not None:  # rank 0, once a test batch ran
            command.result["test_report"].update(
                test_audit(reports.test_outputs, run, command.folder)
            )
            if group_of_row is not None:
                command.result["groups"] = group_audit(
                    reports.test_outputs, group_of_row, run, column, min_size, command.folder
                )
    print_result(command.result)
    print_audit(command.result)
    return command.result


def test_audit(outputs: TestOutputs, run: SavedRun, folder: RunFolder) -> dict:
    """Calibration (classification) and the mistakes of the test split, written into `folder`."""
    datamodule = run.datamodule
    folder.root.mkdir(parents=True, exist_ok=True)
    if datamodule.task != "classification":
        table = mistakes.largest_errors(outputs.predictions, outputs.targets, outputs.rows)
        return {"mistakes": mistakes.mistakes_report(table, datamodule, folder, regression=True)}
    targets = outputs.targets.astype(int)
    names = datamodule.class_names or [str(c) for c in range(outputs.predictions.shape[1])]
    return {
        "calibration": calibration.calibration_report(
            outputs.predictions, targets, folder.picture(file_names.CALIBRATION_PNG)
        ),
        "mistakes": mistakes.mistakes_report(
            mistakes.confident_mistakes(outputs.predictions, targets, names, outputs.rows),
            datamodule,
            folder,
            regression=False,
        ),
    }


def group_audit(
    outputs: TestOutputs,
    group_of_row: np.ndarray,
    run: SavedRun,
    column: str,
    min_size: int,
    folder: RunFolder,
) -> dict:
    """Scores per group of the rows that were tested (all, unless limit_test_batches cut them)."""
    tested = group_of_row[outputs.rows]
    groups.check_group_sizes(tested, column, min_size)
    classification = run.datamodule.task == "classification"
    names = run.datamodule.class_names if classification else None
    targets = outputs.targets.astype(int) if classification else outputs.targets
    report = groups.group_report(outputs.predictions, targets, tested, column, names, min_size)
    plot_groups(report, folder.picture(file_names.GROUP_METRICS_PNG))
    return {**report, "picture": file_names.GROUP_METRICS_PNG}
