"""Run the entry points in a fresh process, as `make train` / `make sweep` do, or `make` itself."""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import FEW_BATCHES, ROOT, TINY_MLP

SHORT = ("trainer.max_epochs=2", *FEW_BATCHES)
TINY = (*TINY_MLP, *SHORT)


def clean_environment() -> dict[str, str]:
    """This process's environment without what an outer `make test` would leak into a `make`
    started by a test (its flags, and `ARGS`, which make exports), importing this checkout."""
    leaked = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "ARGS")
    env = {k: v for k, v in os.environ.items() if k not in leaked}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    return env


def run_make(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """`make ARGS…` as a user types it, also when the tests themselves run under `make test`."""
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_train(
    *overrides: str, multirun: bool = False, env: dict | None = None, timeout: int = 600
) -> subprocess.CompletedProcess:
    """`python -m dlkit.cli.train [--multirun] overrides…`; the log lines come back in `.stdout`."""
    command = [
        sys.executable,
        "-m",
        "dlkit.cli.train",
        *(["--multirun"] if multirun else []),
        *overrides,
    ]
    full_env = {**clean_environment(), **(env or {})}
    return subprocess.run(
        command,
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def output(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def folders(tmp_path: Path) -> tuple[str, str]:
    """Overrides that keep a test's data and logs inside its temporary folder."""
    return f"paths.data_dir={tmp_path / 'data'}", f"paths.log_dir={tmp_path / 'logs'}"
