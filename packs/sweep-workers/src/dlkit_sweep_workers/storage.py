"""The storage of a study that workers share, from the (resolved) `hydra.sweeper.storage`.

    logs/optuna.journal (a path)       Optuna's JournalStorage on a file: many processes, one machine
    postgresql://user:pw@host/db       many machines (also mysql+pymysql://…)
    sqlite:///logs/optuna.db           one process (a few workers work, but they queue on one lock)
    null                               in memory: one process, lost when the sweep ends

What the core's `dlkit.sweeps.storage` opens, plus what sharing needs: a heartbeat on every
storage (the journal's is `JournalStorageWithHeartbeat`), and creation that survives a race.
Workers started at the same moment race to create the same tables; a database answers the
losers with an error, so creating the storage is retried. A value that does not parse, or a
server that cannot be reached, is a `ConfigError` naming it.
"""

import logging
import random
import time
import warnings
from pathlib import Path

from dlkit.errors import ConfigError
from dlkit.sweeps.storage import JOURNAL_SUFFIX, describe, is_journal
from dlkit_sweep_workers.heartbeat import JournalStorageWithHeartbeat, log_stale_trial

log = logging.getLogger(__name__)

# tries at creating the tables while other workers create them too, and the pause between
SETUP_ATTEMPTS, SETUP_PAUSE_S = 8, 0.25
# SQLite waits this long for another worker's write to end before it gives up
SQLITE_BUSY_TIMEOUT_S = 60
# a database server that does not answer within this is unreachable
CONNECT_TIMEOUT_S = 10


def open_storage(value: str | None, heartbeat_interval: int | None, grace_period: int | None):
    """The Optuna storage of `value` (already resolved), with the heartbeat that lets another
    worker fail the trials of a worker that died (`heartbeat_interval` seconds; None: none)."""
    import optuna

    if not value:
        return optuna.storages.InMemoryStorage()
    if is_journal(value):
        return _journal(value, heartbeat_interval, grace_period)
    if "://" not in value:
        raise ConfigError(
            f"hydra.sweeper.storage={value} is neither a database URL (sqlite:///…, "
            f"postgresql://…, mysql+pymysql://…) nor a journal file (a path ending in "
            f"{JOURNAL_SUFFIX})"
        )
    return _database(value, heartbeat_interval, grace_period)


def _journal(path: str, heartbeat_interval: int | None, grace_period: int | None):
    from optuna.storages.journal import JournalFileBackend

    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        backend = JournalFileBackend(path)
    except OSError as error:
        raise ConfigError(
            f"cannot open the journal file of hydra.sweeper.storage={path}: {error}"
        ) from None
    return JournalStorageWithHeartbeat(backend, heartbeat_interval, grace_period)


def _database(url: str, heartbeat_interval: int | None, grace_period: int | None):
    import optuna
    from sqlalchemy.exc import SQLAlchemyError

    parsed = _url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, SETUP_ATTEMPTS + 1):
        try:
            with warnings.catch_warnings():  # the heartbeat is an "experimental" argument
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                storage = optuna.storages.RDBStorage(
                    url,
                    engine_kwargs=_engine_kwargs(parsed),
                    heartbeat_interval=heartbeat_interval,
                    grace_period=grace_period,
                    heartbeat_stale_trial_callback=log_stale_trial,
                )
            break
        except SQLAlchemyError as error:
            if attempt == SETUP_ATTEMPTS or not _lost_creation_race(error, sqlite):
                raise ConfigError(_unusable(url, error)) from None
            log.debug("another worker is creating %s (%s): again", describe(url), error)
            time.sleep(random.uniform(0.5, 1.5) * SETUP_PAUSE_S * attempt)
        except ImportError as error:
            raise ConfigError(
                f"hydra.sweeper.storage={describe(url)} needs the database driver of "
                f"{parsed.drivername}, which is not installed ({error.__cause__ or error}): "
                "pip install it (mysql+pymysql://: pymysql; postgresql://: psycopg[binary], "
                "a dependency of the sweep-workers pack)"
            ) from None
    if sqlite:
        _begin_immediately(storage.engine)
    return storage


def _engine_kwargs(url) -> dict:
    """SQLite waits for another worker's write instead of failing at once; a server that does
    not answer is reported instead of waited on for minutes."""
    backend = url.get_backend_name()
    if backend == "sqlite":
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S}}
    kwargs = {"pool_pre_ping": True}  # a worker outlives connections the server dropped
    if backend in ("postgresql", "mysql") and "connect_timeout" not in url.query:
        kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
    return kwargs


def _begin_immediately(engine) -> None:
    """Each SQLite transaction takes the write lock when it begins (SQLAlchemy's recipe for
    pysqlite). Optuna's transactions read, then write: two workers each holding a read lock and
    waiting for the other's would deadlock, which SQLite answers at once with "database is
    locked", however long its time-out; taken up front, the lock is waited for instead."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, connection_record) -> None:
        dbapi_connection.isolation_level = None  # pysqlite emits no BEGIN of its own

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    engine.dispose()  # connections opened while the tables were created had neither


def _lost_creation_race(error, sqlite: bool) -> bool:
    """Another worker created the same table, type or version row first (or, on SQLite, held
    the file's lock longer than the time-out): trying again finds them there."""
    from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

    if isinstance(error, (IntegrityError, ProgrammingError)):
        return True
    text = str(error).lower()
    return isinstance(error, OperationalError) and sqlite and ("locked" in text or "exist" in text)


def _unusable(url: str, error) -> str:
    from sqlalchemy.exc import NoSuchModuleError

    if isinstance(error, NoSuchModuleError):
        return (
            f"hydra.sweeper.storage={describe(url)}: no database of that name is known "
            f"({error}); use postgresql://…, mysql+pymysql://…, sqlite:///… or a journal file"
        )
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    return (
        f"cannot use the study storage hydra.sweeper.storage={describe(url)}: {reason}. "
        "Start the database server (or fix the URL: user, password, host, port, database), "
        f"or use a journal file on this machine: hydra.sweeper.storage=logs/optuna{JOURNAL_SUFFIX}"
    )


def _url(value: str):
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(value)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise ConfigError(
            f"hydra.sweeper.storage={describe(value)} is not a database URL: write it as "
            "dialect://user:password@host:port/database (sqlite:///path/to/file.db for a file)"
        ) from None
