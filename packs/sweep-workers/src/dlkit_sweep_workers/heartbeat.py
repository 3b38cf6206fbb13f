"""Heartbeats: a trial whose worker died (SIGKILL, a lost machine) is failed by the others.

While a worker runs its trials, a thread records a heartbeat for each one every
`heartbeat_interval` seconds; before asking for a new trial, every worker fails the running
trials whose heartbeat is older than `grace_period` (Optuna's `fail_stale_trials`). This works
across machines, where a process id means nothing. Optuna's RDBStorage has the heartbeat built
in; its JournalStorage has none, so `JournalStorageWithHeartbeat` adds it here, the same way
(a heartbeat is a trial system attribute holding the time; a journal lives on one machine, so
every worker reads the same clock).
"""

import logging
import threading
import time
import warnings
from collections.abc import Sequence

from optuna.storages import JournalStorage
from optuna.storages._heartbeat import BaseHeartbeat  # the interface fail_stale_trials reads
from optuna.trial import TrialState

from dlkit_sweep_workers.trial_attrs import worker_of

log = logging.getLogger(__name__)

BEAT = "dlkit:heartbeat"  # the trial system attribute of the journal's heartbeat


def log_stale_trial(study, trial) -> None:
    """Optuna calls this for each trial it failed because its heartbeat lapsed."""
    log.warning(
        "trial %d failed: its worker (%s) sent no heartbeat for longer than the grace period "
        "(stopped, killed or unreachable); the search goes on",
        trial.number,
        worker_of(trial),
    )


def fail_stale_trials(study) -> None:
    """Optuna's `fail_stale_trials` (a no-op for storages without a heartbeat)."""
    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)


def has_heartbeat(storage) -> bool:
    return isinstance(storage, BaseHeartbeat) and storage.get_heartbeat_interval() is not None


class JournalStorageWithHeartbeat(JournalStorage, BaseHeartbeat):
    """A JournalStorage whose trials have a heartbeat, as RDBStorage's have."""

    def __init__(
        self, backend, heartbeat_interval: int | None, grace_period: int | None = None
    ) -> None:
        super().__init__(backend)
        self.heartbeat_interval = heartbeat_interval
        self.grace_period = grace_period

    def record_heartbeat(self, trial_id: int) -> None:
        self.set_trial_system_attr(trial_id, BEAT, time.time())

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        grace = self.grace_period or 2 * self.heartbeat_interval
        now = time.time()
        return [
            self.get_trial_id_from_study_id_trial_number(study_id, trial.number)
            for trial in self.get_all_trials(study_id, deepcopy=False, states=(TrialState.RUNNING,))
            if BEAT in trial.system_attrs and now - trial.system_attrs[BEAT] > grace
        ]

    def get_heartbeat_interval(self) -> int | None:
        return self.heartbeat_interval

    def get_heartbeat_stale_trial_callback(self):
        return log_stale_trial


class Heartbeat:
    """`with Heartbeat(storage, trial_ids):` beats for the trials while the block runs.

    The first beat is recorded before the block starts (a trial without one is never stale).
    Optuna's own thread beats for one trial; a sweeper runs a batch of them at once.
    """

    def __init__(self, storage, trial_ids: Sequence[int]) -> None:
        self.storage = storage
        self.trial_ids = list(trial_ids)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "Heartbeat":
        if has_heartbeat(self.storage) and self.trial_ids:
            self._beat()
            self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.storage.get_heartbeat_interval()):
            self._beat()

    def _beat(self) -> None:
        import optuna

        for trial_id in list(self.trial_ids):
            try:
                self.storage.record_heartbeat(trial_id)
            except optuna.exceptions.UpdateFinishedTrialError:
                self.trial_ids.remove(trial_id)  # failed by another worker: nothing to keep alive
            except Exception as error:  # a storage that hiccups: the next beat may get through
                log.warning("heartbeat of trial id %d not recorded: %s", trial_id, error)
