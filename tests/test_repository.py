"""The repository a user clones: renamed in one command, installs pinned, the same checks in CI.

`make rename` runs on a fresh clone in a temporary folder, with an environment that sees the
shared packages but not this checkout's own (editable) install, so the renamed project must
stand on its own.
"""

import importlib.util
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from tests.helpers import ROOT

LOCK = ROOT / "requirements" / "constraints.txt"


def _current_name() -> str:
    """The project's name now: `dlkit` in the template, the user's after `make rename`."""
    spec = importlib.util.spec_from_file_location("rename", ROOT / "scripts" / "rename.py")
    rename = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rename)
    return rename.current_name(ROOT)


OLD = _current_name()
# README's example name, unless the project already has it (a clone renamed as README shows)
NEW = "acme_vision" if OLD != "acme_vision" else "acme_vision_lab"


def _requirement(name: str) -> Requirement:
    text = (ROOT / "pyproject.toml").read_text()
    for line in text.splitlines():
        stripped = line.strip().strip('",')
        if stripped.startswith(f"{name}>") or stripped.startswith(f"{name}="):
            return Requirement(stripped)
    raise AssertionError(f"{name} is not a dependency")


def test_compromised_lightning_releases_are_refused():
    requirement = _requirement("lightning")
    assert not requirement.specifier.contains("2.6.2") and not requirement.specifier.contains(
        "2.6.3"
    )
    pinned = [line for line in LOCK.read_text().splitlines() if line.startswith("lightning==")]
    assert len(pinned) == 1 and requirement.specifier.contains(pinned[0].split("==")[1])


def test_the_lock_pins_every_dependency_in_its_range():
    pins = {
        line.split("==")[0].lower().replace("_", "-"): line.split("==")[1]
        for line in LOCK.read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    for name in ("torch", "lightning", "hydra-core", "optuna", "scikit-learn"):
        assert _requirement(name).specifier.contains(pins[name]), name


def test_ci_runs_the_make_targets_a_user_runs():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    runs = [
        step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step
    ]
    assert runs == ["make lint", "make test"]
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("make test")


def test_the_pre_commit_hooks_are_valid_and_guard_checkpoints():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff-check", "ruff-format", "check-yaml", "check-added-large-files"} <= set(hooks)
    guard = hooks["no-checkpoints-or-data"]
    for path in ("logs/train/x/last.ckpt", "model.onnx", "data/mnist1d/mnist1d.npz"):
        assert re.search(guard["files"], path), path
    assert not re.search(guard["files"], "src/dlkit/data/base.py")


def _clone(tmp_path: Path) -> Path:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    return clone


def _rename(clone: Path, name: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "scripts/rename.py", name]
    return subprocess.run(command, cwd=clone, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Acme-Vision", "lower-case Python identifier"),
        ("json", "already a module"),
        ("class", "identifier"),
    ],
)
def test_rename_refuses_a_bad_name(tmp_path, name, words):
    result = _rename(_clone(tmp_path), name)
    assert result.returncode == 2 and words in result.stderr


def test_rename_refuses_uncommitted_changes(tmp_path):
    clone = _clone(tmp_path)
    (clone / "README.md").write_text("edited\n")
    result = _rename(clone, NEW)
    assert result.returncode == 2 and "uncommitted changes" in result.stderr


def _isolated_python(tmp_path: Path) -> Path:
    """A venv that sees the shared site-packages but not this checkout's editable install."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    (site / "shared.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin" / "python"


@pytest.fixture
def renamed(tmp_path) -> Path:
    """A fresh clone renamed to NEW."""
    clone = _clone(tmp_path)
    result = _rename(clone, NEW)
    assert result.returncode == 0, result.stderr
    return clone


def _in_clone(clone: Path, *command: str) -> subprocess.CompletedProcess:
    python = _isolated_python(clone.parent)
    env = {"PYTHONPATH": str(clone / "src"), "PATH": "/usr/bin:/bin", "HOME": str(clone.parent)}
    return subprocess.run(
        [str(python), *command], cwd=clone, env=env, capture_output=True, text=True, timeout=900
    )


def test_a_renamed_clone_names_itself_everywhere(renamed):
    assert _rename(renamed, NEW).stdout.startswith("the project is already named")
    assert not (renamed / "src" / OLD).exists() and (renamed / "src" / NEW).is_dir()
    assert (renamed / "src" / "hydra_plugins" / f"{NEW}_sweepers").is_dir()
    leftovers = subprocess.run(
        ["git", "grep", "-l", "-w", OLD], cwd=renamed, capture_output=True, text=True
    ).stdout
    assert leftovers == "", leftovers
    assert (renamed / "README.md").read_text().startswith(f"# {NEW}\n")
    done = _in_clone(renamed, "-m", f"{NEW}.cli.train", "model=mlp", "--cfg", "job")
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"_target_: {NEW}.models.nets.mlp.MLP" in done.stdout


@pytest.mark.slow  # a training run and two test files in the renamed clone
def test_a_renamed_clone_tests_and_trains(renamed, tmp_path):
    done = _in_clone(renamed, "-m", "pytest", "tests/test_configs.py", "tests/test_layout.py", "-q")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    run = _in_clone(
        renamed, "-m", f"{NEW}.cli.train", "debug=fdr", "callbacks.rich_progress_bar=null",
        f"hydra.run.dir={tmp_path / 'run'}", f"paths.data_dir={tmp_path / 'data'}",
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


@pytest.mark.slow  # resolves every pinned package in a fresh environment
def test_the_lock_installs_in_a_fresh_environment(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    command = [str(venv / "bin" / "pip"), "install", "--dry-run", "--quiet", "-c", str(LOCK)]
    done = subprocess.run(
        [*command, "-e", f"{ROOT}[dev]"], capture_output=True, text=True, timeout=1800
    )
    assert done.returncode == 0, done.stderr[-3000:]
