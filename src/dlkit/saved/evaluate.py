"""`make eval`: the test split of a trained run, scored again from one of its checkpoints.

Writes a run folder of its own with the same reports as training (confusion matrix, per-class
scores, ROC/PR or regression plots, calibration, the most confident mistakes) and a summary.json
whose `test` keys match the training run's, so the two can be compared key by key. With
`audit.group_column=<column>` (table data) it also scores each group of that column's values
(`dlkit.reports.groups`): `groups` in summary.json, `group_metrics.png`.
"""

import warnings

from omegaconf import DictConfig

from dlkit.callbacks.report_writer import ReportWriter
from dlkit.reports import groups
from dlkit.reports.console_tables import print_result
from dlkit.reports.group_plot import plot_groups
from dlkit.runs.folder import RunFolder
from dlkit.runs.summary import split_metrics
from dlkit.saved.command import command_run
from dlkit.saved.load import load_run
from dlkit.training.build import build_trainer


def evaluate(cfg: DictConfig) -> dict:
    # testing needs the weights only, not the checkpoint and early-stopping callbacks of training
    warnings.filterwarnings("ignore", ".*callbacks used to create the checkpoint need to be.*")
    with command_run(cfg) as command:
        run = load_run(command.ckpt_path, "eval", load_weights=False)  # the trainer loads them
        column = cfg.audit.group_column
        # a column that is not there, or groups too small, stop before testing
        group_of_row = (
            groups.test_groups(run.datamodule, column, cfg.audit.min_group_size) if column else None
        )
        reports = ReportWriter(str(command.folder.root))
        trainer = build_trainer(cfg, callbacks=[reports], loggers=[])
        results = trainer.test(run.model, datamodule=run.datamodule, ckpt_path=str(run.ckpt_path))
        command.result.update(
            task=run.datamodule.task,
            run_dir=str(run.folder.root),
            seed=run.cfg.seed,
            test=split_metrics(results[0], "test"),
        )
        if reports.test_report:
            command.result["test_report"] = reports.test_report
        if group_of_row is not None and reports.test_outputs is not None:
            command.result["groups"] = _group_report(reports.test_outputs, group_of_row, run, cfg)
    print_result(command.result)
    return command.result


def _group_report(outputs, group_of_row, run, cfg: DictConfig) -> dict:
    """Scores per group of the rows that were tested (all, unless limit_test_batches cut them)."""
    column = cfg.audit.group_column
    tested = group_of_row[outputs.rows]
    groups.check_group_sizes(tested, column, cfg.audit.min_group_size)
    names = run.datamodule.class_names if run.datamodule.task == "classification" else None
    targets = outputs.targets.astype(int) if names is not None else outputs.targets
    report = groups.group_report(outputs.predictions, targets, tested, column, names)
    folder = RunFolder(cfg.paths.output_dir)
    plot_groups(report, folder.picture(folder.group_metrics_png))
    return {**report, "picture": folder.group_metrics_png}
