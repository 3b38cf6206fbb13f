"""One live run per folder: a second run pointed at a folder in use stops instead of mixing files.

Run folders are unique by default (time and a random id); two runs meet in one folder only when
a user names it (`hydra.run.dir=…`, `hydra.sweep.dir=…`) or resumes a run that is still going.
The folder named on the command line is held with a lock file (host and process id) before Hydra
writes anything into it, and released when the process ends. A lock left by a process that is
gone (killed, or a requeued job) is taken over; one held by a live process on this machine stops
the new run. A lock from another machine cannot be checked and is taken over with a warning.
"""

import atexit
import os
import socket
import sys
from pathlib import Path

from dlkit.errors import ConfigError
from dlkit.runs.folder import RunFolder


def hold(folder: Path) -> None:
    """Hold `folder` for this process until it exits; a folder it created and nothing wrote
    into (a sweep with no trial left to run) is removed again."""
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    lock = RunFolder(folder).lock
    mine = f"{socket.gethostname()} {os.getpid()}"
    try:
        descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        _take_over(lock, folder)
        descriptor = os.open(lock, os.O_CREAT | os.O_TRUNC | os.O_WRONLY)
    with os.fdopen(descriptor, "w") as file:
        file.write(mine + "\n")
    atexit.register(_release, lock, mine, folder if created else None)


def _take_over(lock: Path, folder: Path) -> None:
    try:
        host, pid = lock.read_text().split()
    except (OSError, ValueError):  # an empty or half-written lock: its writer died
        return
    if host != socket.gethostname():
        print(
            f"warning: {folder} was last held by a run on {host}; taking it over", file=sys.stderr
        )
        return
    if int(pid) != os.getpid() and _alive(int(pid)):
        raise ConfigError(
            f"{folder} is in use by a live run (process {pid} on this machine): wait for it to "
            "end, or give this run another folder (leave out hydra.run.dir, or name a new one)"
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _release(lock: Path, mine: str, created: Path | None) -> None:
    try:
        if lock.read_text().strip() == mine:
            lock.unlink()
        if created is not None and not any(created.iterdir()):
            created.rmdir()
    except OSError:
        pass
