"""Freed batches go back to the system: a process that keeps a small result per batch (test
predictions) does not grow with the number of batches (`dlkit.runs.heap`)."""

import subprocess
import sys

import pytest

BATCHES = """
import sys
from pathlib import Path
import torch
from dlkit.runs.heap import release_large_buffers

def anonymous_mb():
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("Anonymous:"):
            return int(line.split()[1]) / 1024

if sys.argv[1] == "released":
    assert release_large_buffers()
kept, before = [], anonymous_mb()
for i in range(150):  # a CPU evaluation: uint8 batch, its float copy, standardized; a result kept
    x = torch.randint(0, 255, (64, 3, 64, 64), dtype=torch.uint8)
    standardized = (x.float() - 0.5) / 0.25
    kept.append(standardized[:, 0, 0, 0].clone())
    del x, standardized
print(anonymous_mb() - before)
"""


def _growth_mb(mode: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", BATCHES, mode], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_memory_does_not_grow_with_the_batches_when_large_buffers_are_released():
    # 150 batches of 3 MB float copies: held in the heap, about 430 MB
    assert _growth_mb("released") < 50
