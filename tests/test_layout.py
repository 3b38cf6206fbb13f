"""The code reads top-down: no import circle in `src/`, no file over 250 lines, no grab-bag folder.

Checked from the source text (`ast`), so a change that breaks the layout fails here, not in a
reader's head.
"""

import ast
from pathlib import Path

from tests.conftest import ROOT

SRC = ROOT / "src"
LONGEST = 250
GRAB_BAGS = {"utils", "helpers", "common", "misc"}


def _module(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The project modules `path` imports (anywhere in the file), each as its longest module name."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            parts = name.split(".")
            prefixes = (".".join(parts[:k]) for k in range(len(parts), 0, -1))
            found |= {next((p for p in prefixes if p in modules), "")} - {""}
    return found


def _graph() -> dict[str, set[str]]:
    paths = {_module(p): p for p in SRC.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        # a package importing its own modules is no step back up
        graph[name] = {m for m in _imports(path, set(paths)) if not m.startswith(f"{name}.")}
        graph[name].discard(name)
    return graph


def test_no_import_circle():
    graph, done, circles = _graph(), set(), []

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            circles.append([*path[path.index(module) :], module])
            return
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    assert not circles, "import circles:\n" + "\n".join(" -> ".join(c) for c in circles)


def test_no_file_over_250_lines():
    files = [*SRC.rglob("*.py"), *(ROOT / "benchmarks").glob("*.py")]
    long = {
        str(p.relative_to(ROOT)): n
        for p in files
        if (n := len(p.read_text().splitlines())) > LONGEST
    }
    assert not long, long


def test_folders_are_named_after_what_they_hold():
    folders = {p.name for p in SRC.rglob("*") if p.is_dir() and p.name != "__pycache__"}
    assert not folders & GRAB_BAGS
