"""The parts that keep the template's cost per step and at start-up down still do their job."""

import subprocess
import sys

from lightning.pytorch.profilers import SimpleProfiler

from dlkit.training.build import build_trainer
from dlkit.training.no_profiler import NoProfiler


def test_the_default_trainer_profiles_nothing_and_debug_profiler_profiles(compose_train):
    trainer = build_trainer(compose_train(), callbacks=[], loggers=[])
    assert isinstance(trainer.profiler, NoProfiler)
    with trainer.profiler.profile("run_training_batch"):
        pass
    assert trainer.profiler.summary() == ""
    trainer = build_trainer(compose_train("debug=profiler"), callbacks=[], loggers=[])
    assert isinstance(trainer.profiler, SimpleProfiler)


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
