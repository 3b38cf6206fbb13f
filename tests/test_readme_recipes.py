"""README's recipes for a user's own code ("Add your own data", "Add your own net") work as
written: the files it shows pass `make lint`, and a net added as it shows trains and is covered
by the net tests with no registration anywhere."""

import re
import subprocess
import sys

import pytest

from tests.helpers import ROOT, clean_environment

# a code block whose first line names the file it goes into: "# src/dlkit/models/nets/tiny.py"
FILE_BLOCK = re.compile(r"```(?:python|yaml)\n# ((?:src|configs)/\S+\.(?:py|yaml))\n(.*?)```", re.S)


def readme_files() -> dict[str, str]:
    """The files README shows, by path: their text as a user copies it (the path line too)."""
    text = (ROOT / "README.md").read_text()
    return {path: f"# {path}\n{body}" for path, body in FILE_BLOCK.findall(text)}


def test_readme_shows_the_files_of_a_net_and_of_a_data_module():
    files = readme_files()
    assert {"src/dlkit/models/nets/tiny.py", "configs/model/tiny.yaml"} <= set(files)
    assert any(p.startswith("src/dlkit/data/") for p in files)


@pytest.mark.parametrize("path", [p for p in readme_files() if p.endswith(".py")])
def test_readme_code_passes_make_lint(path):
    source = readme_files()[path]
    for command in (["check"], ["format", "--check"]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--stdin-filename", path, "-"],
            input=source, cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow  # a clone, the net tests of the new net, a short run
def test_a_net_added_as_readme_shows_trains_and_is_tested(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    for path, text in readme_files().items():
        if "tiny" in path:
            (clone / path).write_text(text)
    env = clean_environment(PYTHONPATH=str(clone / "src"))
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
         "tests/models/test_nets.py", "-k", "tiny"],
        cwd=clone, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert re.search(r"\b([4-9]|\d\d) passed", tests.stdout), tests.stdout[-500:]
    run = subprocess.run(
        [sys.executable, "-m", "dlkit.cli.train", "model=tiny", "debug=fdr",
         "callbacks.rich_progress_bar=null", f"hydra.run.dir={tmp_path / 'run'}",
         f"paths.data_dir={tmp_path / 'data'}"],
        cwd=clone, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert '"status": "completed"' in (tmp_path / "run" / "summary.json").read_text()
