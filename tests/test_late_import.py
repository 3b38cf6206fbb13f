"""The garbage collector paused around the entry points' imports (`dlkit.runs.late_import`)."""

import subprocess
import sys

PROBE = """
import gc, sys
from dlkit.runs.late_import import late_import
if sys.argv[1] == "off":
    gc.disable()
late_import("json")
first = gc.get_freeze_count()
late_import("csv")
print(gc.isenabled(), first > 0, gc.get_freeze_count() == first)
"""


def test_late_import_pauses_the_collector_and_freezes_once():
    def probe(mode: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True
        )
        return done.stdout.split()

    # the collector is back on, what the first import left is frozen, a later import adds none
    assert probe("on") == ["True", "True", "True"]
    # a process that switched the collector off keeps it off, and nothing is frozen
    assert probe("off") == ["False", "False", "True"]
