"""`make mutation` runs mutmut in the root and in each pack with a `[tool.mutmut]` of its own
(mutmut mutates only under the `src/` of the folder it runs in): each lists modules and tests
that exist there, the modules under that folder's `src/`."""

import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).parents[1]
FOLDERS = [
    folder
    for folder in [ROOT, *sorted(p.parent for p in ROOT.glob("packs/*/pyproject.toml"))]
    if "mutmut" in tomllib.loads((folder / "pyproject.toml").read_text()).get("tool", {})
]


def test_the_root_and_the_audit_pack_are_mutation_tested():
    audit = ROOT / "packs" / "audit"  # unless `make strip` removed the pack
    assert {ROOT, *([audit] if audit.is_dir() else [])} <= set(FOLDERS)


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.relative_to(ROOT).as_posix() or ".")
def test_a_mutmut_config_names_modules_and_tests_that_exist(folder):
    settings = tomllib.loads((folder / "pyproject.toml").read_text())["tool"]["mutmut"]
    assert settings["source_paths"] == ["src"]
    for module in settings["only_mutate"]:
        assert module.startswith("src/") and (folder / module).is_file(), module
    for tests in settings["pytest_add_cli_args_test_selection"]:
        assert (folder / tests).is_file(), tests


def test_make_test_leaves_the_copies_in_a_packs_mutants_folder_alone(tmp_path):
    """mutmut copies a pack's tests into packs/<name>/mutants/tests/, inside the test paths."""
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    for folder in ("packs/x/tests", "packs/x/mutants/tests", "tests"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / f"test_{folder.replace('/', '_')}.py").write_text(
            "def test_it():\n    pass\n"
        )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    collected = [line for line in result.stdout.splitlines() if "::" in line]
    assert sorted(collected) == [
        "packs/x/tests/test_packs_x_tests.py::test_it",
        "tests/test_tests.py::test_it",
    ]
