"""Launchers: joblib runs sweep jobs in parallel here; the SLURM config composes into a valid
sbatch script (there is no cluster here: submitit writes the script, nothing is submitted)."""

import os
import stat

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import OmegaConf

from tests.helpers import CONFIG_DIR, TINY, folders, output, read_summary, run


@pytest.mark.slow  # two worker processes that each import torch: slow on a shared 2-core machine
def test_joblib_runs_two_jobs_in_parallel(tmp_path):
    sweep_dir = tmp_path / "sweep"
    result = run("-m", "dlkit.cli.train",
        *TINY, *folders(tmp_path), "optimizer.lr=0.01,0.02", "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={sweep_dir}", "--multirun",
    )  # fmt: skip
    assert result.returncode == 0, output(result)[-3000:]
    assert "Joblib.Parallel(n_jobs=2" in output(result)  # both jobs at once, in 2 processes
    assert "is launching 2 jobs" in output(result)
    for job in ("0", "1"):
        assert read_summary(sweep_dir / job)["status"] == "completed"
    assert "2 completed" in output(result)  # the sweep summary saw both


def _compose_with_hydra(*overrides: str):
    """The `train` config with its `hydra` node, as a sweeper or launcher sees it."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", overrides=list(overrides), return_hydra_config=True)
    HydraConfig.instance().set_config(cfg)
    return cfg


def test_slurm_launcher_composes_into_an_sbatch_script(tmp_path, monkeypatch):
    submitit = pytest.importorskip("submitit")
    from hydra_plugins.hydra_submitit_launcher.config import BaseQueueConf

    # submitit looks for `srun` before it writes anything
    fake_srun = tmp_path / "bin" / "srun"
    fake_srun.parent.mkdir()
    fake_srun.write_text("#!/bin/sh\n")
    fake_srun.chmod(fake_srun.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake_srun.parent}{os.pathsep}{os.environ['PATH']}")

    cfg = _compose_with_hydra(
        "hydra/launcher=slurm",
        "trainer=ddp", "trainer.devices=4", "trainer.num_nodes=2", "hydra.launcher.partition=gpu",
        "hydra.launcher.gpus_per_node=4", "hydra.launcher.tasks_per_node=4",
        "hydra.launcher.nodes=2", "hydra.launcher.timeout_min=60",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
    )  # fmt: skip
    assert cfg.hydra.launcher._target_.endswith("SlurmLauncher")
    params = OmegaConf.to_container(cfg.hydra.launcher, resolve=True)
    # the same translation the submitit launcher makes before it submits
    executor = submitit.AutoExecutor(
        cluster="slurm",
        folder=params.pop("submitit_folder"),
        slurm_max_num_timeout=params.pop("max_num_timeout"),
    )
    params.pop("_target_")
    base = set(OmegaConf.structured(BaseQueueConf).keys())
    executor.update_parameters(**{k if k in base else f"slurm_{k}": v for k, v in params.items()})
    script = executor._executor._make_submission_file_text("python -m dlkit.cli.train", "0")
    for line in (
        "#SBATCH --partition=gpu",
        "#SBATCH --nodes=2",
        "#SBATCH --ntasks-per-node=4",
        "#SBATCH --gpus-per-node=4",
        "#SBATCH --time=60",
        "#SBATCH --signal=USR2@120",
    ):
        assert line in script
    assert cfg.trainer.strategy == "ddp" and cfg.trainer.num_nodes == 2


def test_bf16_mixed_precision_trains_under_autocast_on_the_cpu(compose_train):
    from dlkit.training.run import train
    from tests.models.probes import AutocastProbe

    probe = f"+callbacks.probe._target_={AutocastProbe.__module__}.AutocastProbe"
    cfg = compose_train("debug=fdr", "trainer=cpu", "trainer.precision=bf16-mixed", probe)
    train(cfg)
    assert read_summary(cfg)["status"] == "completed"
    assert AutocastProbe.seen == [(True, torch.bfloat16)]  # fast_dev_run: one training step


@pytest.mark.parametrize("trainer", ["cpu", "gpu", "mps", "ddp", "ddp_cpu"])
@pytest.mark.parametrize("precision", ["32", "16-mixed", "bf16-mixed"])
def test_trainer_options_compose(compose_train, trainer, precision):
    cfg = compose_train(f"trainer={trainer}", f"trainer.precision={precision}")
    assert cfg.trainer.accelerator == {"ddp": "gpu", "ddp_cpu": "cpu"}.get(trainer, trainer)
    assert str(cfg.trainer.precision) == precision
    if trainer.startswith("ddp"):
        assert cfg.trainer.strategy == "ddp" and cfg.trainer.num_nodes == 1
