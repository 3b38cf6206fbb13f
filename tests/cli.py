"""Run the entry points in a fresh process, as `make train` / `make sweep` do, or `make` itself."""

import logging
import os
import runpy
import signal
import subprocess
import sys
import warnings
from pathlib import Path

from hydra.core.hydra_config import HydraConfig

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


def run_module(module: str, *args: str) -> int:
    """`python -m <module> args…` run in this process: the entry point's own `__main__` code,
    Hydra's command line, run folder and launcher included, without a new interpreter's imports
    (seconds per command). Returns the exit code; restores what a run changes in the process
    (the root logger's handlers, Lightning's Ctrl+C handler, the Hydra config jobs read)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    hydra_config = HydraConfig.instance().cfg
    on_interrupt, argv = signal.getsignal(signal.SIGINT), sys.argv
    sys.argv = [module, *args]
    try:
        with warnings.catch_warnings():  # the module was imported before, as its package's part
            warnings.filterwarnings("ignore", "'.*' found in sys.modules", RuntimeWarning)
            runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    finally:
        sys.argv = argv
        for handler in set(root.handlers) - set(handlers):
            handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)
        signal.signal(signal.SIGINT, on_interrupt)
        HydraConfig.instance().cfg = hydra_config


def output(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def folders(tmp_path: Path) -> tuple[str, str]:
    """Overrides that keep a test's data and logs inside its temporary folder."""
    return f"paths.data_dir={tmp_path / 'data'}", f"paths.log_dir={tmp_path / 'logs'}"
