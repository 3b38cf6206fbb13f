"""How a fit is timed, alike for every variant: wall and CPU clocks around the training loop
alone (the device synchronized at both ends), GPU utilization beside it, and the figures of a run.

`FitClock` is the Lightning callback that does it for the template and the plain-Lightning run.
The template run gets it through a Hydra override (`+callbacks.fit_clock._target_=
fit_clock.FitClock`) and `train()` builds it, so it lives in this module, which Hydra imports by
name from benchmarks/ (on sys.path), and it leaves its reading here, for `last_fit()`, rather
than on an instance the benchmark never holds.
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass

import lightning.pytorch as L
import torch


@dataclass
class Result:
    fit_s: float
    accuracy: float
    steps: int
    fit_cpu_s: float
    total_s: float | None = None
    gpu_util: float | None = None


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


class GpuUtilization:
    """Mean GPU utilization (%) while the block runs, sampled by NVML; None without it."""

    def __init__(self, device: str) -> None:
        self.enabled = device.startswith("cuda")
        self.samples: list[float] = []
        self._stop = threading.Event()

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            try:
                self.samples.append(float(torch.cuda.utilization()))
            except Exception:  # no NVML bindings: utilization is simply not reported
                return

    def __enter__(self) -> GpuUtilization:
        if self.enabled:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self._stop.set()
            self._thread.join()

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.samples) if self.samples else None


_reading: dict[str, float] = {}


class FitClock(L.Callback):
    """Times the training loop alone (epochs and their validation), as the raw loop is timed."""

    def on_train_start(self, trainer, pl_module) -> None:
        sync(str(pl_module.device))
        _reading["start"], _reading["start_cpu"] = time.perf_counter(), time.process_time()

    def on_train_end(self, trainer, pl_module) -> None:
        sync(str(pl_module.device))
        _reading["end"], _reading["end_cpu"] = time.perf_counter(), time.process_time()
        _reading["steps"] = trainer.global_step


def last_fit() -> dict:
    """`fit_s`, `fit_cpu_s` and `steps` of the fit a FitClock timed last; each fit is read once."""
    reading = _reading.copy()
    _reading.clear()
    return {
        "fit_s": reading["end"] - reading["start"],
        "fit_cpu_s": reading["end_cpu"] - reading["start_cpu"],
        "steps": int(reading["steps"]),
    }
