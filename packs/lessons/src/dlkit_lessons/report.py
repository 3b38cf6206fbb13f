"""When a lesson's sweep ends: its figure (`lesson.png`) and its report (`lesson.md`).

The sweep summary's Hydra callback, extended (`configs/lesson/parts/base.yaml` puts it in the
summary's place in a lesson's sweep, so the order is fixed: the summary first). It reads the
jobs of the sweep (`dlkit_lessons.jobs`), hands them to the lesson's figure function
(`dlkit_lessons.<name>.report`) and writes what it found into lesson.md: the course's sentence,
the claim, the command, the figure, two paragraphs with the measured numbers and a table.
Hydra turns an error in a callback into a warning; a lesson that could not write its report
fails the command instead (exit code 1, the traceback in the log).
"""

import importlib
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from dlkit.runs.folder import SweepFolder, write_text_atomic
from dlkit.sweeps.summary import SweepSummary
from dlkit_lessons import LESSONS, Lesson
from dlkit_lessons.figures import Findings
from dlkit_lessons.files import LESSON_MD, LESSON_PNG
from dlkit_lessons.jobs import Job, lesson_jobs

log = logging.getLogger(__name__)


class LessonReport(SweepSummary):
    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        super().on_multirun_end(config, **kwargs)  # sweep_summary.csv/.png; exits if all failed
        if not Path(config.hydra.sweep.dir).is_dir():
            return
        try:
            write_lesson(config)
        except Exception:
            log.exception(
                "lesson %s: the figure and report could not be written", config.lesson.name
            )
            sys.exit(1)


def write_lesson(config: DictConfig) -> Findings:
    """lesson.png and lesson.md of the sweep that `config` (its multirun config) describes."""
    sweep, lesson = SweepFolder(config.hydra.sweep.dir), LESSONS[config.lesson.name]
    png, md = sweep.root / LESSON_PNG, sweep.root / LESSON_MD
    jobs = lesson_jobs(sweep.root, list(config.hydra.sweeper.params or {}))
    findings = importlib.import_module(lesson.module).report(jobs, png)
    if config.lesson.size == "tiny":  # a batch or two decides nothing: the numbers stay, no verdict
        findings = replace(findings, verdict=no_verdict(lesson, len(jobs)))
    write_text_atomic(md, lesson_markdown(lesson, findings, jobs, config.lesson.size))
    log.info("lesson %s: %s", lesson.name, findings.verdict)
    log.info("lesson %s: figure %s, report %s", lesson.name, png, md)
    return findings


def no_verdict(lesson: Lesson, runs: int) -> str:
    return (
        f"No verdict at the tiny size: its {runs} runs check that the lesson runs end to end, "
        f"too short to test the claim. `{lesson.command}` measures it."
    )


def lesson_markdown(lesson: Lesson, findings: Findings, jobs: list[Job], size: str) -> str:
    done = sum(job.completed for job in jobs)
    minutes = sum(job.summary.get("duration_s") or 0 for job in jobs) / 60
    note = " Tiny size: a check that the lesson runs, not a measurement." if size == "tiny" else ""
    lines = [
        f"# {lesson.title}",
        "",
        f'**The course:** "{lesson.course}"',
        "",
        f"**The claim checked:** {lesson.claim}.",
        "",
        f"**Command:** `{lesson.command}` ({len(jobs)} runs, {done} completed, "
        f"{minutes:.1f} min of training).{note}",
        "",
        f"![{lesson.title}](lesson.png)",
        "",
        findings.measured,
        "",
        findings.verdict,
        "",
        *markdown_table(findings.table),
    ]
    return "\n".join(lines).rstrip() + "\n"


def markdown_table(rows: list[dict[str, str]]) -> list[str]:
    if not rows:
        return []
    header = list(rows[0])
    return [
        "| " + " | ".join(header) + " |",
        "|" + " --- |" * len(header),
        *("| " + " | ".join(str(row.get(k, "")) for k in header) + " |" for row in rows),
    ]


if __name__ == "__main__":
    # `python -m dlkit_lessons.report <lesson folder>`: draw a finished lesson's figure and
    # report again (after changing its figure code), from the sweep's own multirun.yaml
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    saved = OmegaConf.load(SweepFolder(sys.argv[1]).config)
    saved.hydra.sweep.dir = sys.argv[1]
    write_lesson(saved)
