"""The lock that workers take to count a study's trials and ask for new ones: one at a time."""

import threading
import time

import pytest

from dlkit_sweep_workers.ask_lock import ask_lock
from dlkit_sweep_workers.storage import open_storage


def _holders_at_once(value: str, threads: int = 4) -> int:
    """The most threads ever inside the lock together, each with a storage of its own (as
    each worker process has)."""
    inside, most, guard = [0], [0], threading.Lock()

    def work() -> None:
        storage = open_storage(value, None, None)
        for _ in range(3):
            with ask_lock(value, storage, "study"):
                with guard:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                time.sleep(0.02)
                with guard:
                    inside[0] -= 1

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return most[0]


@pytest.mark.parametrize("kind", ["journal", pytest.param("sqlite", marks=pytest.mark.slow)])
def test_one_worker_at_a_time_asks_on_a_file(tmp_path, kind):
    value = str(tmp_path / "o.journal") if kind == "journal" else f"sqlite:///{tmp_path}/o.db"
    assert _holders_at_once(value) == 1


@pytest.mark.slow
def test_one_worker_at_a_time_asks_on_postgresql(postgres_url):
    assert _holders_at_once(postgres_url) == 1
