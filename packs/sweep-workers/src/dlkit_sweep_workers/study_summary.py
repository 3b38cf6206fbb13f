"""`make sweep-summary study_name=S storage=URL`: a study as a whole, every worker's trials.

A worker's `sweep_summary.csv` lists the jobs in its own folder; when many workers (on one
machine or many) share a study, only the study knows every trial. Written to
`logs/studies/<study>/` (`dlkit_sweep_workers.study_folder.StudyFolder`):

    study_summary.csv              one row per trial: parameters, value, state, duration, worker, folder
    study_summary.png              the value per trial, with the best so far (as sweep_summary.png)
    param_importances.png          Optuna's parameter importances      } once enough trials
    parallel_coordinate.png        Optuna's parallel-coordinate plot   } have completed
    timeline.png                   when each trial ran, the workers side by side (timeline.py)
"""

import logging
import warnings
from typing import Any

from dlkit.errors import ConfigError
from dlkit.sweeps.storage import describe
from dlkit.sweeps.summary import plot_sweep
from dlkit_sweep_workers.study_folder import StudyFolder
from dlkit_sweep_workers.timeline import plot_timeline
from dlkit_sweep_workers.trial_attrs import FOLDER, worker_of

log = logging.getLogger(__name__)

# completed trials that Optuna's importance and parallel-coordinate plots need at least
MIN_COMPLETED_FOR_PLOTS = 2
STATUS = {"COMPLETE": "completed", "PRUNED": "pruned", "FAIL": "failed"}


def load_study(storage_value: str, study_name: str):
    """The study, read from its storage; ConfigError naming the studies there if it is not."""
    import optuna

    from dlkit_sweep_workers.storage import open_storage

    storage = open_storage(storage_value, heartbeat_interval=None, grace_period=None)
    try:
        return optuna.load_study(study_name=study_name, storage=storage)
    except KeyError:
        names = optuna.get_all_study_names(storage)
        raise ConfigError(
            f"no study named {study_name!r} in {describe(storage_value)}; the studies there: "
            f"{', '.join(names) or 'none'} (give study_name=… and storage=… of the sweep)"
        ) from None


def study_rows(study) -> list[dict[str, Any]]:
    """One row per trial of the study, in trial order."""
    metric = study.user_attrs.get("optimized_metric")
    rows = []
    for trial in study.get_trials(deepcopy=False):
        rows.append(
            {
                "trial": trial.number,
                "status": STATUS.get(trial.state.name, trial.state.name.lower()),
                "metric": metric,
                "value": trial.value,
                "duration_s": trial.duration.total_seconds() if trial.duration else None,
                "started": trial.datetime_start,
                "worker": worker_of(trial),
                "folder": trial.user_attrs.get(FOLDER),
                "overrides": " ".join(f"{k}={v}" for k, v in trial.params.items()),
                **trial.params,
            }
        )
    return rows


def write_study_summary(study, folder: StudyFolder) -> list[dict[str, Any]]:
    """Writes the study's CSV and pictures into `folder`; returns the rows."""
    import pandas as pd

    rows = study_rows(study)
    folder.root.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(folder.summary_csv, index=False)
    plot_sweep([{**row, "job": row["trial"]} for row in rows], folder.summary_png)
    completed = sum(row["status"] == "completed" for row in rows)
    if completed >= MIN_COMPLETED_FOR_PLOTS:
        _optuna_plot("plot_param_importances", study, folder.importance_png)
        _optuna_plot("plot_parallel_coordinate", study, folder.parallel_coordinate_png)
    else:
        log.info(
            "%d completed trial(s): the importance and parallel-coordinate plots need %d",
            completed,
            MIN_COMPLETED_FOR_PLOTS,
        )
    if rows:
        plot_timeline(rows, folder.timeline_png)
    counts = {s: sum(r["status"] == s for r in rows) for s in ("completed", "pruned", "failed")}
    workers = len({row["worker"] for row in rows})
    log.info(
        "study summary of %r: %s (%d trials by %d workers: %s)",
        study.study_name,
        folder.summary_csv,
        len(rows),
        workers,
        ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "none finished",
    )
    return rows


def _optuna_plot(name: str, study, path) -> None:
    """One of optuna.visualization.matplotlib's plots as a PNG (skipped, with the reason, when
    Optuna cannot draw it for this study)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import optuna
    from optuna.visualization import matplotlib as plots

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        try:
            ax = getattr(plots, name)(study)
        except (ValueError, RuntimeError) as error:
            log.warning("no %s: %s", path.name, error)
            return
    figure = ax.figure if hasattr(ax, "figure") else ax.flat[0].figure
    figure.set_size_inches(max(figure.get_size_inches()[0], 8), 5)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
