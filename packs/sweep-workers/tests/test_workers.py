"""Many workers on one Optuna study: started together, they reach exactly n_trials, each run once.

Real processes on real storages: a journal file, SQLite, and a PostgreSQL server the tests
start themselves (the `postgres_url` fixture).
"""

import re
import subprocess
import sys
import time

import pandas as pd
import pytest

from dlkit.errors import ConfigError
from dlkit_sweep_workers.storage import open_storage
from tests.helpers import ROOT, clean_environment, folders, output, run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_sweep_workers_share_one_study(tmp_path, workers):
    storage = "studies/par.journal"  # relative: taken from the project root, paths.root_dir
    result = run("make",
        "sweep-workers", "n=2", *workers.search(storage, 3, sweeper=None),
        f"paths.root_dir={tmp_path}", f"hydra.sweep.dir={tmp_path / 'sweep'}",
    )  # fmt: skip
    assert result.returncode == 0, output(result)[-4000:]
    assert "Traceback" not in output(result)
    journal = tmp_path / "studies" / "par.journal"
    assert journal.is_file() and not (ROOT / storage).exists()
    study = workers.load(str(journal))
    workers.assert_complete(study, 3)
    # each worker in a sweep folder of its own, each trial in one job folder of one worker
    table = pd.read_csv(tmp_path / "logs" / "studies" / workers.study_name / "study_summary.csv")
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
        (
            ["n=2", "hparams_search=digits_mlp_optuna", "hydra/sweeper=optuna"],
            "make sweep-workers runs workers of hydra/sweeper=optuna_workers, which share a "
            "study; hydra/sweeper=optuna does not: leave it out",
        ),
        # these two compose the config first (a second or more each): slow
        pytest.param(
            ["n=2", "optimizer.lr=0.1"],
            "make sweep-workers runs workers of one Optuna study: give a search",
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
def test_an_unreachable_storage_is_one_message(tmp_path, workers):
    storage = "postgresql://me:secret@127.0.0.1:1/none"
    result = run(
        "-m",
        "dlkit.cli.train",
        *workers.search(storage, 1),
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


def _storage(tmp_path, kind: str, request) -> str:
    if kind == "postgresql":
        return request.getfixturevalue("postgres_url")
    return {"journal": str(tmp_path / "o.journal"), "sqlite": f"sqlite:///{tmp_path}/o.db"}[kind]


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "n"), [("journal", 4), ("postgresql", 4), ("sqlite", 3)])
def test_workers_started_together_reach_exactly_n_trials(tmp_path, request, workers, kind, n):
    storage = _storage(tmp_path, kind, request)
    started = workers.run(n, workers.search(storage, 6))
    workers.assert_clean(started)
    study = workers.load(storage)
    workers.assert_complete(study, 6)
    assert len({t.user_attrs["sweeper_pid"] for t in study.trials}) > 1  # they shared the work
    # the study summary sees every trial, whichever worker ran it
    result = run(
        "make",
        "sweep-summary",
        f"study_name={workers.study_name}",
        f"storage={storage}",
        *folders(tmp_path),
    )
    assert result.returncode == 0, output(result)[-3000:]
    folder = tmp_path / "logs" / "studies" / workers.study_name
    table = pd.read_csv(folder / "study_summary.csv")
    assert list(table["trial"]) == list(range(6))
    assert set(table["worker"]) == {
        f"{t.user_attrs['sweeper_host']}/{t.user_attrs['sweeper_pid']}" for t in study.trials
    }
    assert set(table["status"]) <= {"completed", "pruned"}
    for name in ("study_summary", "param_importances", "parallel_coordinate", "timeline"):
        assert (folder / f"{name}.png").read_bytes()[:8] == PNG_MAGIC


# what the workers' sweeper does when it opens a study (the core's OptunaSweeper._search)
RACE = """
import sys, time
import optuna
from dlkit_sweep_workers.storage import open_storage
storage, start = sys.argv[1], float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
optuna.create_study(
    storage=open_storage(storage, 10, 60), study_name="race", direction="maximize",
    load_if_exists=True,
)
"""


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["journal", "sqlite", "postgresql"])
def test_processes_creating_one_study_at_the_same_moment_all_succeed(
    tmp_path, request, workers, kind
):
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
    assert len(workers.load(storage, "race").trials) == 0
