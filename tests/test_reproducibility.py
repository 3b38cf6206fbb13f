"""The same seed and config give identical metrics on CPU; another seed gives other ones."""

from pathlib import Path

from dlkit.training.run import train
from tests.helpers import FEW_BATCHES, read_summary

QUICK = (
    "trainer.max_epochs=1",
    *FEW_BATCHES,
    "callbacks.reports=null",  # pictures take longer than this training
)


def _metrics(compose_train, tmp_path, name: str, *overrides: str) -> dict:
    cfg = compose_train(*QUICK, *overrides)
    cfg.paths.output_dir = str(tmp_path / name)
    train(cfg)
    run = read_summary(Path(cfg.paths.output_dir))
    return {"val": run["val"], "test": run["test"]}


def test_same_seed_same_metrics_other_seed_other_metrics(compose_train, tmp_path):
    first = _metrics(compose_train, tmp_path, "first", "seed=7")
    again = _metrics(compose_train, tmp_path, "again", "seed=7")
    other = _metrics(compose_train, tmp_path, "other", "seed=8")
    assert first == again  # equality, not closeness
    assert first["test"] != other["test"] and first["val"] != other["val"]
