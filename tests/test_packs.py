"""Packs are removable: `make packs` lists them, `make strip packs=…` removes them from a clone,
and what remains composes, trains and tests.

Each test works on a fresh clone in a temporary folder. The fast ones run the core of the clone
with this environment's packages but without any pack on the import path (the editable installs
of this checkout's packs are left out), which is what a stripped clone's environment holds.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, read_summary

PACKS = sorted(p.parent.name for p in (ROOT / "packs").glob("*/pyproject.toml"))


def needs_packs(*names: str) -> pytest.MarkDecorator:
    """Skip a test that strips packs this clone has already stripped itself."""
    missing = sorted(set(names) - set(PACKS))
    return pytest.mark.skipif(bool(missing), reason=f"stripped here: {', '.join(missing)}")


def _clone(tmp_path: Path) -> Path:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    return clone


def _packs(clone: Path, *args: str) -> subprocess.CompletedProcess:
    """`make packs` / `make strip packs=…` in the clone (the script make runs)."""
    return subprocess.run(
        [sys.executable, "scripts/packs.py", *args],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _git(clone: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=clone, capture_output=True, text=True, check=True)
    return done.stdout


def _core_python(
    clone: Path, module: str, *args: str, cwd: Path, packs: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    """`python -m <module> args…` on the clone's code, with this environment's packages but none
    of this checkout's own code on the path, and of the clone's packs only `packs`."""
    ours = (str(ROOT / "src"), str(ROOT / "packs"))  # this checkout's code, the core's and packs'
    keep = f"[p for p in sys.path if not p.startswith({ours!r})]"
    code_dirs = [str(clone / "src"), *(str(clone / "packs" / p / "src") for p in packs)]
    code = (
        f"import runpy, sys; sys.path[:] = {code_dirs!r} + {keep}; "
        f"sys.argv = [{module!r}, *{list(args)!r}]; "
        f"runpy.run_module({module!r}, run_name='__main__')"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=600
    )


def test_make_packs_lists_each_pack_on_one_line():
    done = subprocess.run(
        ["make", "--no-print-directory", "packs"], cwd=ROOT, capture_output=True, text=True
    )
    lines = done.stdout.splitlines()
    if not PACKS:
        assert done.returncode == 0 and lines == ["no packs: the core alone"]
        return
    assert done.returncode == 0 and [line.split()[0] for line in lines] == PACKS
    assert all(len(line.split(maxsplit=1)) == 2 for line in lines)  # a name and what it adds


def test_strip_refuses_an_unknown_pack_and_a_dirty_tree(tmp_path):
    clone = _clone(tmp_path)
    unknown = _packs(clone, "strip", "no_such_pack")
    assert unknown.returncode == 2
    assert "no pack named no_such_pack" in unknown.stderr and all(
        p in unknown.stderr for p in PACKS
    )
    (clone / "README.md").write_text("edited\n")
    dirty = _packs(clone, "strip", "all")
    assert dirty.returncode == 2 and "uncommitted changes" in dirty.stderr
    assert sorted(p.parent.name for p in (clone / "packs").glob("*/pyproject.toml")) == PACKS


@needs_packs("lessons", "diagnostics")
def test_strip_refuses_a_pack_that_another_requires(tmp_path):
    clone = _clone(tmp_path)
    needed = _packs(clone, "strip", "diagnostics")  # the lessons require it
    assert needed.returncode == 2 and "the lessons pack requires diagnostics" in needed.stderr
    assert (clone / "packs" / "diagnostics").is_dir()  # nothing was removed


@needs_packs("lessons", "audit", "text")
def test_strip_removes_the_pack_and_nothing_else(tmp_path):
    clone = _clone(tmp_path)
    done = _packs(clone, "strip", "lessons,audit")
    assert done.returncode == 0, done.stderr
    changed = _git(clone, "status", "--porcelain").splitlines()
    paths = {line[3:] for line in changed}
    assert paths == {"README.md"} | {
        p for p in paths if p.startswith(("packs/lessons/", "packs/audit/"))
    }
    assert not (clone / "packs" / "lessons").exists() and not (clone / "packs" / "audit").exists()
    readme = (clone / "README.md").read_text()
    assert "pack:lessons" not in readme and "pack:audit" not in readme
    assert "pack:text" in readme  # the other packs' rows stay
    remaining = _packs(clone, "list").stdout
    assert "lessons" not in remaining and "text" in remaining


@needs_packs("lessons", "diagnostics", "audio")
def test_a_lesson_on_a_stripped_pack_says_it_needs_that_pack(tmp_path):
    """`make strip packs=audio` keeps the lessons: `make lesson` lists the one on spoken digits as
    needing the audio pack, and `make lesson name=sequence_nets` stops with that message."""
    clone = _clone(tmp_path)
    assert _packs(clone, "strip", "audio").returncode == 0
    lessons = ("lessons", "diagnostics")
    listed = _core_python(clone, "dlkit_lessons.cli", cwd=clone, packs=lessons)
    assert listed.returncode == 0, listed.stderr[-3000:]
    line = next(x for x in listed.stdout.splitlines() if "name=sequence_nets" in x)
    assert "needs the audio pack" in line
    assert "name=vanishing_gradients" in listed.stdout  # the others stay as they were
    stopped = _core_python(
        clone, "dlkit_lessons.cli", "name=sequence_nets", cwd=clone, packs=lessons
    )
    assert stopped.returncode == 2
    assert stopped.stderr.count("error:") == 1 and "needs the audio pack" in stopped.stderr
    assert "Traceback" not in stopped.stderr


def test_the_core_alone_composes_and_trains(tmp_path):
    """`make strip packs=all`, then the default config composes with the core's options only and
    a short run of the core completes."""
    clone = _clone(tmp_path)
    assert _packs(clone, "strip", "all").returncode == 0
    assert not (clone / "packs").exists() or not any((clone / "packs").iterdir())
    shown = _core_python(clone, "dlkit.cli.train", "--cfg", "job", cwd=clone)
    assert shown.returncode == 0, shown.stderr[-3000:]
    assert "_target_: dlkit.models.classification.ClassificationModule" in shown.stdout
    run_dir = tmp_path / "run"
    trained = _core_python(
        clone, "dlkit.cli.train", "debug=fdr", "callbacks.rich_progress_bar=null",
        f"hydra.run.dir={run_dir}", f"paths.data_dir={tmp_path / 'data'}", cwd=clone,
    )  # fmt: skip
    assert trained.returncode == 0, trained.stdout[-3000:] + trained.stderr[-3000:]
    assert read_summary(run_dir)["status"] == "completed"


@pytest.mark.slow  # a fresh environment and the whole fast suite in a stripped clone (minutes)
def test_a_clone_stripped_of_every_pack_passes_make_test(tmp_path):
    clone = _clone(tmp_path)
    assert _packs(clone, "strip", "all").returncode == 0
    _git(clone, "commit", "--quiet", "-am", "Strip every pack")
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        ["make", "--no-print-directory", "test"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-3000:]
    assert " passed" in done.stdout.splitlines()[-1]
