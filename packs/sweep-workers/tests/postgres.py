"""A PostgreSQL server of the tests' own: a new cluster in a temporary folder, on a free port.

The server binaries come from the machine (Debian's `postgresql` package puts them in
/usr/lib/postgresql/<version>/bin); on a clean machine where the tests run as root, the package
is installed with apt-get first. Elsewhere the tests that need a server are skipped, saying why.
PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user the package
creates.
"""

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

DATABASE = "optuna"
START_TIMEOUT_S = 60


def _binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: the newest installed version, else PATH."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3])
    )
    if versions:
        return versions[-1].parent
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _install() -> str | None:
    """apt-get install postgresql, as root on Debian; the reason when it cannot."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "no PostgreSQL binaries (initdb, pg_ctl) here, and no root apt-get to install them"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql"],
    ):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            return f"`{' '.join(command)}` failed: {(done.stderr or done.stdout)[-500:]}"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """initdb -> pg_ctl start -> createdb; `stop()` stops the server and removes its folder."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.port = _free_port()
        # not under pytest's tmp_path: its parent folders are closed to the postgres user
        self.folder = Path(tempfile.mkdtemp(prefix="dlkit-postgres-"))
        self.data = self.folder / "data"
        self.as_user = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, user="postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, tool: str, *args: str) -> None:
        command = [*self.as_user, str(self.binaries / tool), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=START_TIMEOUT_S)
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
def postgres_url():
    """The URL of a fresh database on a server started for this test module."""
    binaries = _binaries()
    if binaries is None:
        reason = _install()
        binaries = _binaries()
        if binaries is None:
            pytest.skip(reason or "apt-get installed postgresql, but no pg_ctl was found")
    server = PostgresServer(binaries).start()
    try:
        yield server.url
    finally:
        server.stop()
