"""The user attributes the sweeper gives each Optuna trial: which worker runs it, and where.

Read by the heartbeat (to name a lost worker), the restart check and the study summary.
"""

import socket
from pathlib import Path

HOST, PID, FOLDER = "sweeper_host", "sweeper_pid", "folder"
# the running kernel's boot id: two machines (or two boots) that share a host name differ here,
# so a process id is only ever looked up on the machine that gave it
BOOT = "sweeper_boot_id"
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def worker_of(trial) -> str:
    """`host/pid` of the sweep process that asked for the trial."""
    host, pid = trial.user_attrs.get(HOST), trial.user_attrs.get(PID)
    return f"{host}/{pid}" if host is not None else "unknown"


def this_machine() -> dict[str, str | None]:
    """The attributes that name this machine: its host name and (on Linux) its boot id."""
    boot = _BOOT_ID.read_text().strip() if _BOOT_ID.is_file() else None
    return {HOST: socket.gethostname(), BOOT: boot}


def on_this_machine(trial) -> bool:
    """Whether the trial's worker ran on this machine (so its process id means something here)."""
    here = this_machine()
    return all(trial.user_attrs.get(key) == value for key, value in here.items())
