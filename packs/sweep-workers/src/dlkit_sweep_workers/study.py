"""A study as its workers share it: counted, its lost trials failed, its trials claimed and told.

Every worker of a study runs the same steps against the same storage, on this machine or
another; nothing here assumes that a trial was asked for by this process, except where it says so.
"""

import contextlib
import logging
import os
import time

from dlkit_sweep_workers.trial_attrs import FOLDER, PID, on_this_machine, this_machine, worker_of

log = logging.getLogger(__name__)

WAIT_POLL_S = 2  # how often a worker with nothing left to ask looks at the others' trials


def count_trials(study) -> tuple[int, int, int]:
    """Finished (complete, pruned or failed), running and all trials, of every worker."""
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False)
    finished = sum(t.state.is_finished() for t in trials)
    running = sum(t.state == TrialState.RUNNING for t in trials)
    return finished, running, len(trials)


def wait_for_other_workers(study, storage, n_trials: int) -> None:
    """Nothing left to ask, but other workers' trials still run: wait for them (failing those
    whose heartbeat lapses), so that the study is complete when this worker ends."""
    from dlkit_sweep_workers.heartbeat import fail_stale_trials, has_heartbeat

    finished, running, _ = count_trials(study)
    if finished >= n_trials or not running:
        return
    if not has_heartbeat(storage):  # a lost worker's trial would keep this one waiting forever
        log.info("%d trials of other workers still run; this worker ends", running)
        return
    log.info("no trial left to ask for: waiting for the %d trials other workers run", running)
    while finished < n_trials and running:
        time.sleep(min(storage.get_heartbeat_interval(), WAIT_POLL_S))
        fail_stale_trials(study)
        finished, running, _ = count_trials(study)


def claim(trial, folder: str) -> None:
    """Mark the trial as this worker's: its host, process and the job folder it will run in."""
    for key, value in this_machine().items():
        trial.set_user_attr(key, value)
    trial.set_user_attr(PID, os.getpid())
    trial.set_user_attr(FOLDER, folder)


def set_folder(trial, folder: str) -> None:
    """The job folder the trial ran in, as its job named it."""
    import optuna

    # a trial another worker already failed keeps its attributes; tell_once says so
    with contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError):
        trial.set_user_attr(FOLDER, str(folder))


def fail_abandoned_trials(study) -> None:
    """Trials left running by a sweep on this machine whose process is gone are failed at once
    (a worker restarted after a crash need not wait for their heartbeat to lapse)."""
    from optuna.trial import TrialState

    for trial in study.get_trials(states=(TrialState.RUNNING,)):
        pid = trial.user_attrs.get(PID)
        if on_this_machine(trial) and pid is not None and not _alive(pid):
            log.warning("trial %d was left running by a stopped sweep: failed", trial.number)
            tell_once(study, trial.number, state=TrialState.FAIL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def tell_once(study, trial, value: float | None = None, state=None) -> None:
    """study.tell, except that a trial another worker already failed (its heartbeat lapsed
    while this worker was too busy or cut off) keeps that state: it is not run twice."""
    import optuna
    from optuna.trial import TrialState

    number = trial if isinstance(trial, int) else trial.number
    try:
        told = study.tell(trial, value, state=state, skip_if_finished=True)
        if told.state == (state or TrialState.COMPLETE):
            return
    except optuna.exceptions.UpdateFinishedTrialError:
        pass  # failed by another worker between Optuna's check and its update
    log.warning(
        "trial %d had already been failed by another worker (the heartbeat of %s lapsed): "
        "its result is not recorded",
        number,
        worker_of(study.trials[number]),
    )
