"""`make bench` measures what it says: every variant trains, and the table holds their figures.

Speed itself is not asserted (that is the benchmark's job, on a quiet machine); these runs are
tiny and only check that every path of the script works, the GPU task included (on the CPU).
"""

import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_fit


def _rows(report: str) -> dict[str, list[str]]:
    """Table rows by their first cell."""
    return {
        cells[0]: cells[1:]
        for line in report.splitlines()
        if line.startswith("| ") and not line.startswith("| ---")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }


@pytest.mark.slow  # 5 s; `make bench ARGS=--quick` stays in the fast suite
def test_images_task_side_by_side(tmp_path):
    """The CIFAR-scale task of `--device cuda`, shrunk to a few images on the CPU."""
    output = tmp_path / "results.md"
    report = bench_fit.main(
        [
            *("--quick", "--tasks", "images", "--no-sklearn", "--answer-rounds", "0"),
            "--output",
            str(output),
        ]
    )
    assert output.read_text() == report
    rows = _rows(report)
    assert "### images" in report and "device cpu" in report
    for label in (
        "raw PyTorch loop, in-memory tensors",
        "this template (`train()`, default callbacks + logger)",
        "plain Lightning Trainer, its defaults",
        "Lightning with nothing (no callbacks, logger, progress bar, checkpoints)",
    ):
        fit_s, _, ratio, cpu_ratio, _, samples_per_s, accuracy = rows[label]
        assert float(fit_s) > 0 and float(samples_per_s.replace(",", "")) > 0
        assert ratio.endswith("x") and cpu_ratio.endswith("x")
        assert 0 <= float(accuracy) <= 1
    assert rows["raw PyTorch loop, in-memory tensors"][2] == "1.00x"


def test_breakdown_reads_each_part_against_the_template_of_its_round():
    """A callback's cost is the template's time less the template's without it, round by round."""
    from fit_clock import Result
    from report import breakdown_table

    def runs(*fits):
        return [Result(fit_s=f, accuracy=1.0, steps=100, fit_cpu_s=f / 2) for f in fits]

    table = breakdown_table(
        {"template": runs(1.0, 2.0), "template-lr_monitor": runs(0.9, 1.7), "bare": runs(0.5, 1.5)},
        ["lr_monitor"],
    )
    rows = _rows(table)
    assert rows["`lr_monitor`"] == [
        "+2.000 (+1.000 to +3.000)",
        "+1.000 (+0.500 to +1.500)",
        "0.88x (0.85 to 0.90)",
    ]
    assert (
        "with nothing: +5.000 (+5.000 to +5.000) ms/step wall, +2.500 (+2.500 to +2.500)" in table
    )


@pytest.mark.slow
def test_overhead_task_times_each_default_callback(tmp_path):
    report = bench_fit.main(
        [
            "--quick",
            "--tasks",
            "overhead",
            "--answer-rounds",
            "0",
            "--output",
            str(tmp_path / "r.md"),
        ]
    )
    rows = _rows(report)
    for part in ("rich_progress_bar", "step_seed", "model_checkpoint", "logger"):
        saved, saved_cpu, ratio = rows[f"`{part}`"]
        # one round (--quick): the median alone, a number of ms, and a ratio
        assert all(abs(float(v)) < 1e4 for v in (saved, saved_cpu)), (saved, saved_cpu)
        assert float(ratio.removesuffix("x")) > 0
    assert "The template over Lightning with nothing" in report


@pytest.mark.slow
def test_hand_written_script_reaches_the_default_runs_accuracy():
    """The script `make train` is measured against does the same work, to the same accuracy."""
    from processes import run_hand_written

    wall, accuracy = run_hand_written()
    assert wall > 0 and accuracy >= 0.985


def test_start_up_ratio_is_quoted_both_ways():
    """The medians' quotient and the median of the pairs' ratios differ; the report names each."""
    from report import start_up_lines
    from tasks import Task

    pairs = [((10.3, 0.99), (8.0, 0.98)), ((10.3, 0.99), (7.2, 0.98)), ((10.8, 0.99), (8.4, 0.98))]
    text = "".join(start_up_lines(Task("digits", [], 1), pairs))
    assert "10.3 s wall median of 3" in text and "8.0 s wall median" in text
    assert "1.29x as the medians' quotient" in text  # 10.3 / 8.0
    assert "1.29x (1.29 to 1.43) as the median of the pairs' ratios" in text


def test_unknown_task_is_refused():
    with pytest.raises(SystemExit, match="unknown task"):
        bench_fit.main(["--quick", "--tasks", "cifar100"])


def test_a_quick_check_writes_nowhere_a_user_commits():
    """`--quick` measures nothing: its table goes under logs/ (ignored by git), never over the
    committed results.md, and it runs one task unless asked for more."""
    args = bench_fit.parse_args(["--quick"])
    assert args.output == bench_fit.QUICK_RESULTS != bench_fit.RESULTS
    assert args.tasks == ["digits"] and args.rounds == 1 and args.make_train_runs == 0
    assert args.threads == 1
    ignored = subprocess.run(["git", "check-ignore", "-q", str(args.output)], cwd=ROOT)
    assert ignored.returncode == 0, f"{args.output} is not ignored by git"
    assert bench_fit.parse_args([]).output == ROOT / "benchmarks" / "results.md"


@pytest.mark.slow
def test_make_bench_quick():
    """`make bench ARGS=--quick` as a user runs it: the digits task, baselines, the instant
    answers, into logs/bench/quick.md; benchmarks/results.md untouched."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    committed = (ROOT / "benchmarks" / "results.md").read_bytes()
    result = subprocess.run(
        ["make", "--no-print-directory", "bench", "ARGS=--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (ROOT / "benchmarks" / "results.md").read_bytes() == committed
    report = bench_fit.QUICK_RESULTS.read_text()
    rows = _rows(report)
    assert "### digits" in report and "### mnist1d" not in report
    assert float(rows["SVM (RBF kernel)"][1]) > 0.8
    assert "`--cfg job`" in report
