"""`make eval`: the test split of a trained run, scored again from one of its checkpoints.

Writes a run folder of its own with the same reports as training (confusion matrix, per-class
scores, ROC/PR or regression plots) and a summary.json whose `test` keys match the training
run's, so the two can be compared key by key.
"""

import warnings

from omegaconf import DictConfig

from dlkit.callbacks.report_writer import ReportWriter
from dlkit.runs.console import print_result
from dlkit.runs.summary import split_metrics
from dlkit.saved.command import command_run
from dlkit.saved.load import SavedRun, load_run
from dlkit.training.build import build_trainer


def evaluate(cfg: DictConfig) -> dict:
    with command_run(cfg) as command:
        run = load_run(command.ckpt_path, "eval", load_weights=False)  # the trainer loads them
        test_run(cfg, run, ReportWriter(str(command.folder.root)), command.result)
    print_result(command.result)
    return command.result


def test_run(cfg: DictConfig, run: SavedRun, reports: ReportWriter, result: dict) -> None:
    """Test the run's checkpoint with `reports` listening; its scores go into `result`."""
    # testing needs the weights only, not the checkpoint and early-stopping callbacks of training
    warnings.filterwarnings("ignore", ".*callbacks used to create the checkpoint need to be.*")
    trainer = build_trainer(cfg, callbacks=[reports], loggers=[])
    scores = trainer.test(run.model, datamodule=run.datamodule, ckpt_path=str(run.ckpt_path))
    result.update(
        task=run.datamodule.task,
        run_dir=str(run.folder.root),
        seed=run.cfg.seed,
        test=split_metrics(scores[0], "test"),
        **reports.run_summary,
    )
