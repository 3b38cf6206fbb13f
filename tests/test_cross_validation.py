"""Cross-validation: `cv.folds=k` in one run, and one fold per job of a sweep, aggregated."""

import json
from collections import Counter
from pathlib import Path

import hydra
import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from dlkit.saved.evaluate import evaluate
from dlkit.training.run import train
from tests.helpers import compose_config, read_summary, run_module

FAST = ("data=wine", "model=mlp", "trainer.max_epochs=2")


def _rows(x: torch.Tensor) -> Counter:
    """Samples as a multiset (a data set may hold duplicate samples, so sets would not do)."""
    return Counter(row.numpy().tobytes() for row in x.reshape(len(x), -1))


def _fold_data(fold_dir: Path, fold: int | None = None):
    """The saved config of a fold's run, and its data parts (of another fold: `fold`)."""
    cfg = OmegaConf.load(fold_dir / "config.yaml")
    if fold is not None:
        cfg.data.fold = fold
    datamodule = hydra.utils.instantiate(cfg.data)
    datamodule.setup("fit")
    return cfg, {split: d.tensors[0] for split, d in datamodule.datasets.items()}


def test_three_folds_in_one_run(compose_train, tmp_path, data_dir):
    cfg = compose_train("cv.folds=3", *FAST)
    value = train(cfg)
    run_dir = Path(cfg.paths.output_dir)
    summary = read_summary(run_dir)

    assert summary["status"] == "completed" and summary["num_folds"] == 3
    folds = summary["folds"]
    assert [f["fold"] for f in folds] == [0, 1, 2]
    for fold in folds:  # each fold is a run of its own, with its own best checkpoint and reports
        fold_dir = run_dir / f"fold_{fold['fold']}"
        assert Path(fold["best_checkpoint"]).parent == fold_dir / "checkpoints"
        assert read_summary(fold_dir)["status"] == "completed"
        for picture in ("learning_curves.png", "confusion_matrix.png"):
            assert (fold_dir / picture).is_file()
    accs = [f["val"]["acc"] for f in folds]
    assert summary["cv"]["mean"]["val/acc"] == pytest.approx(np.mean(accs))
    assert summary["cv"]["std"]["val/acc"] == pytest.approx(np.std(accs))
    assert summary["cv"]["mean"]["test/acc"] == pytest.approx(
        np.mean([f["test"]["acc"] for f in folds])
    )
    assert summary["optimized_metric"] == {"name": "val/acc", "value": pytest.approx(np.mean(accs))}
    assert value == pytest.approx(np.mean(accs))

    # the folds' validation parts divide train+val exactly; the test split never moves
    splits = []
    for k in range(3):
        fold_cfg, data = _fold_data(run_dir / f"fold_{k}")
        assert (fold_cfg.data.num_folds, fold_cfg.data.fold) == (3, k)
        splits.append(data)
    train_val = _rows(torch.cat([splits[0]["train"], splits[0]["val"]]))
    assert sum((_rows(s["val"]) for s in splits), Counter()) == train_val
    for s in splits:
        assert _rows(torch.cat([s["train"], s["val"]])) == train_val
        assert torch.equal(s["test"], splits[0]["test"])

    # a fold's checkpoint evaluates with that fold's saved config (its split and scaling)
    eval_cfg = compose_config(
        "eval", [f"ckpt_path={folds[1]['best_checkpoint']}"], tmp_path / "eval", data_dir
    )
    evaluate(eval_cfg)
    assert read_summary(tmp_path / "eval")["test"] == pytest.approx(folds[1]["test"], abs=1e-6)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (("cv.folds=3", "cv.fold=3"), "cv.fold=3 is out of range for cv.folds=3"),
        (("cv.fold=1",), "add cv.folds=<k>"),
        (("cv.folds=0",), "cv.folds must be 1"),
        (("cv.folds=3", "ckpt_path=last.ckpt"), "resume the fold it belongs to alone"),
    ],
)
def test_bad_cv_settings_stop_before_training(compose_train, overrides, message):
    cfg = compose_train(*overrides)
    with pytest.raises(ValueError, match=message):
        train(cfg)
    assert not (Path(cfg.paths.output_dir) / "checkpoints").exists()


def test_one_fold_alone_validates_on_that_fold(compose_train):
    cfg = compose_train("cv.folds=3", "cv.fold=1", *FAST)
    train(cfg)
    run_dir = Path(cfg.paths.output_dir)
    summary = read_summary(run_dir)
    assert summary["status"] == "completed" and (summary["fold"], summary["num_folds"]) == (1, 3)
    assert not (run_dir / "fold_0").exists()  # this fold only, in the run folder itself
    saved, data = _fold_data(run_dir)
    assert (saved.data.num_folds, saved.data.fold) == (3, 1)
    # its validation part is the second third of train+val: disjoint from the other folds'
    others = [_fold_data(run_dir, fold=k)[1]["val"] for k in (0, 2)]
    assert all(not (_rows(data["val"]) & _rows(val)) for val in others)
    assert sum((_rows(v) for v in [data["val"], *others]), Counter()) == _rows(
        torch.cat([data["train"], data["val"]])
    )


@pytest.mark.slow  # 4 s; three folds in one run stay in the fast suite
def test_parallel_fold_sweep_aggregates_at_the_multirun_root(tmp_path, capsys):
    """`make sweep cv.folds=3 cv.fold=0,1,2`, through the entry point, in this process."""
    sweep_dir = tmp_path / "sweep"
    code = run_module(
        "dlkit.cli.train", "--multirun", "cv.folds=3", "cv.fold=0,1,2", *FAST,
        "callbacks.rich_progress_bar=null", "callbacks.reports=null", "extras.print_config=false",
        f"hydra.sweep.dir={sweep_dir}", f"paths.data_dir={tmp_path / 'data'}",
    )  # fmt: skip
    assert code == 0, capsys.readouterr().out[-3000:]
    jobs = [read_summary(sweep_dir / str(job)) for job in range(3)]
    assert sorted(job["fold"] for job in jobs) == [0, 1, 2]
    assert all(job["num_folds"] == 3 for job in jobs)

    aggregate = json.loads((sweep_dir / "cv_summary.json").read_text())
    (group,) = aggregate["groups"]
    assert [f["fold"] for f in group["folds"]] == [0, 1, 2]
    accs = [job["val"]["acc"] for job in sorted(jobs, key=lambda j: j["fold"])]
    assert [f["val"]["acc"] for f in group["folds"]] == accs
    assert group["cv"]["mean"]["val/acc"] == pytest.approx(np.mean(accs))
    assert group["cv"]["std"]["val/acc"] == pytest.approx(np.std(accs))
    assert "missing_folds" not in group
    assert "cross-validation, 3 folds" in capsys.readouterr().out
