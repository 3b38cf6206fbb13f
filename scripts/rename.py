"""`make rename name=my_project`: the template becomes a project of your own name, in one step.

Renames the package folder (`src/<old>/`), the Hydra plugin package
(`src/hydra_plugins/<old>_sweepers/`), each pack's packages (`packs/<pack>/src/<old>_<pack>/` and
its plugin), and every mention of the old name as a word (or as the prefix of such a package) in
the files git tracks: imports, `_target_`s, the Makefile's module names, the `pyproject.toml`
files, tests, README (whose title becomes the new name). Run `make test` after it: the
environment reinstalls itself because pyproject.toml changed.

It refuses a name that is not a valid, lower-case Python identifier, one that would shadow a
module Python or the environment already has, and a tree with uncommitted changes (so that the
rename is one reviewable commit, and `git checkout .` undoes it). Renaming to the current name
changes nothing.
"""

import argparse
import importlib.util
import keyword
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT_SUFFIXES = {".py", ".yaml", ".yml", ".toml", ".md", ".txt", ".cfg", ".ini", ".json"}
TEXT_NAMES = {"Makefile", "run"}  # .ci/run


class RenameError(Exception):
    """The rename cannot be done as asked; the message says why and what to do."""


def current_name(root: Path) -> str:
    """The `name` of pyproject.toml's [project] table (read by pattern: tomllib is 3.11+)."""
    found = re.search(r'(?m)^name = "([^"]+)"', (root / "pyproject.toml").read_text())
    if found is None:
        raise RenameError(f"no project name in {root / 'pyproject.toml'}")
    return found.group(1)


def check_name(name: str, old: str) -> None:
    if not name.isidentifier() or keyword.iskeyword(name) or name != name.lower():
        raise RenameError(
            f"{name!r} is not a lower-case Python identifier: use letters, digits and _ "
            "(e.g. acme_vision)"
        )
    taken = name in sys.stdlib_module_names or (
        name != old and importlib.util.find_spec(name) is not None
    )
    if taken:
        raise RenameError(f"{name!r} is already a module here: pick a name nothing else uses")


def check_clean(root: Path) -> None:
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, check=False
    )
    if status.returncode != 0:
        raise RenameError(f"{root} is not a git checkout: clone the template first")
    if status.stdout.strip():
        raise RenameError(
            "the tree has uncommitted changes: commit or stash them first, so that the rename "
            "is a change of its own (git status lists them)"
        )


def tracked_text_files(root: Path) -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    files = [root / f for f in listed if f]
    return [p for p in files if p.is_file() and (p.suffix in TEXT_SUFFIXES or p.name in TEXT_NAMES)]


def rename(root: Path, name: str) -> list[Path]:
    """Rename the project at `root` to `name`; returns the files whose text changed."""
    old = current_name(root)
    check_name(name, old)
    if name == old:
        return []
    check_clean(root)
    word = re.compile(rf"\b{re.escape(old)}(?=\b|_)")  # dlkit, dlkit_sweepers, dlkit_text
    changed = []
    for path in tracked_text_files(root):
        text = path.read_text()
        new = word.sub(name, text)
        if path.name == "README.md":
            new = re.sub(r"\A# .*", f"# {name}", new, count=1)
        if new != text:
            path.write_text(new)
            changed.append(path)
    for source in [root / "src", *sorted(root.glob("packs/*/src"))]:
        for parent in (source, source / "hydra_plugins"):
            for folder in sorted(parent.glob(f"{old}*")):
                if folder.is_dir() and word.match(folder.name):
                    target = parent / word.sub(name, folder.name)
                    subprocess.run(["git", "mv", str(folder), str(target)], cwd=root, check=True)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="the new package name, e.g. acme_vision")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        old = current_name(args.root)
        changed = rename(args.root, args.name)
    except RenameError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not changed:
        print(f"the project is already named {args.name}: nothing to do")
        return 0
    print(f"renamed {old} -> {args.name} in {len(changed)} files; now run `make test`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
