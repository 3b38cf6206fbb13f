"""The code reads top-down and the packs stay removable: no import circle, the core never imports
a pack nor names one in its configs, a pack imports only the core and the packs it requires, and
no grab-bag folder.

Checked from the source text (`ast`), so a change that breaks the layout fails here, not in a
reader's head. (One concept per file is left to the reader: no line count decides it.)
"""

import ast
import re
from pathlib import Path

import tomllib

from tests.helpers import CONFIG_DIR, ROOT

CORE = ROOT / "src"
PACKS = {p.parent.name: p.parent for p in (ROOT / "packs").glob("*/pyproject.toml")}
SOURCES = [CORE, *(pack / "src" for pack in PACKS.values())]
GRAB_BAGS = {"utils", "helpers", "common", "misc"}


def _module(path: Path) -> str:
    root = next(src for src in SOURCES if path.is_relative_to(src))
    parts = list(path.relative_to(root).with_suffix("").parts)
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


def _pack_of(module: str) -> str | None:
    """The pack a module belongs to (its package, or its Hydra plugin), None for the core."""
    for name, folder in PACKS.items():
        packages = {p.name for p in (folder / "src").glob("*") if p.is_dir()} - {"hydra_plugins"}
        plugins = {f"hydra_plugins.{p.name}" for p in (folder / "src" / "hydra_plugins").glob("*")}
        if module.split(".")[0] in packages or any(module.startswith(p) for p in plugins):
            return name
    return None


def _requires(pack: str) -> set[str]:
    settings = tomllib.loads((PACKS[pack] / "pyproject.toml").read_text())
    return set(settings["tool"]["dlkit"]["pack"]["requires"])


def _graph() -> dict[str, set[str]]:
    paths = {_module(p): p for src in SOURCES for p in src.rglob("*.py")}
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


def test_the_core_never_imports_a_pack_and_a_pack_only_what_it_requires():
    wrong = []
    for module, imported in _graph().items():
        pack = _pack_of(module)
        allowed = {None, pack, *(_requires(pack) if pack else ())}
        wrong += [f"{module} -> {m}" for m in imported if _pack_of(m) not in allowed]
    assert not wrong, "imports across the core/pack boundary:\n" + "\n".join(sorted(wrong))


def test_no_core_config_names_a_pack():
    packages = {p.name for pack in PACKS.values() for p in (pack / "src").glob("dlkit_*")}
    named = [
        f"{path.relative_to(ROOT)}: {package}"
        for path in CONFIG_DIR.rglob("*.yaml")
        for package in packages
        if re.search(rf"\b{package}\b", path.read_text())
    ]
    assert not named, named


def test_folders_are_named_after_what_they_hold():
    folders = {
        p.name for src in SOURCES for p in src.rglob("*") if p.is_dir() and p.name != "__pycache__"
    }
    assert not folders & GRAB_BAGS
