"""Callbacks the diagnostics tests name by `_target_` in a run's config (this folder is put on
`sys.path` by the test that uses them)."""

from typing import ClassVar

from tests.models.probes import CountHostReads


class ReadsPerStep(CountHostReads):
    """The host reads of each training step, by global step."""

    per_step: ClassVar[dict[int, int]] = {}

    def on_train_batch_start(self, trainer, *args, **kwargs) -> None:
        self.step, self.before = trainer.global_step, len(CountHostReads.found)
        super().on_train_batch_start(trainer, *args, **kwargs)

    def on_train_batch_end(self, trainer, *args, **kwargs) -> None:
        super().on_train_batch_end(trainer, *args, **kwargs)
        ReadsPerStep.per_step[self.step] = len(CountHostReads.found) - self.before
