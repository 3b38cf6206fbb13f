"""`hydra/launcher=slurm`: the config composes into a valid sbatch script (there is no cluster
here: submitit writes the script, nothing is submitted), and off a cluster the sweep stops at
once with one message."""

import os
import shutil
import stat
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf

from tests.helpers import CONFIG_DIR, TINY, output, run


def _compose_with_hydra(*overrides: str):
    """The `train` config with its `hydra` node, as a sweeper or launcher sees it."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose("train", overrides=list(overrides), return_hydra_config=True)


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
    assert cfg.hydra.callbacks.check_launcher._target_.endswith("CheckLauncher")
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


def test_the_slurm_launcher_without_slurm_stops_with_one_message(tmp_path):
    # the folders of PATH that hold no `srun`: this machine as if SLURM were not installed
    path = [d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "srun").exists()]
    assert shutil.which("srun", path=os.pathsep.join(path)) is None
    result = run(
        "-m", "dlkit.cli.train", "--multirun", "hydra/launcher=slurm", *TINY,
        f"hydra.sweep.dir={tmp_path}", env={"PATH": os.pathsep.join(path)},
    )  # fmt: skip
    text = output(result)
    assert result.returncode == 2, text[-3000:]
    assert "this machine has no `srun`: start the sweep on the cluster's login node" in text
    assert "Traceback" not in text
    assert not list(tmp_path.glob("*/.hydra")), "no job started"
