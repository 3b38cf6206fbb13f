"""`make sweep-summary`: one table and pictures over every trial of a study, whoever ran it."""

import optuna
import pandas as pd
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import TrialState, create_trial

from dlkit_sweep_workers.storage import open_storage
from dlkit_sweep_workers.study_folder import StudyFolder
from dlkit_sweep_workers.study_summary import write_study_summary
from tests.helpers import output, run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SPACE = {
    "optimizer.lr": FloatDistribution(1e-4, 1e-1, log=True),
    "optimizer": CategoricalDistribution(["adam", "sgd"]),
}


def _study(storage, states) -> optuna.Study:
    """A study of trials from two workers on two machines, as the sweeper records them."""
    study = optuna.create_study(study_name="s", storage=storage, direction="maximize")
    study.set_user_attr("optimized_metric", "val/acc")
    for number, state in enumerate(states):
        study.add_trial(
            create_trial(
                params={
                    "optimizer.lr": 10 ** -(1 + number % 3),
                    "optimizer": ("adam", "sgd")[number % 2],
                },
                distributions=SPACE,
                value=0.5 + number / 100 if state == TrialState.COMPLETE else None,
                state=state,
                user_attrs={
                    "sweeper_host": f"node{number % 2}",
                    "sweeper_pid": 100 + number % 2,
                    "folder": f"/runs/{number}",
                },
            )
        )
    return study


def test_the_study_summary_lists_every_trial_of_every_worker(tmp_path):
    states = [TrialState.COMPLETE] * 4 + [TrialState.PRUNED, TrialState.FAIL]
    study = _study(open_storage(str(tmp_path / "o.journal"), None, None), states)
    folder = StudyFolder.of_study(tmp_path / "logs", "s")
    write_study_summary(study, folder)
    table = pd.read_csv(folder.summary_csv)
    assert list(table["trial"]) == list(range(6))
    assert list(table["status"]) == ["completed"] * 4 + ["pruned", "failed"]
    assert set(table["worker"]) == {"node0/100", "node1/101"}
    assert list(table["folder"]) == [f"/runs/{n}" for n in range(6)]
    assert table["value"][3] == pytest.approx(0.53) and set(table["metric"]) == {"val/acc"}
    assert list(table["optimizer"]) == ["adam", "sgd"] * 3
    for path in (
        folder.summary_png,
        folder.importance_png,
        folder.parallel_coordinate_png,
        folder.timeline_png,
    ):
        assert path.read_bytes()[:8] == PNG_MAGIC


def test_the_optuna_plots_wait_for_enough_completed_trials(tmp_path):
    study = _study(None, [TrialState.COMPLETE, TrialState.FAIL])
    folder = StudyFolder.of_study(tmp_path, "s")
    write_study_summary(study, folder)
    assert folder.summary_csv.is_file() and folder.summary_png.is_file()
    assert not folder.importance_png.exists() and not folder.parallel_coordinate_png.exists()


def test_a_study_that_is_not_there_is_named_with_those_that_are(tmp_path):
    journal = tmp_path / "o.journal"
    optuna.create_study(study_name="there", storage=open_storage(str(journal), None, None))
    result = run("make", "sweep-summary", "study_name=missing", f"storage={journal}")
    assert result.returncode == 2, output(result)[-3000:]
    assert f"no study named 'missing' in {journal}; the studies there: there" in output(result)
    assert "Traceback" not in output(result)


def test_the_timeline_shows_the_workers_side_by_side():
    """One lane per worker, each trial a bar in its worker's lane from its start to its end."""
    from datetime import datetime, timedelta

    from dlkit_sweep_workers.timeline import timeline_figure

    start = datetime(2026, 1, 1, 12, 0, 0)
    rows = [  # two workers at once, trials 0 and 1 overlapping in time
        {"trial": n, "status": s, "started": start + timedelta(seconds=o), "duration_s": d,
         "worker": w}
        for n, s, o, d, w in [
            (0, "completed", 0, 60, "node0/100"),
            (1, "completed", 10, 60, "node1/101"),
            (2, "pruned", 61, 20, "node0/100"),
            (3, "failed", 71, 5, "node1/101"),
            (4, "running", 90, None, "node0/100"),
        ]
    ]  # fmt: skip
    fig = timeline_figure(rows, now=start + timedelta(seconds=120))
    ax = fig.axes[0]
    assert [label.get_text() for label in ax.get_yticklabels()] == ["node0/100", "node1/101"]
    assert ax.get_ylabel() and ax.get_xlabel() == "time"
    bars = ax.patches
    assert len(bars) == 5
    lanes = [round(bar.get_y() + bar.get_height() / 2) for bar in bars]
    assert lanes == [0, 1, 0, 1, 0]  # each trial in its worker's lane
    first, second = bars[0], bars[1]
    assert second.get_x() < first.get_x() + first.get_width()  # side by side in time
    assert abs(first.get_width() * 86400 - 60) < 1e-3
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["completed", "failed", "pruned", "running"]
