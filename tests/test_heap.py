"""Freed batches go back to the system: a process that keeps a small result per batch (test
predictions) does not grow with the number of batches (`dlkit.runs.heap`), and the task module
releases after every test batch (`make predict` after each batch: tests/test_predict.py)."""

import subprocess
import sys

import pytest
import torch

BATCHES = """
import sys
from pathlib import Path
import torch
from dlkit.runs.heap import release_freed_memory

def anonymous_mb():
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("Anonymous:"):
            return int(line.split()[1]) / 1024

kept, before, peak = [], anonymous_mb(), 0.0
for i in range(80):  # a CPU evaluation: uint8 batch, its float copy, standardized; results kept
    x = torch.randint(0, 255, (64, 3, 64, 64), dtype=torch.uint8)
    standardized = (x.float() - 0.5) / 0.25
    kept += [standardized[:, 0, 0, :10].clone(), torch.ones(64) * i]
    del x, standardized
    if sys.argv[1] == "released":
        assert release_freed_memory()
    peak = max(peak, anonymous_mb() - before)
print(peak)
"""


def _growth_mb(mode: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", BATCHES, mode], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_memory_does_not_grow_with_the_batches_when_freed_memory_is_released():
    # 80 batches of 3 MB float copies, results kept: untrimmed, the heap grows by about 450 MB
    assert _growth_mb("released") < 60


def test_the_task_module_releases_freed_memory_after_each_test_batch(monkeypatch):
    from dlkit.models import task
    from dlkit.models.classification import ClassificationModule

    calls = []
    monkeypatch.setattr(task, "release_freed_memory", lambda: calls.append(1))
    module = ClassificationModule(
        net={"_target_": "dlkit.models.nets.mlp.MLP", "hidden_sizes": []},
        input_shape=[6],
        optimizer={"_target_": "torch.optim.SGD", "_partial_": True, "lr": 0.1},
        num_classes=3,
    )
    batch = (torch.randn(4, 6), torch.tensor([0, 1, 2, 0]))
    module.on_test_batch_end(None, batch, 0)
    module.on_test_batch_end(None, batch, 1)
    assert len(calls) == 2
