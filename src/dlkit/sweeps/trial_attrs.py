"""The user attributes the sweeper gives each Optuna trial: which worker runs it, and where.

Read by the heartbeat (to name a lost worker), the restart check and the study summary.
"""

HOST, PID, FOLDER = "sweeper_host", "sweeper_pid", "folder"


def worker_of(trial) -> str:
    """`host/pid` of the sweep process that asked for the trial."""
    host, pid = trial.user_attrs.get(HOST), trial.user_attrs.get(PID)
    return f"{host}/{pid}" if host is not None else "unknown"
