"""What the lessons' tests share: a lesson run as `make lesson` runs it, in this process, and
the check that its figure and report are there and say what was measured."""

import re
from collections.abc import Callable
from pathlib import Path

import matplotlib.image
import pytest

from dlkit_lessons import LESSONS
from tests.helpers import run_module

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def run_lesson(tmp_path, data_dir) -> Callable[..., Path]:
    """run_lesson(name, *overrides) -> its sweep folder: `make lesson name=<name> …` through
    the same entry point (`python -m dlkit_lessons.cli`), in this process: a fresh interpreter
    would cost seconds of imports per lesson."""

    def _run(name: str, *overrides: str) -> Path:
        sweep_dir = tmp_path / name
        code = run_module(
            "dlkit_lessons.cli", f"name={name}", f"hydra.sweep.dir={sweep_dir}",
            f"paths.data_dir={data_dir}", f"paths.log_dir={tmp_path / 'logs'}", *overrides,
        )  # fmt: skip
        assert code == 0, f"make lesson name={name} ended with exit code {code}"
        return sweep_dir

    return _run


@pytest.fixture
def check_report() -> Callable[[Path, str], str]:
    """check_report(sweep_dir, name) -> lesson.md's text, once lesson.png is a picture and
    lesson.md the lesson's report: its title, claim, command with the number of runs, and two
    paragraphs with measured numbers."""

    def _check(sweep_dir: Path, name: str) -> str:
        jobs = len(list(sweep_dir.glob("*/.hydra")))
        assert (sweep_dir / "lesson.png").read_bytes()[:8] == PNG_MAGIC
        assert matplotlib.image.imread(sweep_dir / "lesson.png").shape[0] > 200
        text = (sweep_dir / "lesson.md").read_text()
        lesson = LESSONS[name]
        assert text.startswith(f"# {lesson.title}\n") and lesson.claim in text
        assert f"`make lesson name={name}` ({jobs} runs, " in text
        paragraphs = [
            p for p in text.split("\n\n") if p and not p.startswith(("#", "**", "!", "|"))
        ]
        assert len(paragraphs) == 2 and all(re.search(r"\d", p) for p in paragraphs)
        return text

    return _check
