"""The core's pictures read as they should: checked through Matplotlib's objects (ticks, labels,
where they land), not only that a PNG exists."""

import warnings

import torch

from dlkit.reports.augmentation_preview import augmentation_preview_figure
from dlkit.reports.learning_curves import learning_curves_figure
from dlkit.sweeps.summary import sweep_figure


def ticks_in_view(axis) -> list[float]:
    low, high = sorted(axis.get_view_interval())
    return [t for t in axis.get_majorticklocs() if low <= t <= high]


def inside(fig, artist) -> bool:
    box, frame = artist.get_window_extent(fig.canvas.get_renderer()), fig.bbox
    return box.x0 >= frame.x0 - 1 and box.x1 <= frame.x1 + 1 and box.y0 >= frame.y0 - 1


def test_a_one_epoch_run_has_whole_epoch_ticks():
    history = [{"epoch": 0, "train/loss": 1.2, "val/loss": 1.1, "train/acc": 0.5, "val/acc": 0.6}]
    fig = learning_curves_figure(history)
    fig.canvas.draw()
    for ax in fig.axes:
        ticks = ticks_in_view(ax.xaxis)
        assert ticks == [0.0], ticks  # not -0.04, -0.02, 0, 0.02, 0.04
        assert all(line.get_marker() == "o" for line in ax.get_lines())


def test_sweep_summary_keeps_long_labels_and_its_axis_labels_in_the_picture():
    """Optuna's values, full length, in the jobs' overrides: no layout warning, nothing cut
    off, each job's line in the key under the plot."""
    rows = [
        {
            "job": i,
            "status": "failed" if i == 3 else "completed",
            "metric": "val/acc",
            "value": 0.5 + i / 100,
            "overrides": f"optimizer.lr={1.2345678912345 * 10 ** -(1 + i % 3)!r} "
            f"optimizer={('adam', 'sgd')[i % 2]} model.net.dropout={0.1234567891 * i!r}",
        }
        for i in range(8)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # tight_layout's "not compatible" / "cannot make room"
        fig = sweep_figure(rows)
        fig.canvas.draw()
    ax, key_ax = fig.axes
    (key,) = key_ax.texts
    lines = key.get_text().splitlines()
    assert len(lines) == 8 and lines[1].startswith("1: optimizer.lr=0.0123 optimizer=sgd")
    assert inside(fig, key)
    assert ticks_in_view(ax.xaxis) == list(range(8))
    assert ax.get_ylabel() == "val/acc" and inside(fig, ax.yaxis.label)
    assert ax.get_xlabel() and inside(fig, ax.xaxis.label)
    assert ax.get_position().height > 0.3  # the plot itself keeps its room


def test_a_single_job_sweep_has_a_whole_job_tick():
    rows = [{"job": 0, "status": "completed", "metric": "val/acc", "value": 0.9, "overrides": ""}]
    fig = sweep_figure(rows)
    fig.canvas.draw()
    assert ticks_in_view(fig.axes[0].xaxis) == [0.0]


def test_the_sequence_augmentation_preview_labels_its_y_axis():
    samples = torch.randn(3, 20, 2)
    fig = augmentation_preview_figure(samples, [samples + 0.1, samples - 0.1])
    assert len(fig.axes) == 3
    assert all(ax.get_ylabel() for ax in fig.axes)
    assert fig.get_supylabel() == "first feature's value"
