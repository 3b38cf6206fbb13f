"""The gradient flow and training clock callbacks, added to a run through the callbacks list.

Gradient flow: per-layer norms in the loggers and gradient_flow.csv/.png, a warning naming the
layer when gradients vanish or explode, and host reads of the device on measured steps only.
"""

import logging
from pathlib import Path

import pandas as pd

from dlkit.training.build import build_callbacks
from dlkit.training.run import train
from dlkit_diagnostics.gradient_flow_plot import read_records
from tests.helpers import FEW_BATCHES, TINY_MLP, output, read_summary, run
from tests.models.probes import CountHostReads

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DEEP_SIGMOID = (
    "model=mlp",
    "model.net.hidden_sizes=[32,32,32,32,32,32,32,32]",
    "model.net.activation=sigmoid",
    "model.net.norm=false",
    "model.net.dropout=0",
)
WITH_FLOW = "callbacks=[default,gradient_flow]"
WITH_BOTH = "callbacks=[default,gradient_flow,training_clock]"


def _callback_names(cfg) -> set[str]:
    return {type(c).__name__ for c in build_callbacks(cfg, loggers=[])}


def test_absent_by_default_and_added_by_the_callbacks_list(compose_train):
    assert not {"GradientFlow", "TrainingClock"} & _callback_names(compose_train())
    added = _callback_names(compose_train(WITH_BOTH))
    assert {"GradientFlow", "TrainingClock", "ModelCheckpoint", "EarlyStopping"} <= added


def test_make_train_passes_the_callbacks_list_to_hydra():
    result = run(
        "make", "train", WITH_BOTH, "callbacks.gradient_flow.every_n_steps=3", "ARGS=--cfg job"
    )
    assert result.returncode == 0, output(result)
    assert "dlkit_diagnostics.gradient_flow.GradientFlow" in result.stdout
    assert "dlkit_diagnostics.training_clock.TrainingClock" in result.stdout
    assert "every_n_steps: 3" in result.stdout


def test_vanishing_gradients_are_drawn_logged_and_named(compose_train, caplog):
    cfg = compose_train(
        *DEEP_SIGMOID, "trainer.max_epochs=2", *FEW_BATCHES,
        WITH_BOTH, "callbacks.gradient_flow.every_n_steps=3",
    )  # fmt: skip
    with caplog.at_level(logging.WARNING):
        train(cfg)
    assert read_summary(cfg)["status"] == "completed"
    folder = Path(cfg.paths.output_dir)
    assert (folder / "gradient_flow.png").read_bytes()[:8] == PNG_MAGIC
    records = read_records(folder / "gradient_flow.csv")
    grads = [r for r in records if r["kind"] == "grad_norm"]
    assert sorted({r["step"] for r in grads}) == [0, 3, 6]  # 2 epochs x 4 batches
    first_step = [r for r in grads if r["step"] == 0]
    assert [r["layer"] for r in first_step] == [f"layers.{2 * i + 1}" for i in range(9)]
    assert first_step[0]["value"] < 1e-3 * first_step[-1]["value"]  # sigmoid: it vanishes
    spreads = [r for r in records if r["kind"] == "activation_std" and r["step"] == 0]
    assert len(spreads) == 8 and all(0 < r["value"] < 1 for r in spreads)  # one per sigmoid
    vanishing = [m for m in caplog.messages if "vanish" in m]
    assert len(vanishing) == 1 and "first layer (layers.1)" in vanishing[0]  # once per run
    metrics = pd.read_csv(folder / "metrics.csv")
    assert metrics["grad_2.0_norm/net.layers.1.weight"].notna().sum() == 3
    clock = metrics.dropna(subset=["time/train_s"])
    assert len(clock) == 2 and (clock["time/samples_per_s"] > 0).all()
    assert clock["time/train_s"].is_monotonic_increasing


def test_exploding_gradients_are_named(compose_train, caplog):
    cfg = compose_train(
        *TINY_MLP, "trainer.max_epochs=1", *FEW_BATCHES,
        WITH_FLOW, "callbacks.gradient_flow.exploding_norm=1e-6", "callbacks.gradient_flow.plot=false",
    )  # fmt: skip
    with caplog.at_level(logging.WARNING):
        train(cfg)
    exploding = [m for m in caplog.messages if "explode" in m]
    assert len(exploding) == 1 and "exploding_norm=1e-06" in exploding[0]
    folder = Path(cfg.paths.output_dir)
    assert (folder / "gradient_flow.csv").is_file() and not (folder / "gradient_flow.png").exists()


def test_the_device_is_read_on_measured_steps_only(compose_train, monkeypatch):
    monkeypatch.syspath_prepend(Path(__file__).parent)
    from diagnostics_support import ReadsPerStep

    CountHostReads.found.clear()
    ReadsPerStep.per_step = {}
    cfg = compose_train(
        *TINY_MLP, "trainer.max_epochs=2", *FEW_BATCHES,
        "+callbacks.zz_count_reads._target_=diagnostics_support.ReadsPerStep",
        WITH_FLOW, "callbacks.gradient_flow.every_n_steps=3",
    )  # fmt: skip
    train(cfg)
    assert read_summary(cfg)["status"] == "completed"
    read = {step for step, reads in ReadsPerStep.per_step.items() if reads}
    assert sorted(ReadsPerStep.per_step) == list(range(8)) and read == {0, 3, 6}


def test_every_panel_of_gradient_flow_png_labels_its_axes():
    """Gradient norms and activation spreads, per layer and over training: what each axis is."""
    from dlkit_diagnostics.gradient_flow_plot import gradient_flow_figure

    records = [
        {"step": step, "kind": kind, "layer": layer, "value": value * (step + 1)}
        for step in (0, 5, 10)
        for kind, value in (("grad_norm", 0.01), ("activation_std", 0.5))
        for layer in ("net.0", "net.2", "net.4")
    ]
    fig = gradient_flow_figure(records)
    assert len(fig.axes) == 3
    assert all(ax.get_ylabel() and ax.get_xlabel() for ax in fig.axes)
    assert "gradient norm" in fig.axes[0].get_ylabel() and "std" in fig.axes[2].get_ylabel()
