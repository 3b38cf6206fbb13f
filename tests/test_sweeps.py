"""Sweeps: the grid sweeper, the Optuna sweeper (resume, pruning) and the sweep summary."""

from pathlib import Path

import optuna
import pandas as pd
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState

from hydra_plugins.dlkit_sweepers.search_space import distribution
from tests.helpers import (
    SHORT,
    TINY,
    compose_with_hydra,
    folders,
    output,
    read_summary,
    run,
    run_module,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _summary_csv(sweep_dir: Path) -> pd.DataFrame:
    assert (sweep_dir / "sweep_summary.png").read_bytes()[:8] == PNG_MAGIC
    return pd.read_csv(sweep_dir / "sweep_summary.csv")


@pytest.mark.slow  # 7 s; a sweep whose every job fails stays in the fast suite
def test_grid_sweep_records_a_failing_job_and_goes_on(tmp_path):
    """A job that fails while training (its config was sound: it diverged) is recorded."""
    sweep_dir = tmp_path / "sweep"
    result = run("-m", "dlkit.cli.train",
        *TINY, *folders(tmp_path), "scheduler=none", "optimizer.lr=1e6,1e-3",
        f"hydra.sweep.dir={sweep_dir}", "--multirun",
    )  # fmt: skip
    assert result.returncode == 0, output(result)[-3000:]
    table = _summary_csv(sweep_dir)
    assert list(table["job"]) == [0, 1]
    assert list(table["status"]) == ["failed", "completed"]
    assert "diverged" in table["error"][0]
    assert table["metric"][1] == "val/acc" and 0 < table["value"][1] <= 1
    assert list(table["optimizer.lr"]) == [1e6, 1e-3]
    assert read_summary(sweep_dir / "1")["status"] == "completed"
    assert f"best job 1: val/acc={table['value'][1]:.6g}" in output(result)


def test_a_grid_sweep_whose_every_job_fails_exits_with_an_error(tmp_path):
    sweep_dir = tmp_path / "sweep"
    result = run("-m", "dlkit.cli.train",
        *TINY, *folders(tmp_path), "scheduler=none", "optimizer.lr=1e6,1e7",
        f"hydra.sweep.dir={sweep_dir}", "--multirun",
    )  # fmt: skip
    assert result.returncode == 1, output(result)[-3000:]
    assert "every job of the sweep failed (2)" in output(result)
    assert list(_summary_csv(sweep_dir)["status"]) == ["failed", "failed"]


def test_a_grid_sweep_checks_every_job_before_the_first_starts(tmp_path, capsys):
    """`make sweep optimizer.lr=1e-3,abc`: nothing trains, one message names each bad job, by
    its values (the config's rules) or its classes (a data/model pair that does not fit)."""
    sweep_dir = tmp_path / "sweep"
    code = run_module("dlkit.cli.train", "--multirun",
        *SHORT, *folders(tmp_path), "data=wine", "optimizer.lr=1e-3,abc", "model=mlp,gru",
        f"hydra.sweep.dir={sweep_dir}",
    )  # fmt: skip
    text = "".join(capsys.readouterr())
    assert code == 2, text[-3000:]
    assert "3 of the sweep's 4 jobs would be refused; no job has started" in text
    assert "job 1 (optimizer.lr=0.001 model=gru): RecurrentNet takes sequence data" in text
    assert "job 2 (optimizer.lr=abc model=mlp): invalid configuration: optimizer.lr must be" in text
    assert "Traceback" not in text
    assert not list(sweep_dir.glob("*/summary.json"))  # the good job did not run either


def test_a_complete_study_says_so_and_runs_nothing(tmp_path):
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    study = optuna.create_study(study_name="done", storage=storage, direction="maximize")
    study.add_trial(
        optuna.trial.create_trial(
            params={"optimizer.lr": 0.01},
            distributions={"optimizer.lr": FloatDistribution(1e-4, 1e-1, log=True)},
            value=0.9,
        )
    )
    result = _optuna(
        tmp_path,
        "sweep",
        "hydra.sweeper.study_name=done",
        f"hydra.sweeper.storage={storage}",
        "hydra.sweeper.n_trials=1",
    )
    assert result.returncode == 0, output(result)[-3000:]
    assert "study 'done' is complete: 1 finished trials, hydra.sweeper.n_trials=1" in output(result)
    assert "hydra.sweeper.n_trials=2" in output(result)  # how to search further
    assert not (tmp_path / "sweep").exists(), list((tmp_path / "sweep").rglob("*"))


def _default_study(tmp_path: Path) -> optuna.Study:
    """The study `hparams_search=digits_cnn_optuna` keeps in its default storage."""
    from dlkit.sweeps.storage import open_storage

    storage = open_storage(str(tmp_path / "logs" / "optuna.journal"))
    return optuna.load_study(study_name="digits_cnn", storage=storage)


def _optuna(tmp_path: Path, sweep: str, *overrides: str):
    return run(
        "-m",
        "dlkit.cli.train",
        *SHORT,
        *folders(tmp_path),
        "hparams_search=digits_cnn_optuna",
        f"hydra.sweep.dir={tmp_path / sweep}",
        *overrides,
        "--multirun",
    )


def test_optuna_search_prunes_and_resumes_its_study(tmp_path, capsys):
    """`make sweep hparams_search=digits_cnn_optuna` with a pruner that prunes, run twice."""

    def sweep(folder: str, n_trials: int) -> optuna.Study:
        code = run_module(
            "dlkit.cli.train", "--multirun", *SHORT, *folders(tmp_path),
            "hparams_search=digits_cnn_optuna", "model.net.channels=[16,32]",
            "callbacks.reports=null",
            f"hydra.sweep.dir={tmp_path / folder}", f"hydra.sweeper.n_trials={n_trials}",
            # a validation accuracy below 0.3 after an epoch is hopeless (chance is 0.1)
            "hydra.sweeper.pruner=null",  # null first: replace the config, do not merge into it
            "hydra.sweeper.pruner={_target_: optuna.pruners.ThresholdPruner, lower: 0.3}",
            "hydra.sweeper.params=null",
            "hydra.sweeper.params={optimizer.lr: 'choice(0.01, 1e-9)'}",
        )  # fmt: skip
        assert code == 0, capsys.readouterr().out[-3000:]
        return _default_study(tmp_path)  # the default storage: a journal under paths.log_dir

    study = sweep("first", n_trials=2)
    trials = {t.params["optimizer.lr"]: t for t in study.trials}
    assert set(trials) == {0.01, 1e-9}, "the seeded sampler (seed 42) draws each rate once"
    hopeless, good = trials[1e-9], trials[0.01]
    assert hopeless.state == TrialState.PRUNED
    assert list(hopeless.intermediate_values) == [0]  # stopped after the first epoch
    assert good.state == TrialState.COMPLETE and len(good.intermediate_values) == 2
    table = _summary_csv(tmp_path / "first").set_index("trial")
    assert table.loc[hopeless.number, "status"] == "pruned"
    assert read_summary(tmp_path / "first" / str(hopeless.number))["status"] == "pruned"
    assert table.loc[good.number, "status"] == "completed"
    # the value the study holds is the job's validation score
    summary = read_summary(tmp_path / "first" / str(good.number))
    assert good.value == pytest.approx(summary["optimized_metric"]["value"])
    assert f"trial {hopeless.number} pruned" in capsys.readouterr().out

    # the same command with a larger total: the study continues, its trial numbers go on
    study = sweep("again", n_trials=3)
    assert [t.number for t in study.trials] == [0, 1, 2]
    assert "2 trials so far" in capsys.readouterr().out
    assert list(_summary_csv(tmp_path / "again")["job"]) == [2]
    assert study.trials[2].state in (TrialState.COMPLETE, TrialState.PRUNED)
    assert read_summary(tmp_path / "again" / "2")["status"] in ("completed", "pruned")


@pytest.mark.parametrize(
    ("search", "data"),
    [
        ("digits_cnn_optuna", "DigitsDataModule"),
        ("digits_mlp_optuna", "DigitsDataModule"),
        ("mnist1d_cnn_optuna", "MNIST1DDataModule"),
    ],
)
def test_ready_searches_compose_with_a_valid_space(search, data):
    from hydra_plugins.dlkit_sweepers.search_space import params_as_overrides, parse_overrides

    cfg = compose_with_hydra(f"hparams_search={search}")
    sweeper = cfg.hydra.sweeper
    assert sweeper._target_.endswith("OptunaSweeper") and cfg.data._target_.endswith(data)
    assert sweeper.storage.endswith("/logs/optuna.journal")  # many workers on this machine
    assert sweeper.sampler.seed == cfg.seed
    space = {
        o.get_key_element(): distribution(o)
        for o in parse_overrides(params_as_overrides(sweeper.params))
    }
    assert {"optimizer", "optimizer.lr", "optimizer.weight_decay", "model.net.dropout"} <= set(
        space
    )
    assert space["optimizer.lr"].log
    assert cfg.callbacks.optuna_pruning.monitor == "val/acc"


@pytest.mark.slow
def test_mnist1d_search_runs_a_trial(tmp_path):
    result = run("-m", "dlkit.cli.train",
        *SHORT, *folders(tmp_path), "hparams_search=mnist1d_cnn_optuna", "hydra.sweeper.n_trials=1",
        f"hydra.sweep.dir={tmp_path / 'sweep'}", "--multirun",
    )  # fmt: skip
    assert result.returncode == 0, output(result)[-3000:]
    assert list(_summary_csv(tmp_path / "sweep")["status"]) == ["completed"]


def test_trials_a_stopped_sweep_left_running_are_failed_when_it_resumes(tmp_path, capsys):
    """One sweep works on a study at a time: a trial still running when the same search starts
    again belongs to a sweep that died, and is failed (its job left no result)."""
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    study = optuna.create_study(study_name="digits_cnn", storage=storage, direction="maximize")
    study.ask({"optimizer.lr": optuna.distributions.FloatDistribution(1e-4, 1e-1, log=True)})
    code = run_module(
        "dlkit.cli.train", "--multirun", *SHORT, *folders(tmp_path),
        "hparams_search=digits_cnn_optuna", f"hydra.sweeper.storage={storage}",
        "hydra.sweeper.n_trials=2", "hydra.sweeper.params=null",
        "hydra.sweeper.params={optimizer.lr: 'tag(log, interval(1e-4, 1e-1))'}",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
    )  # fmt: skip
    assert code == 0, capsys.readouterr().out[-3000:]
    trials = optuna.load_study(study_name="digits_cnn", storage=storage).trials
    assert [t.state for t in trials] == [TrialState.FAIL, TrialState.COMPLETE]
    assert "trial 0 was left running by a stopped sweep: failed" in capsys.readouterr().out


def test_parallel_trials_with_joblib_prune_through_the_storage(tmp_path):
    result = _optuna(
        tmp_path,
        "sweep",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        "hydra.sweeper.n_jobs=2",
        "hydra.sweeper.n_trials=2",
    )
    assert result.returncode == 0, output(result)[-3000:]
    study = _default_study(tmp_path)
    assert {t.state for t in study.trials} == {TrialState.COMPLETE}
    # each job, in its own process, reported its epochs to its own trial
    assert [len(t.intermediate_values) for t in study.trials] == [2, 2]
    assert "Joblib.Parallel(n_jobs=2" in output(result)


def test_jobs_are_labelled_by_the_overrides_that_tell_them_apart():
    from dlkit.sweeps.summary import _distinct_overrides

    rows = [
        {"job": 0, "overrides": "trainer.max_epochs=2 paths.log_dir=/x optimizer.lr=0.1"},
        {"job": 1, "overrides": "trainer.max_epochs=2 paths.log_dir=/x optimizer.lr=0.01"},
    ]
    assert _distinct_overrides(rows) == {0: "optimizer.lr=0.1", 1: "optimizer.lr=0.01"}
    assert _distinct_overrides(rows[:1]) == {0: rows[0]["overrides"]}  # one job: all of them
