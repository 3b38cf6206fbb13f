"""One GPU per parallel job: the assignment, checked on CPU (CUDA_VISIBLE_DEVICES is only a name
until a process uses CUDA, so the same code runs here as on a machine with GPUs)."""

import re
import subprocess
import sys

import pytest

from dlkit_sweep_workers.devices import share_devices, visible_devices
from tests.helpers import TINY, clean_environment, compose_config, folders, output, run


@pytest.mark.parametrize(
    ("devices", "n", "expected"),
    [
        (["0", "1", "2", "3"], 4, [["0"], ["1"], ["2"], ["3"]]),
        (["0", "1", "2", "3"], 2, [["0", "2"], ["1", "3"]]),  # two each: joblib or DDP inside
        (["0", "1"], 4, [["0"], ["1"], ["0"], ["1"]]),  # more workers: round-robin
        ([], 3, [[], [], []]),  # no GPU: nothing set
    ],
)
def test_workers_share_the_devices_round_robin(devices, n, expected):
    assert share_devices(devices, n) == expected


@pytest.mark.parametrize(
    ("variable", "expected"),
    [("0,1", ["0", "1"]), ("2, 3", ["2", "3"]), ("1,-1,2", ["1"]), ("", []), ("-1", [])],
)
def test_the_visible_devices_are_those_cuda_visible_devices_names(monkeypatch, variable, expected):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", variable)
    assert visible_devices() == expected


CLAIM = """
import sys
from pathlib import Path
from dlkit_sweep_workers.devices import claim_device
print(claim_device(["0", "1", "2"], int(sys.argv[2]), Path(sys.argv[1])), flush=True)
sys.stdin.read()  # holds its device until the test lets it go
"""


def test_processes_running_at_once_claim_distinct_devices(tmp_path):
    def claimant(preferred: int) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-c", CLAIM, str(tmp_path / "locks"), str(preferred)],
            env=clean_environment(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    holders = []
    try:
        claimed = []
        for preferred in (1, 1, 1):  # all prefer GPU 1: the second and third move on
            holders.append(claimant(preferred))
            claimed.append(holders[-1].stdout.readline().strip())
        assert claimed == ["1", "2", "0"]
        holders.append(claimant(2))  # a fourth while three hold every device: it shares
        assert holders[-1].stdout.readline().strip() == "2"
    finally:
        errors = [holder.communicate(timeout=60)[1] for holder in holders]
    assert "more jobs run at once than there are GPUs (3): this one shares GPU 2" in errors[-1]
    assert not any(errors[:-1])


def test_joblib_gpus_is_the_joblib_launcher_with_shared_devices(tmp_path):
    from hydra.core.hydra_config import HydraConfig

    compose_config("train", ["hydra/launcher=joblib_gpus", "hydra.launcher.n_jobs=3"], tmp_path,
                   tmp_path)  # fmt: skip
    hydra = HydraConfig.get()
    assert hydra.launcher._target_.endswith("JoblibLauncher") and hydra.launcher.n_jobs == 3
    assert hydra.callbacks.share_devices._target_ == "dlkit_sweep_workers.devices.ShareDevices"
    assert "sweep_summary" in hydra.callbacks  # the core's callbacks stay


@pytest.mark.slow
def test_parallel_joblib_jobs_train_on_a_gpu_each(tmp_path):
    sweep_dir = tmp_path / "sweep"
    result = run("-m", "dlkit.cli.train",
        *TINY, *folders(tmp_path), "data.batch_size=16,32,48,64", "hydra/launcher=joblib_gpus",
        "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={sweep_dir}", "--multirun",
        env={"CUDA_VISIBLE_DEVICES": "0,1"},
    )  # fmt: skip
    assert result.returncode == 0, output(result)[-3000:]
    assert "jobs in parallel get a GPU each, of 0, 1" in output(result)
    gpu_of_process = {}
    for job in range(4):
        log = (sweep_dir / str(job) / "train.log").read_text()
        process, gpu = re.search(r"this job \(process (\d+)\) trains on GPU (\d)", log).groups()
        assert gpu_of_process.setdefault(process, gpu) == gpu  # a process keeps its GPU
    # the two processes of the pool, each on a GPU of its own
    assert sorted(gpu_of_process.values()) == ["0", "1"]


def test_workers_share_the_cpu_cores(monkeypatch):
    from dlkit_sweep_workers.workers import cpu_share

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 16)
    assert cpu_share(4) == {"OMP_NUM_THREADS": "4"}
    assert cpu_share(32) == {"OMP_NUM_THREADS": "1"}
    monkeypatch.setenv("OMP_NUM_THREADS", "2")  # the user's own choice stands
    assert cpu_share(4) == {}
