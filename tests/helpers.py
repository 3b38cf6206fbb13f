"""What the tests share besides fixtures (`conftest.py`): the config composed as `make train`
composes it, short-run overrides, reading a run folder, and the entry points run as a user runs
them: in a subprocess (`run`, `start`), or in this process (`run_module`, seconds faster)."""

import json
import logging
import os
import runpy
import signal
import subprocess
import sys
import warnings
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, open_dict

import dlkit  # noqa: F401  (registers the config resolvers)
from dlkit.config import CONFIG_DIR

ROOT = Path(__file__).resolve().parents[1]

# A few batches of each split: every part of a run (fit, checkpoints, test, reports) in seconds.
FEW_BATCHES = (
    "++trainer.limit_train_batches=4",
    "++trainer.limit_val_batches=2",
    "++trainer.limit_test_batches=2",
    "callbacks.rich_progress_bar=null",
    "extras.print_config=false",
)
# ... of a small MLP
TINY_MLP = ("model=mlp", "model.net.hidden_sizes=[32]")
SHORT = ("trainer.max_epochs=2", *FEW_BATCHES)
TINY = (*TINY_MLP, *SHORT)
# the default CNN for 3 epochs of 4 batches: every part of a run, to stop and resume
STOPPABLE = ("trainer.max_epochs=3", *FEW_BATCHES)


def compose_config(
    config_name: str, overrides: list[str], output_dir: Path, data_dir: Path
) -> DictConfig:
    """The config Hydra would give the entry point, with the run folder at `output_dir`: its
    search path holds the configs of every pack present, as the entry point's does."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name=config_name, overrides=overrides, return_hydra_config=True)
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        cfg.paths.output_dir = str(output_dir)
        cfg.paths.data_dir = str(data_dir)
        cfg.extras.print_config = False
        del cfg["hydra"]
    return cfg


def compose_with_hydra(*overrides: str) -> DictConfig:
    """The `train` config with its `hydra` node, as a sweeper or launcher sees it."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", overrides=list(overrides), return_hydra_config=True)
    HydraConfig.instance().set_config(cfg)
    return cfg


def read_summary(run: Path | DictConfig) -> dict:
    """The summary.json of a run folder, or of the run folder a composed config writes to."""
    folder = Path(run.paths.output_dir) if isinstance(run, DictConfig) else Path(run)
    return json.loads((folder / "summary.json").read_text())


def folders(tmp_path: Path) -> tuple[str, str]:
    """Overrides that keep a test's data and logs inside its temporary folder."""
    return f"paths.data_dir={tmp_path / 'data'}", f"paths.log_dir={tmp_path / 'logs'}"


def output(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without what an outer `make test` would leak into a `make`
    started by a test (its flags, and `ARGS`, which make exports), importing this checkout."""
    leaked = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "ARGS")
    env = {k: v for k, v in os.environ.items() if k not in leaked}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    return {**env, **extra}


def command(*args: str) -> list[str]:
    """`make …` as a user types it; `python …` as this test's interpreter; `-m module …` too."""
    if args[0] == "make":
        return ["make", "--no-print-directory", *args[1:]]
    if args[0] == "python":
        return [sys.executable, *args[1:]]
    return [sys.executable, *args]


def run(*args: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """A command (`command`) run to its end in the project root: `run("make", "train", …)`,
    `run("-m", "dlkit.cli.train", "--multirun", …)`; the log lines come back in `.stdout`."""
    return subprocess.run(
        command(*args),
        cwd=ROOT,
        env=clean_environment(**(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start(*args: str, env: dict | None = None) -> subprocess.Popen:
    """The same command started in a session of its own, so that a signal reaches make and the
    Python it starts."""
    return subprocess.Popen(
        command(*args),
        cwd=ROOT,
        env=clean_environment(**(env or {})),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
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
