"""One worker at a time counts a study's trials and asks for new ones: no overshoot of n_trials.

A worker asks for a trial only while finished + running trials (every worker's) are fewer than
`n_trials`. Counting and asking are two steps: two workers that counted at the same moment
would both take the last free place. A lock around the two steps, shared by every worker of the
storage, closes that gap:

    a file (journal, SQLite)   a lock file beside it (`filelock`: released when a process dies)
    PostgreSQL                 a session advisory lock (released when the connection closes)
    MySQL                      a named lock, GET_LOCK (the same)

Other storages go without (a warning says so): workers racing for the last place may then run
one trial each beyond n_trials.
"""

import contextlib
import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path

from dlkit.sweeps.storage import is_journal

log = logging.getLogger(__name__)

LOCK_SUFFIX = ".ask.lock"
# the lock's name in the database starts with this: this study's asks, nothing else
NAMESPACE = "dlkit.ask"
# a worker holds the lock for milliseconds; waiting this long means the database is stuck
DATABASE_LOCK_TIMEOUT_S = 600


@contextlib.contextmanager
def ask_lock(value: str | None, storage, study_name: str) -> Iterator[None]:
    """Held while this worker counts the study's trials and asks for its next ones.

    `value` is the resolved storage value, `storage` the storage opened from it.
    """
    if not value:  # in memory: one process
        yield
    elif is_journal(value):
        with _file_lock(Path(value)):
            yield
    else:
        from sqlalchemy.engine import make_url

        url = make_url(value)
        backend = url.get_backend_name()
        if backend == "sqlite" and url.database not in (None, "", ":memory:"):
            with _file_lock(Path(url.database)):
                yield
        elif backend == "sqlite":  # a database in memory belongs to one process
            yield
        elif backend in ("postgresql", "mysql"):
            with _database_lock(storage.engine, backend, f"{NAMESPACE}:{study_name}"):
                yield
        else:
            log.warning(
                "no lock between workers on a %s storage: workers that ask for the last trials "
                "at the same moment may run a few beyond hydra.sweeper.n_trials",
                backend,
            )
            yield


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    from filelock import FileLock

    with FileLock(str(path) + LOCK_SUFFIX):
        yield


@contextlib.contextmanager
def _database_lock(engine, backend: str, name: str) -> Iterator[None]:
    from sqlalchemy import text

    if backend == "postgresql":  # advisory locks are named by a 64-bit integer
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        take, give_back = "SELECT pg_advisory_lock(:key)", "SELECT pg_advisory_unlock(:key)"
    else:  # MySQL (and MariaDB) name locks by a string of at most 64 characters
        key = hashlib.sha256(name.encode()).hexdigest()[:64]
        take = f"SELECT GET_LOCK(:key, {DATABASE_LOCK_TIMEOUT_S})"
        give_back = "SELECT RELEASE_LOCK(:key)"
    with engine.connect() as connection:
        taken = connection.execute(text(take), {"key": key}).scalar()
        connection.commit()
        if taken == 0:  # GET_LOCK's answer when the time-out passed (pg_advisory_lock waits)
            raise RuntimeError(
                f"no worker released the study's lock within {DATABASE_LOCK_TIMEOUT_S} s"
            )
        try:
            yield
        finally:
            connection.execute(text(give_back), {"key": key})
            connection.commit()
