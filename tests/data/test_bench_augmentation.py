"""The augmentation benchmark runs every variant and reports each (speed is not asserted)."""

import sys

from tests.helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_augmentation


def test_every_variant_is_measured():
    text = bench_augmentation.main(
        ["--batch", "4", "--size", "8", "--rounds", "2", "--warmup", "1"]
    )
    for name in ("batched", "v2 per image", "v2 per batch"):
        assert f"| {name} | " in text
