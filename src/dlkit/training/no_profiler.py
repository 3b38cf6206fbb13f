"""The Trainer's profiler when none is asked for: Lightning's own "none", minus its cost per hook.

Lightning wraps every hook it calls (about a hundred a training step: the module's, the
strategy's, and each of ~6 hooks on each callback) in `profiler.profile(name)`. Its default
`PassThroughProfiler` records nothing, but `profile` is a generator-based context manager, so
each call still builds and runs a generator: about 1 µs, 0.1 ms a step with this template's
callbacks. This one hands back the same do-nothing context every time. `debug=profiler`
(`trainer.profiler=simple`) replaces it with a real one.
"""

import contextlib

from lightning.pytorch.profilers import PassThroughProfiler


class NoProfiler(PassThroughProfiler):
    _nothing = contextlib.nullcontext()

    def profile(self, action_name: str) -> contextlib.nullcontext:
        return self._nothing
