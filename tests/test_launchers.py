"""Launchers: joblib runs sweep jobs in parallel here."""

import pytest
import torch

from tests.helpers import TINY, folders, output, read_summary, run


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
