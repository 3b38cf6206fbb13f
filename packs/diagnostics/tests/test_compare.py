"""`make compare runs=…`: overlaid learning curves and a table of final metrics, PNG + Markdown."""

import pytest

from dlkit.training.run import train
from dlkit_diagnostics.cli import compare as compare_command
from tests.helpers import FEW_BATCHES, TINY_MLP, compose_config, output, run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def two_runs(tmp_path, data_dir):
    folders = []
    for name, lr in (("slow", "0.001"), ("fast", "0.01")):
        overrides = [*TINY_MLP, "trainer.max_epochs=2", *FEW_BATCHES, f"optimizer.lr={lr}"]
        cfg = compose_config("train", overrides, tmp_path / name, data_dir)
        train(cfg)
        folders.append(tmp_path / name)
    return folders


def test_compare_writes_curves_and_table_into_the_first_folder(two_runs, capsys):
    compare_command.main([f"{two_runs[0]},{two_runs[1]}"])
    first = two_runs[0]
    assert (first / "comparison.png").read_bytes()[:8] == PNG_MAGIC
    table = (first / "comparison.md").read_text()
    rows = [line for line in table.splitlines() if line.startswith(("| slow", "| fast"))]
    assert len(rows) == 2 and all("completed" in row for row in rows)
    assert "| run | status | val acc | test acc | test f1 | test loss | epochs | time s |" in table
    assert "comparison.md" in capsys.readouterr().out


def test_compare_out_names_another_folder(trained_run, tmp_path):
    compare_command.main([str(trained_run), "--out", str(tmp_path / "side")])
    assert (tmp_path / "side" / "comparison.png").read_bytes()[:8] == PNG_MAGIC
    assert "[folder](" in (tmp_path / "side" / "comparison.md").read_text()
    assert not (trained_run / "comparison.png").exists()


def test_make_compare_of_a_folder_without_runs_says_so(tmp_path):
    result = run("make", "compare", f"runs={tmp_path}")
    assert result.returncode == 2
    assert "holds no run with metrics" in output(result) and "Traceback" not in output(result)


def test_make_compare_without_runs_says_how_to_call_it():
    result = run("make", "compare")
    assert result.returncode == 2
    assert "make compare runs=<run or sweep folders>" in output(result)


def test_one_epoch_runs_show_as_points_on_whole_epoch_ticks(tmp_path, data_dir):
    """A one-epoch run is a single point per curve: a line alone would draw nothing."""
    from dlkit_diagnostics.comparison import comparison_figure, run_labels, runs_in

    overrides = [*TINY_MLP, "trainer.max_epochs=1", *FEW_BATCHES]
    train(compose_config("train", overrides, tmp_path / "one", data_dir))
    runs = runs_in(tmp_path / "one")
    fig = comparison_figure(runs, run_labels(runs))
    fig.canvas.draw()
    for ax in fig.axes:
        lines = ax.get_lines()
        assert lines and all(len(line.get_xdata()) == 1 for line in lines)
        assert all(line.get_marker() == "o" and line.get_markersize() > 0 for line in lines)
        low, high = sorted(ax.get_xlim())
        assert [t for t in ax.get_xticks() if low <= t <= high] == [0.0]
