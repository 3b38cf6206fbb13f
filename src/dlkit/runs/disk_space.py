"""A disk that fills up during a run: one message naming the folder and the space it needs.

Writes fail deep inside Lightning, torch or the loggers with errno ENOSPC. What was written
before stays whole: Lightning writes checkpoints through a temporary file (fsspec's transaction)
and `dlkit.runs.folder` writes its files atomically, so the run folder holds its last good state.
"""

import errno
import shutil

from dlkit.errors import BadInput
from dlkit.runs.folder import RunFolder


class OutOfSpace(BadInput):
    """The disk of the run folder is full: free space, or give the run a folder elsewhere."""


def out_of_space(error: BaseException, folder: RunFolder) -> OutOfSpace | None:
    """The clear error for `error` when it is (or was caused by) a full disk; else None."""
    if not _caused_by_full_disk(error):
        return None
    existing = folder.root if folder.root.exists() else folder.root.parent
    free = shutil.disk_usage(existing).free if existing.exists() else 0
    sizes = [p.stat().st_size for p in folder.checkpoints.glob("*.ckpt")]
    need = f"; a checkpoint of this run takes {_mb(max(sizes))}" if sizes else ""
    return OutOfSpace(
        f"the disk of {folder.root} is full ({_mb(free)} free{need}): free some space, or give "
        "the run a folder on another disk (paths.log_dir=… or hydra.run.dir=…). The files "
        "already in the folder are intact."
    )


def _caused_by_full_disk(error: BaseException) -> bool:
    """Whether ENOSPC is in the chain of causes; a chain can loop back on itself, so each link
    is visited once."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if getattr(cause, "errno", None) == errno.ENOSPC:
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB"
