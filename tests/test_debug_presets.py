"""The `debug=…` presets as a user runs them: the template's DEBUG lines, not every library's,
and `debug=overfit` ends with its verdict."""

import json
import logging
import re
from types import SimpleNamespace

import pytest
import torch

from dlkit.callbacks.overfit_check import OverfitCheck
from dlkit.runs.console import OwnDebugOnly
from tests.helpers import folders, output, run

DEBUG_LINE = re.compile(r"\]\[([\w.]+)\]\[DEBUG\]")


@pytest.mark.slow  # 25 epochs of 3 batches, in a process of its own (the libraries' first use)
def test_debug_overfit_ends_with_its_verdict_and_no_library_debug_lines(tmp_path):
    run_dir = tmp_path / "run"
    result = run("-m", "dlkit.cli.train", "debug=overfit", "trainer.max_epochs=25",
                 "callbacks.rich_progress_bar=null", *folders(tmp_path), f"hydra.run.dir={run_dir}")  # fmt: skip
    text = output(result)
    assert result.returncode == 0, text[-3000:]
    for shown in (text, (run_dir / "debug.log").read_text()):
        loggers = set(DEBUG_LINE.findall(shown))
        assert "dlkit.training.build" in loggers  # the template's own DEBUG lines stay
        assert not {name for name in loggers if not name.startswith(("dlkit", "lightning"))}
    last = result.stdout.strip().splitlines()[-1]  # the log lines (warnings go to stderr)
    assert "overfit check passed: the net learned its 3 batches by heart" in last, last
    check = json.loads((run_dir / "summary.json").read_text())["overfit_check"]
    assert check["overfit"] is True and check["accuracy"] >= 0.99
    assert check["last_loss"] < check["first_loss"]


def test_only_the_templates_and_lightnings_debug_records_pass():
    def record(name: str, level: int) -> logging.LogRecord:
        return logging.LogRecord(name, level, __file__, 1, "message", None, None)

    keep = OwnDebugOnly().filter
    for name in ("dlkit.training.build", "dlkit_lessons.report", "lightning.pytorch.trainer"):
        assert keep(record(name, logging.DEBUG))
    for name in ("matplotlib.font_manager", "fsspec.local", "PIL.PngImagePlugin"):
        assert not keep(record(name, logging.DEBUG)) and keep(record(name, logging.INFO))


@pytest.mark.parametrize(
    ("losses", "accuracy", "verdict"),
    [
        ([2.3, 0.4, 0.01], 1.0, "overfit check passed"),
        ([2.3, 2.1, 2.0], 0.4, "overfit check FAILED"),
        ([1.0, 0.2, 0.01], None, "overfit check passed"),  # regression: the loss's fall decides
        ([1.0, 0.9, 0.8], None, "overfit check FAILED"),
    ],
)
def test_the_overfit_verdict(losses, accuracy, verdict):
    check = OverfitCheck()
    trainer = SimpleNamespace(callback_metrics={}, overfit_batches=3)
    for loss in losses:
        trainer.callback_metrics = {"train/loss": torch.tensor(loss)}
        if accuracy is not None:
            trainer.callback_metrics["train/acc"] = torch.tensor(accuracy)
        check.on_train_epoch_end(trainer, None)
    check.on_train_end(trainer, None)
    summary = check.run_summary["overfit_check"]
    assert summary["verdict"].startswith(verdict) and "its 3 batches" in summary["verdict"]
    assert summary["overfit"] is verdict.endswith("passed")
    assert f"in {len(losses)} epochs" in summary["verdict"]
