"""Where an Optuna study lives, from the value of `hydra.sweeper.storage`:

    logs/optuna.journal (a path)    Optuna's JournalStorage on a file (the default): resumable,
                                    and jobs in other processes (the joblib launcher) reach it
    sqlite:///logs/optuna.db        any database URL Optuna takes
    null                            in memory: lost when the sweep ends

One sweep works on a study at a time; several workers sharing one (with heartbeats, a lock
around asking, database servers) is what the sweep-workers pack adds.
"""

import re
from pathlib import Path

from dlkit.errors import ConfigError

JOURNAL_SUFFIX = ".journal"


def is_journal(value: str) -> bool:
    return "://" not in value and value.endswith(JOURNAL_SUFFIX)


def resolve_storage(value: str | None, root_dir: str | Path) -> str | None:
    """The storage value with a relative file path (journal or SQLite) made absolute against the
    project root: a job that runs in another working directory opens the same file."""
    if not value:
        return None
    root = Path(root_dir).expanduser().resolve()
    if is_journal(value):
        return str(root / Path(value).expanduser())
    prefix = "sqlite:///"
    if value.startswith(prefix) and not value.startswith(f"{prefix}/") and ":memory:" not in value:
        return prefix + str(root / value[len(prefix) :])
    return value


def describe(value: str | None) -> str:
    """The storage as it may be printed: a password in a URL is hidden."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", value) if value else "in memory"


def open_storage(value: str | None):
    """The Optuna storage of `value` (already resolved): a journal file, a URL (Optuna opens it
    itself), or memory."""
    import optuna
    from optuna.storages.journal import JournalFileBackend

    if not value:
        return optuna.storages.InMemoryStorage()
    if "://" in value:
        return value
    if not is_journal(value):
        raise ConfigError(
            f"hydra.sweeper.storage={value} is neither a database URL (sqlite:///…) nor a "
            f"journal file (a path ending in {JOURNAL_SUFFIX})"
        )
    try:
        Path(value).parent.mkdir(parents=True, exist_ok=True)
        return optuna.storages.JournalStorage(JournalFileBackend(value))
    except OSError as error:
        raise ConfigError(
            f"cannot open the journal file of hydra.sweeper.storage={value}: {error}"
        ) from None
