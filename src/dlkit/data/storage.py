"""Where a data set's samples live while training: decoded in memory, or streamed from files.

`data.storage`:

- `memory`: every sample decoded once into a uint8/float tensor before the first step, then served
  a whole batch per index lookup (fast for data that fits: the bundled sets, small folders);
- `stream`: only the file list and the labels are kept; DataLoader workers decode each batch's
  files as it is needed, so memory does not grow with the data set;
- `auto` (the default): `stream` when the decoded training data would exceed `data.memory_budget`
  (GB; null: half of the memory available when the run starts), else `memory`. The log says which
  it chose and why.

Data sets that are not read from files (digits, tables, generated sequences) are always in memory.
"""

import logging
import os

from dlkit.config.values import number, one_of, require
from dlkit.errors import ConfigError

log = logging.getLogger(__name__)

STORAGES = ("memory", "stream", "auto")
GB = 1e9
# the share of the available memory `auto` lets decoded samples take: the rest is for the model,
# the loader's workers, their batches and the other processes of the machine
BUDGET_SHARE = 0.5


def check_storage(storage: str) -> str:
    return require("data.storage", storage, one_of(STORAGES))


def available_memory() -> float:
    """Bytes of memory available to new allocations (Linux: MemAvailable; elsewhere the free
    physical memory that `os.sysconf` reports)."""
    try:
        with open("/proc/meminfo") as file:
            for line in file:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def memory_budget(budget_gb: float | None) -> float:
    """The budget in bytes: the one given (GB), or half of the memory available now."""
    if budget_gb is None:
        return BUDGET_SHARE * available_memory()
    return require("data.memory_budget", budget_gb, number(0, low_open=True)) * GB


def choose_storage(
    storage: str, decoded_bytes: float, budget_gb: float | None, what: str, can_stream: bool
) -> str:
    """`memory` or `stream` for `data.storage` (already checked), logging why `auto` chose it.

    `decoded_bytes`: what the training data would take decoded; `what` names the data (for the
    log); `can_stream`: whether the data module reads its samples from files.
    """
    if storage == "stream" and not can_stream:
        raise ConfigError(
            f"data.storage=stream reads samples from files, and {what} is not read from files: "
            "use data.storage=memory (or auto) for it"
        )
    if storage != "auto":
        return storage
    if not can_stream:
        return "memory"
    budget = memory_budget(budget_gb)
    chosen = "stream" if decoded_bytes > budget else "memory"
    source = "data.memory_budget" if budget_gb is not None else "half the available memory"
    log.info(
        "data.storage=auto chose %s: %s decodes to %.2f GB, %s %s (%.2f GB)%s",
        chosen,
        what,
        decoded_bytes / GB,
        "over" if chosen == "stream" else "within",
        source,
        budget / GB,
        "; data.storage=memory or stream chooses for you" if chosen == "stream" else "",
    )
    return chosen
