"""Fixtures of the sweep-workers tests: real workers on real storages.

`workers` starts `make sweep … hydra/sweeper=optuna_workers` workers as processes on one study
(the small digits MLP search, a few batches an epoch, each worker in a sweep folder of its own)
and reads the study they leave. `postgres_url` is a PostgreSQL server of the tests' own: a new
cluster in a temporary folder, on a free port, from the server binaries installed on this
machine (Debian's `postgresql` package puts them in /usr/lib/postgresql/<version>/bin); where
there are none, the tests that need one are skipped, saying why.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from dlkit_sweep_workers.storage import open_storage
from tests.helpers import ROOT, SHORT, clean_environment, folders

STUDY = "par"
DATABASE = "optuna"
POSTGRES_START_TIMEOUT_S = 60


class Worker:
    """One `python -m dlkit.cli.train --multirun …` (what `make sweep` runs), in its own session
    so that a signal reaches every process it started, its output in a file (several processes
    writing to pipes nobody reads would block)."""

    def __init__(self, tmp_path: Path, index: int, overrides: list[str]) -> None:
        self.sweep_dir = tmp_path / f"worker_{index}"
        self.log = tmp_path / f"worker_{index}.out"
        self.command = [
            sys.executable, "-m", "dlkit.cli.train", "--multirun", *overrides,
            f"hydra.sweep.dir={self.sweep_dir}",
        ]  # fmt: skip
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        with open(self.log, "a") as out:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=clean_environment(), stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        return self

    def wait(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"worker still running after {timeout} s:\n{self.output()}"
            ) from None

    def kill(self) -> None:
        """SIGKILL to the worker and every process it started: nothing of it says goodbye."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def job_started(self) -> bool:
        """Whether a job of this worker has started: Hydra has written its records (the last,
        overrides.yaml, after hydra.yaml), so a kill from now on leaves them whole."""
        return any(self.sweep_dir.glob("*/.hydra/overrides.yaml"))


class Workers:
    """The workers of one test, their search and the study they share (`workers` fixture)."""

    study_name = STUDY

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.started: list[Worker] = []

    def search(
        self, storage: str, n_trials: int, *extra: str, sweeper: str | None = "optuna_workers"
    ) -> list[str]:
        """The overrides every worker gets: one study, its data and logs under tmp_path;
        `sweeper=None` leaves the sweeper to the search config (`make sweep-workers` sets it)."""
        return [
            *SHORT,
            *folders(self.tmp_path),
            "hparams_search=digits_mlp_optuna",
            *([f"hydra/sweeper={sweeper}"] if sweeper else []),
            f"hydra.sweeper.study_name={STUDY}",
            f"hydra.sweeper.storage={storage}",
            f"hydra.sweeper.n_trials={n_trials}",
            *extra,
        ]

    def start(self, index: int, overrides: list[str]) -> Worker:
        worker = Worker(self.tmp_path, index, overrides).start()
        self.started.append(worker)
        return worker

    def run(self, n: int, overrides: list[str], timeout: float = 900) -> list[Worker]:
        """n workers started at the same moment; waits for all of them to succeed."""
        workers = [self.start(i, overrides) for i in range(n)]
        for worker in workers:
            assert worker.wait(timeout) == 0, worker.output()[-4000:]
        return workers

    def stop_all(self) -> None:
        for worker in self.started:
            worker.kill()

    @staticmethod
    def load(storage: str, study_name: str = STUDY) -> optuna.Study:
        """The study as the workers left it (through the same storage code they use)."""
        return optuna.load_study(study_name=study_name, storage=open_storage(storage, None, None))

    @staticmethod
    def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} did not happen within {timeout} s")
            time.sleep(0.2)

    @staticmethod
    def assert_complete(study: optuna.Study, n_trials: int) -> None:
        """Exactly n_trials trials, each run once and finished, none left running."""
        numbers = [t.number for t in study.trials]
        assert numbers == list(range(n_trials)), numbers
        assert sum(t.state.is_finished() for t in study.trials) == n_trials
        assert not study.get_trials(states=(TrialState.RUNNING, TrialState.WAITING))

    @staticmethod
    def assert_clean(workers: list[Worker]) -> None:
        for worker in workers:
            assert "Traceback" not in worker.output(), worker.output()[-4000:]


@pytest.fixture
def workers(tmp_path) -> Iterator[Workers]:
    """Workers on one study under tmp_path; any still running when the test ends are killed."""
    rig = Workers(tmp_path)
    try:
        yield rig
    finally:
        rig.stop_all()


# ---------------------------------------------------------------------------------- PostgreSQL
def _postgres_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: the newest installed version, else PATH."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3])
    )
    if versions:
        return versions[-1].parent
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """initdb -> pg_ctl start -> createdb; `stop()` stops the server and removes its folder.
    PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user that
    the package creates."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.port = _free_port()
        # not under pytest's tmp_path: its parent folders are closed to the postgres user
        self.folder = Path(tempfile.mkdtemp(prefix="dlkit-postgres-"))
        self.data = self.folder / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, user="postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, tool: str, *args: str) -> None:
        command = [*self.as_user, str(self.binaries / tool), *args]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=POSTGRES_START_TIMEOUT_S
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> "PostgresServer":
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log_file = str(self.folder / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log_file, "-w", "start")
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", DATABASE)
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """The URL of a fresh database on a server started for this test module."""
    binaries = _postgres_binaries()
    if binaries is None:
        pytest.skip(
            "no PostgreSQL server binaries (initdb, pg_ctl) on this machine: "
            "apt-get install postgresql to run the tests on a PostgreSQL study"
        )
    server = PostgresServer(binaries).start()
    try:
        yield server.url
    finally:
        server.stop()
