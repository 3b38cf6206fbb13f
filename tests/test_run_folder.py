"""summary.json is written atomically, says `completed` only at the very end, and runs started
at the same moment never share a folder."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf

from dlkit.callbacks.report_writer import ReportWriter
from dlkit.runs import folder as run_folder
from dlkit.runs.folder_lock import hold
from dlkit.runs.summary import RunSummary
from dlkit.training.run import train
from tests.helpers import CONFIG_DIR, ROOT, STOPPABLE, clean_environment, read_summary, run, start


def test_summary_is_replaced_whole_or_not_at_all(tmp_path, monkeypatch):
    run = RunSummary(tmp_path, seed=1)
    assert read_summary(tmp_path)["status"] == "running"  # from the very start

    def dump_half(data, file, **kwargs):
        file.write('{"status": "compl')
        raise OSError("disk full")

    monkeypatch.setattr(run_folder.json, "dump", dump_half)
    with pytest.raises(OSError, match="disk full"):
        run.finish("completed")
    assert read_summary(tmp_path) == {"status": "running", "seed": 1}  # the old file, intact
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]  # no temporary file left


def test_a_run_whose_reports_fail_does_not_say_completed(compose_train, monkeypatch):
    def broken(self, trainer, pl_module):
        raise RuntimeError("no space left for the confusion matrix")

    monkeypatch.setattr(ReportWriter, "on_test_end", broken)
    cfg = compose_train("debug=fdr")
    with pytest.raises(RuntimeError, match="confusion matrix"):
        train(cfg)
    assert read_summary(Path(cfg.paths.output_dir))["status"] == "failed"


def _folder(key: str) -> str:
    """The run (or sweep) folder a fresh composition of `train` would use."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", return_hydra_config=True)
    return OmegaConf.select(cfg, key)


@pytest.mark.parametrize("key", ["hydra.run.dir", "hydra.sweep.dir"])
def test_runs_composed_in_the_same_second_get_their_own_folders(key):
    folders = {_folder(key) for _ in range(3)}
    assert len(folders) == 3, folders


@pytest.mark.slow
def test_two_sweeps_started_together_never_share_a_folder(tmp_path):
    # the folder's time part is only the date here: both sweeps certainly start "at once"
    command = [
        sys.executable,
        "-m",
        "dlkit.cli.train",
        "--multirun",
        "debug=fdr",
        "callbacks.rich_progress_bar=null",
        "extras.print_config=false",
        "seed=1,2",
        f"paths.log_dir={tmp_path / 'logs'}",
        f"paths.data_dir={tmp_path / 'data'}",
        "hydra.sweep.dir=${paths.log_dir}/multiruns/${now:%Y-%m-%d}_${unique:}",
    ]
    sweeps = [
        subprocess.Popen(
            command, cwd=ROOT, env=clean_environment(), stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    for sweep in sweeps:
        assert sweep.wait(timeout=600) == 0, sweep.stderr.read()[-3000:]
    summaries = sorted((tmp_path / "logs" / "multiruns").glob("*/*/summary.json"))
    assert len(summaries) == 4  # two sweeps x two jobs, each in its own folder
    seeds = sorted(json.loads(p.read_text())["seed"] for p in summaries)
    assert seeds == [1, 1, 2, 2]
    assert all(json.loads(p.read_text())["status"] == "completed" for p in summaries)


def test_a_second_run_in_a_folder_in_use_stops(tmp_path):
    """`hydra.run.dir=X` twice at once: the second stops before writing anything into X."""
    first = start(
        "-m", "dlkit.cli.train", *STOPPABLE, "trainer.max_epochs=50", f"hydra.run.dir={tmp_path}"
    )
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / ".run.lock").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = run("-m", "dlkit.cli.train", *STOPPABLE, f"hydra.run.dir={tmp_path}", timeout=120)
        assert second.returncode == 2, second.stdout[-2000:] + second.stderr[-2000:]
        assert "is in use by a live run" in second.stderr and "Traceback" not in second.stderr
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    (tmp_path / ".run.lock").write_text(f"{socket.gethostname()} {dead.stdout.strip()}\n")
    hold(tmp_path)
    assert (tmp_path / ".run.lock").read_text().split() == [socket.gethostname(), str(os.getpid())]


_HOLD_AT = """
import os, sys, time
from pathlib import Path
from dlkit.errors import ConfigError
from dlkit.runs.folder_lock import hold
real_open = os.open
def slow_open(*args, **kwargs):  # each open takes a while, as on a network file system
    time.sleep(0.2)
    return real_open(*args, **kwargs)
os.open = slow_open
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # all start at the same instant
try:
    hold(Path(sys.argv[1]))
    print("held", flush=True)
except ConfigError as error:
    print(error, flush=True)
sys.stdin.read()  # the winner holds on until every racer has tried
"""


def test_of_runs_racing_for_a_folder_with_a_stale_lock_exactly_one_gets_it(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], text=True,
                          capture_output=True)  # fmt: skip
    (tmp_path / ".run.lock").write_text(f"{socket.gethostname()} {dead.stdout.strip()}\n")
    at = time.time() + 2.5  # after every interpreter has started (a late one only waits less)
    racers = [
        subprocess.Popen([sys.executable, "-c", _HOLD_AT, str(tmp_path), str(at)], cwd=ROOT,
                         env=clean_environment(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
        for _ in range(4)
    ]  # fmt: skip
    said = [racer.stdout.readline() for racer in racers]  # each one's outcome
    for racer in racers:
        racer.communicate(timeout=60)  # then all end
    assert sorted(s.split()[0] for s in said).count("held") == 1, said
    refused = [s for s in said if not s.startswith("held")]
    assert all("is in use by a live run (process " in s for s in refused), said
    assert not (tmp_path / ".run.lock").exists()  # the winner removed it on its way out


def _wait_for_a_new_checkpoint(process: subprocess.Popen, checkpoints: Path) -> None:
    def written() -> dict:
        return {p: p.stat().st_mtime_ns for p in checkpoints.glob("*.ckpt")}

    before, deadline = written(), time.monotonic() + 300
    while written() == before or not (checkpoints / "last.ckpt").exists():
        assert process.poll() is None, process.stdout.read()[-3000:]
        assert time.monotonic() < deadline, "no new checkpoint within 300 s"
        time.sleep(0.05)


@pytest.mark.slow  # five short runs, each killed
def test_a_run_killed_with_sigkill_resumes_at_once_every_time(tmp_path):
    """`kill -9`, then at once `make train resume=…` (a requeued job): the folder is free,
    though the killed process is not reaped yet (a zombie still answers kill(pid, 0))."""
    run_dir = tmp_path / "run"
    process = start("-m", "dlkit.cli.train", *STOPPABLE, "trainer.max_epochs=40",
                    "callbacks.reports=null", f"hydra.run.dir={run_dir}")  # fmt: skip
    killed = None
    for _ in range(4):
        _wait_for_a_new_checkpoint(process, run_dir / "checkpoints")
        if killed is not None:
            killed.communicate()  # reaped only once its successor trains
        os.killpg(process.pid, signal.SIGKILL)
        killed, process = process, start("-m", "dlkit.cli.train", f"resume={run_dir}")
    _wait_for_a_new_checkpoint(process, run_dir / "checkpoints")  # the fourth resume trains
    os.killpg(process.pid, signal.SIGKILL)
    for done in (killed, process):
        done.communicate()
