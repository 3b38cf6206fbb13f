"""The lessons: `make lesson` lists them, and each runs through its own command at the tiny size.

`make lesson name=<lesson>` is the training entry point's multirun over the lesson's config; the
tiny size (`lesson.size=tiny`: one epoch of two batches, two sweep points) runs here in this
process (`dlkit_lessons.cli.main`, as `python -m` starts it), since a fresh process would cost
seconds of imports. One lesson runs here; the other nine at the tiny size, and all ten at the
full size, whose reports state the measured outcome of each claim, are in
tests/test_lessons_full.py (slow).
"""

import re
import sys
from pathlib import Path

import matplotlib.image
from dlkit_lessons import LESSONS
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf
from tests.helpers import CONFIG_DIR, output, run

from dlkit.cli import lesson as lesson_command

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_lesson(name: str, sweep_dir: Path, data_dir: Path, *overrides: str) -> None:
    """`make lesson name=<name> …` in this process."""
    GlobalHydra.instance().clear()
    argv = ["lesson", f"name={name}", f"hydra.sweep.dir={sweep_dir}", f"paths.data_dir={data_dir}"]
    saved, sys.argv = sys.argv, [*argv, f"paths.log_dir={sweep_dir.parent}", *overrides]
    try:
        lesson_command.main()
    finally:
        sys.argv = saved
        GlobalHydra.instance().clear()


def check_report(sweep_dir: Path, name: str, jobs: int) -> str:
    """lesson.png is a picture, lesson.md the lesson's report with a row per job; its text."""
    assert (sweep_dir / "lesson.png").read_bytes()[:8] == PNG_MAGIC
    assert matplotlib.image.imread(sweep_dir / "lesson.png").shape[0] > 200
    text = (sweep_dir / "lesson.md").read_text()
    lesson = LESSONS[name]
    assert text.startswith(f"# {lesson.title}\n") and lesson.claim in text
    assert f"`make lesson name={name}` ({jobs} runs, " in text
    paragraphs = [p for p in text.split("\n\n") if p and not p.startswith(("#", "**", "!", "|"))]
    assert len(paragraphs) == 2 and all(re.search(r"\d", p) for p in paragraphs)
    return text


def test_make_lesson_lists_the_ten_lessons():
    result = run("make", "lesson")
    assert result.returncode == 0, output(result)
    listed = [line for line in result.stdout.splitlines() if "make lesson name=" in line]
    assert len(listed) == 10 == len(LESSONS)
    for lesson, line in zip(LESSONS.values(), listed, strict=True):
        assert lesson.command in line and lesson.claim in line


def test_an_unknown_lesson_names_the_ones_there_are():
    result = run("make", "lesson", "name=vanishing")
    assert result.returncode == 2
    assert "unknown lesson 'vanishing'" in result.stderr and "vanishing_gradients" in result.stderr


def test_each_lesson_has_its_config_and_figure_function():
    configs = {p.stem for p in (CONFIG_DIR / "lesson").glob("*.yaml")}
    assert configs == set(LESSONS)
    for name in LESSONS:
        assert OmegaConf.load(CONFIG_DIR / "lesson" / f"{name}.yaml").lesson.name == name
        assert callable(__import__(LESSONS[name].module, fromlist=["report"]).report)


def test_a_lesson_runs_at_the_tiny_size(tmp_path, data_dir):
    """The user path of one lesson; the other nine run tiny in tests/test_lessons_full.py."""
    run_and_check_tiny(tmp_path, data_dir, "vanishing_gradients")


def run_and_check_tiny(tmp_path: Path, data_dir: Path, name: str) -> None:
    sweep_dir = tmp_path / name
    run_lesson(name, sweep_dir, data_dir, "lesson.size=tiny")
    jobs = len(list(sweep_dir.glob("*/.hydra")))
    assert jobs == 2, name
    text = check_report(sweep_dir, name, jobs)
    assert "Tiny size: a check that the lesson runs" in text
