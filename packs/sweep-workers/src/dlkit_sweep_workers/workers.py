"""`make sweep-workers n=4 …`: n Optuna sweeps on one study, here, each in a folder of its own.

Each worker is the same `make sweep … hydra/sweeper=optuna_workers` (`python -m dlkit.cli.train
--multirun …`) in a process of its own; the study's storage is what they share, exactly as
workers on other machines would (start that `make sweep …` there with the same study name and a
database URL). The GPUs of this machine are shared out round-robin (`dlkit_sweep_workers.devices`),
its CPU cores evenly. This waits for every worker and fails if any did; each line a worker prints
comes prefixed with its number.
"""

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

from omegaconf import DictConfig

from dlkit.config.overrides import override_key, quoted
from dlkit.errors import ConfigError
from dlkit_sweep_workers.devices import VISIBLE, share_devices, visible_devices

log = logging.getLogger(__name__)

TRAIN_MODULE = "dlkit.cli.train"  # what `make sweep` runs
SWEEPER_GROUP, WORKERS_SWEEPER = "hydra/sweeper", "optuna_workers"  # the sweeper workers run
THREADS = "OMP_NUM_THREADS"  # the threads torch computes with on a CPU


def with_workers_sweeper(overrides: list[str]) -> list[str]:
    """The overrides with `hydra/sweeper=optuna_workers` (which an `hparams_search` config's
    `optuna` gives way to); ConfigError if they choose another sweeper."""
    chosen = [o.split("=", 1)[1] for o in overrides if override_key(o) == SWEEPER_GROUP]
    if chosen and chosen[-1] != WORKERS_SWEEPER:
        raise ConfigError(
            f"make sweep-workers runs workers of {SWEEPER_GROUP}={WORKERS_SWEEPER}, which share "
            f"a study; {SWEEPER_GROUP}={chosen[-1]} does not: leave it out"
        )
    return overrides if chosen else [*overrides, f"{SWEEPER_GROUP}={WORKERS_SWEEPER}"]


def check_shared_study(cfg: DictConfig, n: int, swept: bool) -> tuple[str, str]:
    """The (resolved) storage and name of the study the workers share; ConfigError if the
    composed config gives them no search, or no study to share. `swept`: whether the command
    line holds sweep overrides (a search space of its own)."""
    from dlkit.sweeps.storage import resolve_storage

    sweeper = cfg.hydra.sweeper
    if not sweeper.get("params") and not swept:
        raise ConfigError(
            "make sweep-workers runs workers of one Optuna study: give a search "
            "(hparams_search=digits_mlp_optuna, configs/hparams_search/) or sweep overrides "
            "such as optimizer.lr='interval(1e-4,1e-1)'"
        )
    if not sweeper.storage:
        raise ConfigError(
            "hydra.sweeper.storage=null keeps the study in each worker's memory, where no other "
            "worker sees it: give a journal file (hydra.sweeper.storage=logs/optuna.journal) or "
            "a database URL (postgresql://…)"
        )
    if not sweeper.study_name:
        raise ConfigError(
            "hydra.sweeper.study_name=null gives each worker a study of its own: name the study"
        )
    storage = resolve_storage(sweeper.storage, cfg.paths.root_dir)
    if storage.startswith("sqlite") and n > 1:
        log.warning(
            "SQLite lets one worker write at a time; a journal file (hydra.sweeper.storage="
            "logs/optuna.journal) or PostgreSQL carries more workers"
        )
    return storage, str(sweeper.study_name)


def worker_overrides(overrides: list[str], index: int) -> list[str]:
    """A worker's overrides: a sweep folder given with hydra.sweep.dir gets one folder per
    worker inside it (without it, each worker's default folder has a unique name already)."""
    out = []
    for override in overrides:
        if override_key(override) == "hydra.sweep.dir":
            folder = override.split("=", 1)[1].strip("'\"")
            override = f"hydra.sweep.dir={quoted(Path(folder) / f'worker_{index}')}"
        out.append(override)
    return out


def cpu_share(n: int) -> dict[str, str]:
    """Each of n workers gets its share of this machine's cores: torch (OpenMP) would otherwise
    give every worker a thread per core, n times more threads than cores, which slows them all.
    A thread count the user set is kept."""
    if THREADS in os.environ:
        return {}
    return {THREADS: str(max(1, (os.cpu_count() or 1) // n))}


def run_workers(n: int, overrides: list[str]) -> int:
    """Start n workers, stream their output, wait for all; the first failing exit code, or 0."""
    devices = share_devices(visible_devices(), n)
    processes = []
    for index in range(n):
        env = {**os.environ, **cpu_share(n)}
        if devices[index]:
            env[VISIBLE] = ",".join(devices[index])
        command = [sys.executable, "-m", TRAIN_MODULE, "--multirun"]
        process = subprocess.Popen(
            [*command, *worker_overrides(overrides, index)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        gpus = f" on GPU {env[VISIBLE]}" if devices[index] else ""
        log.info("worker %d: process %d%s", index, process.pid, gpus)
        processes.append(process)
    printer = threading.Lock()
    streams = [
        threading.Thread(target=_stream, args=(p, f"[worker {i}] ", printer), daemon=True)
        for i, p in enumerate(processes)
    ]
    for thread in streams:
        thread.start()
    codes = _wait(processes)
    for thread in streams:
        thread.join()
    failed = [(i, code) for i, code in enumerate(codes) if code != 0]
    for index, code in failed:
        log.error("worker %d failed (exit code %d): its lines above say why", index, code)
    return failed[0][1] if failed else 0


def _wait(processes: list[subprocess.Popen]) -> list[int]:
    """Every worker's exit code. Ctrl+C reaches the workers too (one process group): wait for
    them to stop rather than leave them behind."""
    try:
        return [p.wait() for p in processes]
    except KeyboardInterrupt:
        return [p.wait() for p in processes]


def _stream(process: subprocess.Popen, prefix: str, printer: threading.Lock) -> None:
    for line in process.stdout:
        with printer:
            sys.stdout.write(prefix + line)
            sys.stdout.flush()
