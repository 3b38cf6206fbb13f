"""A lesson's sweep read back: one `Job` per run folder, named by the values it swept.

The rows come from the sweep summary (`dlkit.sweeps.summary.collect_jobs`, the same reading of
each job's `.hydra/` and `summary.json`); a job adds what the figures need from its folder: the
per-epoch metrics (`dlkit_diagnostics.metrics`) and the gradient flow records.
"""

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from dlkit.runs.folder import RunFolder, SweepFolder
from dlkit.sweeps.summary import collect_jobs
from dlkit_diagnostics.files import GRADIENT_FLOW_CSV
from dlkit_diagnostics.metrics import epoch_table, step_series


@dataclass
class Job:
    number: int
    values: dict[str, str]  # swept key -> this job's value
    status: str
    folder: RunFolder
    summary: dict = field(repr=False)

    def value(self, key: str) -> str:
        """The value of the swept key that ends with `key` (`activation`, `optimizer.lr`)."""
        for swept, value in self.values.items():
            if swept == key or swept.endswith(f".{key}") or swept.endswith(f"/{key}"):
                return value
        raise KeyError(f"job {self.number} swept no key {key!r}: {sorted(self.values)}")

    @property
    def label(self) -> str:
        return ", ".join(self.values.values()) or f"job {self.number}"

    @property
    def completed(self) -> bool:
        return self.status == "completed"

    def score(self, split: str, metric: str | None = None) -> float | None:
        """A metric of the best checkpoint on `split` (the optimized metric by default)."""
        metric = metric or (self.summary.get("optimized_metric") or {}).get("name", "/acc")
        return (self.summary.get(split) or {}).get(metric.split("/")[-1])

    @cached_property
    def epochs(self) -> pd.DataFrame:
        return epoch_table(self.folder)

    def per_step(self, column: str) -> pd.Series:
        return step_series(self.folder, column)

    def learning_rate(self) -> pd.Series:
        """The rate the learning-rate monitor logged (`lr-<optimizer>`), indexed by step."""
        path = self.folder.metrics
        columns = pd.read_csv(path, nrows=0).columns if path.is_file() else []
        column = next((c for c in columns if str(c).startswith("lr-")), None)
        return step_series(self.folder, column) if column else pd.Series(dtype=float)

    @cached_property
    def flow(self) -> list[dict]:
        """The gradient flow records (`callbacks.gradient_flow`); [] when the run had none."""
        from dlkit_diagnostics.gradient_flow_plot import read_records

        path = self.folder.picture(GRADIENT_FLOW_CSV)
        return read_records(path) if path.is_file() else []

    def flow_at_start(self, kind: str = "grad_norm") -> dict[str, float]:
        """{layer: value} at the first step measured (before any update), first layer first;
        kind "grad_norm" (weight-gradient norms) or "activation_std" (activation spread)."""
        from dlkit_diagnostics.gradient_flow_plot import by_step

        return next(iter(by_step(self.flow, kind).values()), {})


def lesson_jobs(sweep_dir: str | Path, swept: list[str]) -> list[Job]:
    """The sweep's jobs in order, each with its values of the `swept` keys."""
    jobs = []
    for row in collect_jobs(SweepFolder(sweep_dir)):
        folder = RunFolder(row["folder"])
        values = {key: str(row[key]) for key in swept if key in row}
        jobs.append(Job(row["job"], values, row["status"], folder, folder.read_summary()))
    return jobs
