"""Many workers on one Optuna study: started together, they reach exactly n_trials, each run once.

Real processes on real storages: a journal file, SQLite, and a PostgreSQL server the tests
start themselves (`tests/postgres.py`).
"""

import re
import subprocess
import sys
import time

import pandas as pd
import pytest
from dlkit_sweep_workers.storage import open_storage, resolve_storage
from tests.helpers import ROOT, clean_environment, folders, output, run
from tests.postgres import postgres_url  # noqa: F401  (a fixture)
from tests.workers import STUDY, assert_clean, assert_study_complete, load, run_workers, search

from dlkit.errors import ConfigError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_sweep_workers_share_one_study(tmp_path):
    storage = "studies/par.journal"  # relative: taken from the project root, paths.root_dir
    result = run("make",
        "sweep-workers", "n=2", *search(tmp_path, storage, 3),
        f"paths.root_dir={tmp_path}", f"hydra.sweep.dir={tmp_path / 'sweep'}",
    )  # fmt: skip
    assert result.returncode == 0, output(result)[-4000:]
    assert "Traceback" not in output(result)
    journal = tmp_path / "studies" / "par.journal"
    assert journal.is_file() and not (ROOT / storage).exists()
    study = load(str(journal))
    assert_study_complete(study, 3)
    # each worker in a sweep folder of its own, each trial in one job folder of one worker
    table = pd.read_csv(tmp_path / "logs" / "studies" / STUDY / "study_summary.csv")
    assert list(table["trial"]) == [0, 1, 2]
    for row in table.itertuples():
        assert row.folder.startswith(str(tmp_path / "sweep" / "worker_"))
        assert row.folder.endswith(f"/{row.trial}") and row.worker.count("/") == 1
    assert {"[worker 0]", "[worker 1]"} <= {line[:10] for line in result.stdout.splitlines()}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["n=0"], "n=0: the number of workers must be a whole number, at least 1"),
        ([], "give the number of workers: make sweep-workers n=4"),
        # these two compose the config first (a second or more each): slow
        pytest.param(
            ["n=2", "optimizer.lr=0.1"],
            "make sweep-workers runs workers of one Optuna study",
            marks=pytest.mark.slow,
        ),
        pytest.param(
            ["n=2", "hparams_search=digits_mlp_optuna", "hydra.sweeper.storage=null"],
            "hydra.sweeper.storage=null keeps the study in each worker's memory",
            marks=pytest.mark.slow,
        ),
    ],
)
def test_sweep_workers_without_a_study_to_share_says_why(arguments, message):
    result = run("make", "sweep-workers", *arguments)
    assert result.returncode == 2, output(result)[-3000:]
    assert message in result.stderr and "Traceback" not in output(result)


@pytest.mark.slow
def test_an_unreachable_storage_is_one_message(tmp_path):
    storage = "postgresql://me:secret@127.0.0.1:1/none"
    result = run(
        "-m",
        "dlkit.cli.train",
        *search(tmp_path, storage, 1),
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        "--multirun",
    )
    assert result.returncode == 2, output(result)[-3000:]
    assert (
        "cannot use the study storage hydra.sweeper.storage=postgresql://me:***@127.0.0.1:1/none: "
        "connection failed" in output(result)
    )
    assert "Traceback" not in output(result) and "secret" not in output(result)


@pytest.mark.parametrize(
    ("storage", "message"),
    [
        (
            "postgresql://me:secret@db:port/x",
            "=postgresql://me:***@db:port/x is not a database URL",
        ),
        ("optuna.db", "is neither a database URL (sqlite:///…, postgresql://…"),
        ("nosuchdb://x/y", "no database of that name is known"),
    ],
)
def test_a_storage_value_that_does_not_parse_is_named(storage, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        open_storage(storage, None, None)


def test_relative_storage_paths_resolve_against_the_project_root(tmp_path):
    root = tmp_path / "project"
    assert resolve_storage("logs/o.journal", root) == str(root / "logs" / "o.journal")
    assert resolve_storage("sqlite:///logs/o.db", root) == f"sqlite:///{root}/logs/o.db"
    assert resolve_storage("/abs/o.journal", root) == "/abs/o.journal"
    assert resolve_storage("sqlite:////abs/o.db", root) == "sqlite:////abs/o.db"
    url = "postgresql://u:p@host:5432/db"
    assert resolve_storage(url, root) == url and resolve_storage(None, root) is None


def _storage(tmp_path, kind: str, request) -> str:
    if kind == "postgresql":
        return request.getfixturevalue("postgres_url")
    return {"journal": str(tmp_path / "o.journal"), "sqlite": f"sqlite:///{tmp_path}/o.db"}[kind]


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "n"), [("journal", 4), ("postgresql", 4), ("sqlite", 3)])
def test_workers_started_together_reach_exactly_n_trials(tmp_path, request, kind, n):
    storage = _storage(tmp_path, kind, request)
    workers = run_workers(tmp_path, n, search(tmp_path, storage, 6))
    assert_clean(workers)
    study = load(storage)
    assert_study_complete(study, 6)
    assert len({t.user_attrs["sweeper_pid"] for t in study.trials}) > 1  # they shared the work
    # the study summary sees every trial, whichever worker ran it
    result = run(
        "make", "sweep-summary", f"study_name={STUDY}", f"storage={storage}", *folders(tmp_path)
    )
    assert result.returncode == 0, output(result)[-3000:]
    folder = tmp_path / "logs" / "studies" / STUDY
    table = pd.read_csv(folder / "study_summary.csv")
    assert list(table["trial"]) == list(range(6))
    assert set(table["worker"]) == {
        f"{t.user_attrs['sweeper_host']}/{t.user_attrs['sweeper_pid']}" for t in study.trials
    }
    assert set(table["status"]) <= {"completed", "pruned"}
    for name in ("study_summary", "param_importances", "parallel_coordinate", "timeline"):
        assert (folder / f"{name}.png").read_bytes()[:8] == PNG_MAGIC


RACE = """
import sys, time
from dlkit_sweep_workers.storage import open_storage
from dlkit_sweep_workers.study import open_study
storage, start = sys.argv[1], float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
open_study(open_storage(storage, 10, 60), "race", "maximize", None)
"""


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["journal", "sqlite", "postgresql"])
def test_processes_creating_one_study_at_the_same_moment_all_succeed(tmp_path, request, kind):
    storage = _storage(tmp_path, kind, request)
    start = time.time() + 8  # every process has imported Optuna by then
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, storage, str(start)],
            env=clean_environment(),
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=300)[1] for p in processes]
    assert [p.returncode for p in processes] == [0] * 4, "\n".join(errors)[-4000:]
    assert len(load(storage, "race").trials) == 0
