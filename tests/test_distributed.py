"""Multi-process training: `trainer=ddp_cpu` (2 processes, gloo), DDP in sweeps, two nodes."""

import os
import socket
import subprocess
import sys

import hydra
import lightning.pytorch as L
import pytest

from dlkit.runs.distributed import _flags, is_global_zero_process
from dlkit.runs.summary import RunSummary
from dlkit.training.build import build_model
from tests.helpers import ROOT, TINY, folders, output, read_summary, run

# 271 validation and 271 test samples: an odd count, so a sampler that padded the evaluation
# splits to share them evenly across 2 ranks would count one sample twice
ODD_SPLITS = ("data.val_fraction=0.1505", "data.test_fraction=0.1505")


@pytest.mark.parametrize(
    ("env", "zero"),
    [
        ({}, True),
        ({"LOCAL_RANK": "0", "NODE_RANK": "0"}, True),
        ({"LOCAL_RANK": "1"}, False),
        ({"NODE_RANK": "1", "LOCAL_RANK": "0"}, False),
        ({"RANK": "3"}, False),
        ({"SLURM_PROCID": "1"}, False),
    ],
)
def test_rank_zero_from_the_environment(monkeypatch, tmp_path, env, zero):
    for name in ("RANK", "LOCAL_RANK", "NODE_RANK", "GROUP_RANK", "SLURM_PROCID"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert is_global_zero_process() is zero
    RunSummary(tmp_path, seed=1)
    assert (tmp_path / "summary.json").exists() is zero


def test_a_rank_reruns_hydra_flags_but_not_the_sweep():
    argv = ["-m", "model=mlp,cnn", "--config-name", "train", "-cd", "/x", "hydra/launcher=joblib"]
    assert _flags(argv) == ["--config-name", "train", "-cd", "/x"]


def _evaluate_in_one_process(compose_train, overrides, checkpoint: str) -> dict[str, float]:
    """Validation and test metrics of a checkpoint, computed by one process over whole splits."""
    cfg = compose_train(*overrides)
    datamodule = hydra.utils.instantiate(cfg.data)
    datamodule.prepare_data()
    datamodule.setup("fit")
    assert len(datamodule.datasets["test"]) % 2 == 1 and len(datamodule.datasets["val"]) % 2 == 1
    model = build_model(cfg, datamodule)
    trainer = L.Trainer(accelerator="cpu", devices=1, logger=False, enable_progress_bar=False)
    results = trainer.validate(model, datamodule=datamodule, ckpt_path=checkpoint, verbose=False)
    results += trainer.test(model, datamodule=datamodule, ckpt_path=checkpoint, verbose=False)
    return {k: float(v) for result in results for k, v in result.items()}


@pytest.mark.slow  # two gloo processes, ~15 s
def test_ddp_cpu_fit_and_test_match_one_process(tmp_path, compose_train):
    run_dir = tmp_path / "run"
    overrides = (
        *TINY,
        *ODD_SPLITS,
        "++trainer.limit_val_batches=1.0",
        "++trainer.limit_test_batches=1.0",
    )
    result = run(
        "-m",
        "dlkit.cli.train",
        *overrides,
        *folders(tmp_path),
        "trainer=ddp_cpu",
        f"hydra.run.dir={run_dir}",
    )
    assert result.returncode == 0, output(result)[-3000:]

    summary = read_summary(run_dir)
    assert summary["status"] == "completed"
    # the metrics gathered from both ranks equal one process's metrics over the whole splits
    expected = _evaluate_in_one_process(compose_train, overrides, summary["best_checkpoint"])
    for split in ("val", "test"):
        for name in ("acc", "loss", "f1"):
            assert summary[split][name] == pytest.approx(expected[f"{split}/{name}"], abs=1e-5)
    # the test set was evaluated once: one row of test metrics, written by rank 0 only
    metrics = (run_dir / "metrics.csv").read_text().splitlines()
    header = metrics[0].split(",")
    assert sum(row.split(",")[header.index("test/acc")] != "" for row in metrics[1:]) == 1
    assert sorted(p.name for p in run_dir.iterdir() if p.name.startswith(".")) == [".hydra"]
    assert (run_dir / "confusion_matrix.png").is_file()


@pytest.mark.slow
def test_ddp_inside_a_sweep_keeps_one_folder_per_job(tmp_path):
    sweep_dir = tmp_path / "sweep"
    result = run("-m", "dlkit.cli.train",
        *TINY, *folders(tmp_path), "trainer=ddp_cpu", "optimizer.lr=0.01,0.02",
        f"hydra.sweep.dir={sweep_dir}", "--multirun",
    )  # fmt: skip
    assert result.returncode == 0, output(result)[-3000:]
    jobs = sorted(p.name for p in sweep_dir.iterdir() if p.is_dir())
    assert jobs == ["0", "1"]  # no run folder or sweep of the second rank
    for job, lr in (("0", 0.01), ("1", 0.02)):
        assert read_summary(sweep_dir / job)["status"] == "completed"
        config = (sweep_dir / job / "config.yaml").read_text()
        assert f"lr: {lr}" in config
    assert not (tmp_path / "logs").exists() or not list((tmp_path / "logs").rglob("summary.json"))
    assert output(result).count("Launching 2 jobs locally") == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_two_nodes_simulated_with_torchrun(tmp_path):
    run_dir, port = tmp_path / "run", _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("RANK", "LOCAL_RANK", "NODE_RANK")},
        "PYTHONPATH": str(ROOT / "src"),
    }
    command = [
        *(sys.executable, "-m", "torch.distributed.run", "--nnodes=2", "--nproc_per_node=1"),
        *("--master_addr=127.0.0.1", f"--master_port={port}", "-m", "dlkit.cli.train"),
        *(*TINY, *ODD_SPLITS, *folders(tmp_path), f"hydra.run.dir={run_dir}"),
        *("trainer=ddp_cpu", "trainer.devices=1", "trainer.num_nodes=2"),
    ]
    nodes = [
        subprocess.Popen(
            [*command[:5], f"--node_rank={node}", *command[5:]],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for node in (0, 1)
    ]
    logs = [node.communicate(timeout=600)[0] for node in nodes]
    assert [node.returncode for node in nodes] == [0, 0], logs[0][-2000:] + logs[1][-2000:]
    summary = read_summary(run_dir)
    assert summary["status"] == "completed" and 0 <= summary["test"]["acc"] <= 1
    # one process per node, joined into one group of two
    assert "GLOBAL_RANK: 0, MEMBER: 1/2" in logs[0] and "GLOBAL_RANK: 1, MEMBER: 2/2" in logs[1]
    assert (run_dir / "config.yaml").is_file()
