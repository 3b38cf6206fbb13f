"""One live run per folder: a second run pointed at a folder in use stops instead of mixing files.

Run folders are unique by default (time and a random id); two runs meet in one folder only when
a user names it (`hydra.run.dir=…`, `hydra.sweep.dir=…`) or resumes a run that is still going.
The folder named on the command line is held, before Hydra writes anything into it, with an
exclusive `flock` on its lock file: the kernel releases it the moment the holder's process ends,
however it ends (`kill -9`, out of memory), so a run resumed right after a kill gets the folder,
and of two runs starting together exactly one does. A process id cannot decide this: a killed
process still answers `os.kill(pid, 0)` until it is reaped, and so does any later process that
gets its id. The file also names the holder (host and process id), for the message.

A DataLoader worker forked by the holder shares the lock until it ends too (it stops a few
seconds after its parent, when that was killed alone).
"""

import atexit
import fcntl
import os
import socket
import time
from pathlib import Path

from dlkit.errors import ConfigError
from dlkit.runs.folder import RunFolder

# The open lock file of each folder this process holds: the lock lasts as long as it stays open.
_held: dict[Path, int] = {}


def hold(folder: Path) -> None:
    """Hold `folder` for this process until it exits; a folder it created and nothing wrote
    into (a sweep with no trial left to run) is removed again."""
    folder = folder.resolve()
    if folder in _held:
        return
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    lock = RunFolder(folder).lock
    descriptor = _lock(lock, folder)
    os.ftruncate(descriptor, 0)
    os.write(descriptor, f"{socket.gethostname()} {os.getpid()}\n".encode())
    _held[folder] = descriptor
    atexit.register(_release, folder, lock, created)


def _lock(lock: Path, folder: Path) -> int:
    """The lock file, opened and locked; a ConfigError naming the holder when a live process
    holds it."""
    while True:
        descriptor = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(descriptor)
            os.close(descriptor)
            raise ConfigError(
                f"{folder} is in use by a live run ({holder}): wait for it to end, or give "
                "this run another folder (leave out hydra.run.dir, or name a new one)"
            ) from None
        # the holder before us may have removed the file between our open and our lock: then
        # we hold a file nobody else will open, and must lock the one at the path instead
        try:
            same = os.path.samestat(os.fstat(descriptor), os.stat(lock))
        except FileNotFoundError:
            same = False
        if same:
            return descriptor
        os.close(descriptor)


def _holder(descriptor: int) -> str:
    """ "process N on this machine" (or on host H), from the lock file's text. The holder
    writes it just after taking the lock: a refusal in between waits for it a little."""
    for _ in range(50):
        try:
            host, pid = os.pread(descriptor, 200, 0).decode().split()
            break
        except (OSError, ValueError, UnicodeDecodeError):  # being written this very moment
            time.sleep(0.01)
    else:
        return "another process"
    where = "this machine" if host == socket.gethostname() else host
    return f"process {pid} on {where}"


def _release(folder: Path, lock: Path, created: bool) -> None:
    """Remove the lock file while still holding it (a waiting run then locks a fresh one), and
    the folder when this process created it and nothing was written into it."""
    descriptor = _held.pop(folder, None)
    if descriptor is None:
        return
    try:
        lock.unlink(missing_ok=True)
        if created and not any(folder.iterdir()):
            folder.rmdir()
    except OSError:
        pass
    finally:
        os.close(descriptor)
