"""The gradient flow and training clock callbacks, off by default and switched on by a key.

Gradient flow: per-layer norms in the loggers and gradient_flow.csv/.png, a warning naming the
layer when gradients vanish or explode, and host reads of the device on measured steps only.
"""

import logging
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest
from dlkit_diagnostics.gradient_flow_plot import read_records
from tests import test_sync_free
from tests.helpers import FEW_BATCHES, read_summary
from tests.test_sync_free import CountHostReads

from dlkit.training.build import build_callbacks
from dlkit.training.run import train

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DEEP_SIGMOID = (
    "model=mlp",
    "model.net.hidden_sizes=[32,32,32,32,32,32,32,32]",
    "model.net.activation=sigmoid",
    "model.net.norm=false",
    "model.net.dropout=0",
)


class ReadsPerStep(CountHostReads):
    """The host reads of each training step, by global step."""

    per_step: ClassVar[dict[int, int]] = {}

    def on_train_batch_start(self, trainer, *args, **kwargs) -> None:
        self.step, self.before = trainer.global_step, len(test_sync_free.found)
        super().on_train_batch_start(trainer, *args, **kwargs)

    def on_train_batch_end(self, trainer, *args, **kwargs) -> None:
        super().on_train_batch_end(trainer, *args, **kwargs)
        ReadsPerStep.per_step[self.step] = len(test_sync_free.found) - self.before


def test_off_by_default_and_switched_on_by_key(compose_train):
    names = lambda cfg: {type(c).__name__ for c in build_callbacks(cfg, loggers=[])}  # noqa: E731
    assert not {"GradientFlow", "TrainingClock"} & names(compose_train())
    switched = compose_train(
        "callbacks.gradient_flow.enabled=true", "callbacks.training_clock.enabled=true"
    )
    assert {"GradientFlow", "TrainingClock"} <= names(switched)


@pytest.mark.slow
def test_vanishing_gradients_are_drawn_logged_and_named(compose_train, caplog):
    cfg = compose_train(
        *DEEP_SIGMOID, "trainer.max_epochs=2", *FEW_BATCHES,
        "callbacks.gradient_flow.enabled=true", "callbacks.gradient_flow.every_n_steps=3",
        "callbacks.training_clock.enabled=true",
    )  # fmt: skip
    with caplog.at_level(logging.WARNING):
        train(cfg)
    run = read_summary(cfg)
    assert run["status"] == "completed"
    folder = Path(cfg.paths.output_dir)
    assert (folder / "gradient_flow.png").read_bytes()[:8] == PNG_MAGIC
    records = read_records(f"{folder}/gradient_flow.csv")
    grads = [r for r in records if r["kind"] == "grad_norm"]
    assert sorted({r["step"] for r in grads}) == [0, 3, 6]  # 2 epochs x 4 batches
    first_step = [r for r in grads if r["step"] == 0]
    assert [r["layer"] for r in first_step] == [f"layers.{2 * i + 1}" for i in range(9)]
    assert first_step[0]["value"] < 1e-3 * first_step[-1]["value"]  # sigmoid: it vanishes
    spreads = [r for r in records if r["kind"] == "activation_std" and r["step"] == 0]
    assert len(spreads) == 8 and all(0 < r["value"] < 1 for r in spreads)  # one per sigmoid
    vanishing = [m for m in caplog.messages if "vanish" in m]
    assert len(vanishing) == 1 and "first layer (layers.1)" in vanishing[0]  # once per run
    metrics = pd.read_csv(f"{folder}/metrics.csv")
    assert metrics["grad_2.0_norm/net.layers.1.weight"].notna().sum() == 3
    clock = metrics.dropna(subset=["time/train_s"])
    assert len(clock) == 2 and (clock["time/samples_per_s"] > 0).all()
    assert clock["time/train_s"].is_monotonic_increasing


@pytest.mark.slow
def test_exploding_gradients_are_named(compose_train, caplog):
    cfg = compose_train(
        "model=mlp", "trainer.max_epochs=1", *FEW_BATCHES,
        "callbacks.gradient_flow.enabled=true", "callbacks.gradient_flow.exploding_norm=1e-6",
    )  # fmt: skip
    with caplog.at_level(logging.WARNING):
        train(cfg)
    exploding = [m for m in caplog.messages if "explode" in m]
    assert len(exploding) == 1 and "exploding_norm=1e-06" in exploding[0]


@pytest.mark.slow
def test_the_device_is_read_on_measured_steps_only(compose_train):
    test_sync_free.found.clear()
    ReadsPerStep.per_step = {}
    probe = f"+callbacks.zz_count_reads._target_={__name__}.ReadsPerStep"
    cfg = compose_train(
        "trainer.max_epochs=2", *FEW_BATCHES, probe,
        "callbacks.gradient_flow.enabled=true", "callbacks.gradient_flow.every_n_steps=3",
    )  # fmt: skip
    train(cfg)
    assert read_summary(cfg)["status"] == "completed"
    read = {step for step, reads in ReadsPerStep.per_step.items() if reads}
    assert sorted(ReadsPerStep.per_step) == list(range(8)) and read == {0, 3, 6}
