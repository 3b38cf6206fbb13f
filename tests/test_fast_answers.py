"""`--cfg job`, `--help` and config errors answer at once: the entry point composes (and rejects)
the config before it imports torch, Lightning, torchvision or wandb, which take seconds."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import clean_environment

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "lightning", "torchvision", "torchmetrics", "wandb", "sklearn", "matplotlib")


def _run_train(*args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    """`python -m dlkit.cli.train ARGS` with Python's import log: the result and the modules imported."""
    env = clean_environment()
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "dlkit.cli.train", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return result, modules


def _heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in HEAVY}


@pytest.mark.parametrize("args", [("--cfg", "job"), ("--help",)], ids=["cfg-job", "help"])
def test_answers_without_heavy_imports(args):
    result, modules = _run_train(*args)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "hydra" in modules  # the import log works, so the next check means something
    assert not _heavy(modules)


def test_config_error_without_heavy_imports():
    result, modules = _run_train("data=no_such_data")
    assert result.returncode != 0
    assert "no_such_data" in result.stderr and "digits" in result.stderr  # names the choices
    assert not _heavy(modules)


def test_help_lists_the_options_a_user_chooses_not_the_shared_parts():
    result, _ = _run_train("--help")
    groups = dict(
        line.split(": ", 1)
        for line in result.stdout.split("== Configuration groups ==")[1]
        .split("== Config ==")[0]
        .splitlines()
        if ": " in line
    )
    assert "digits" in groups["data"].split(", ") and "adam" in groups["optimizer"].split(", ")
    assert not [group for group in groups if "parts" in group.split("/")]
    assert all("base" not in options.split(", ") for options in groups.values())
    assert "optimizer.lr" not in groups and "lr: " in result.stdout  # the config follows
