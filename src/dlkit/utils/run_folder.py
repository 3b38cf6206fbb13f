"""The run folder's `summary.json`: the one file that says how a run ended.

It is rewritten atomically (temporary file, then rename) at each change of state, so a reader
never sees half a file, and it says "completed" only once every step of the run has finished:
a run that died says "running" or "failed", never a fake "completed".
"""

import json
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from dlkit.utils.distributed import is_global_zero_process

SUMMARY_FILE = "summary.json"


def _jsonable(value: Any) -> Any:
    """Plain JSON types: tensors and numpy scalars become numbers, NaN becomes null."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def write_json_atomic(path: str | Path, data: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(_jsonable(data), f, indent=2)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RunSummary:
    """Accumulates a run's results and keeps `summary.json` in step with them."""

    def __init__(self, output_dir: str | Path, **fields: Any) -> None:
        self.path = Path(output_dir) / SUMMARY_FILE
        self._start = time.perf_counter()
        self.data: dict[str, Any] = {"status": "running", **fields}
        self.write()

    def update(self, **fields: Any) -> None:
        self.data.update(fields)
        self.write()

    def finish(self, status: str, **fields: Any) -> None:
        self.data.update(fields, status=status)
        self.data["duration_s"] = round(time.perf_counter() - self._start, 3)
        self.write()

    def fail(self, error: BaseException, status: str | None = None) -> str:
        """Record how the run ended on `error`: interrupted (Ctrl-C, SIGTERM) or failed."""
        if status is None:
            stopped = isinstance(error, (KeyboardInterrupt, SystemExit))
            status = "interrupted" if stopped else "failed"
        self.finish(status, error=f"{type(error).__name__}: {error}")
        return status

    def write(self) -> None:
        if is_global_zero_process():  # the other ranks of a distributed run write nothing
            write_json_atomic(self.path, self.data)
