"""`make packs` lists the packs of this clone; `make strip packs=a,b` (or `packs=all`) removes them.

A pack is one folder, `packs/<name>/`: its code (an installable package), its configs (added to
Hydra's search path by its plugin), its tests, its make targets (`pack.mk`), its dependencies
(`pyproject.toml`, whose `[tool.dlkit.pack]` table gives its summary and the packs it requires)
and its documentation (`README.md`, and the block of the main README between
`<!-- pack:<name> -->` and `<!-- /pack:<name> -->`). Stripping deletes the folder, cuts those
README blocks and uninstalls the pack from `.venv`; nothing else changes, so the result is one
commit of its own. Like `make rename`, it refuses a tree with uncommitted changes (`git checkout
.` undoes it), and it refuses to strip a pack that a remaining pack requires.

No third-party import: it runs on the system Python, before `.venv` exists.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKS_DIR = ROOT / "packs"
README = ROOT / "README.md"
VENV_PIP = ROOT / ".venv" / "bin" / "pip"


def packs() -> dict[str, dict]:
    """Every pack present: name -> its `[tool.dlkit.pack]` settings and its distribution name."""
    found = {}
    for pyproject in sorted(PACKS_DIR.glob("*/pyproject.toml")):
        settings = tomllib.loads(pyproject.read_text())
        found[pyproject.parent.name] = {
            **settings["tool"]["dlkit"]["pack"],
            "distribution": settings["project"]["name"],
            "dependencies": [d for d in settings["project"]["dependencies"] if d != "dlkit"],
        }
    return found


def list_packs() -> None:
    present = packs()
    if not present:
        print("no packs: the core alone")
        return
    width = max(map(len, present))
    for name, pack in present.items():
        needs = f" (needs {', '.join(pack['requires'])})" if pack["requires"] else ""
        print(f"{name:<{width}}  {pack['summary']}{needs}")


def chosen(argument: str, present: dict[str, dict]) -> list[str]:
    """The packs `packs=…` names; an error listing the packs there are for an unknown one."""
    if argument.strip() == "all":
        return list(present)
    names = [n.strip() for n in argument.split(",") if n.strip()]
    if not names:
        raise SystemExit(f"name the packs to strip: make strip packs=<{'|'.join(present)}|all>")
    unknown = [n for n in names if n not in present]
    if unknown:
        there = ", ".join(present) or "none"
        raise SystemExit(f"no pack named {', '.join(unknown)} here; the packs are: {there}")
    return names


def check_strippable(names: list[str], present: dict[str, dict]) -> None:
    """A pack that stays may not lose a pack it requires."""
    for name, pack in present.items():
        lost = [r for r in pack["requires"] if r in names]
        if name not in names and lost:
            raise SystemExit(
                f"the {name} pack requires {', '.join(lost)}: strip {name} too "
                f"(make strip packs={','.join([*names, name])}), or keep {', '.join(lost)}"
            )


def check_clean_tree() -> None:
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
    )
    if status.returncode != 0:
        raise SystemExit("make strip works in a git clone: git status failed here")
    if status.stdout.strip():
        raise SystemExit(
            "the tree has uncommitted changes: commit or stash them first, so that stripping "
            "is one commit of its own (git checkout . undoes it)"
        )


def without_blocks(text: str, name: str) -> str:
    """README text without the blocks marked for pack `name` (markers included)."""
    block = re.compile(
        rf"[ \t]*<!-- pack:{re.escape(name)} -->.*?<!-- /pack:{re.escape(name)} -->[ \t]*\n?",
        re.DOTALL,
    )
    return block.sub("", text)


def strip(argument: str) -> None:
    present = packs()
    names = chosen(argument, present)
    check_strippable(names, present)
    check_clean_tree()
    readme = README.read_text()
    for name in names:
        shutil.rmtree(PACKS_DIR / name)
        readme = without_blocks(readme, name)
        print(f"removed packs/{name}/ and its README blocks")
    README.write_text(readme)
    if VENV_PIP.exists():  # the environment drops them too (make reinstalls what remains)
        distributions = [present[n]["distribution"] for n in names]
        subprocess.run(
            [str(VENV_PIP), "uninstall", "--quiet", "--yes", *distributions], check=False
        )
    print(
        f"stripped {', '.join(names)}: commit it (git commit -am 'Strip {', '.join(names)}'). "
        "requirements/constraints.txt still pins their dependencies, which installs nothing; "
        "make lock re-resolves it without them."
    )


def main(argv: list[str]) -> None:
    if argv[:1] == ["list"]:
        list_packs()
    elif argv[:1] == ["strip"]:
        strip(" ".join(argv[1:]))
    else:
        raise SystemExit("usage: packs.py list | strip <pack,pack…|all>")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except SystemExit as error:
        if isinstance(error.code, str):
            print(f"error: {error.code}", file=sys.stderr)
            sys.exit(2)
        raise
