"""The mutation score of each module that `make mutation` mutates, from mutmut's results.

mutmut sums up all the files it mutated at once, so a module with weak tests hides behind the
others; this prints killed / mutants per module (`only_mutate` in pyproject.toml's [tool.mutmut]
lists them), the mutants that survived, and fails when a module scores below `--min` percent.
Run after `mutmut run`, in the folder it ran in: the repository root, or a pack's folder with a
[tool.mutmut] of its own.
"""

import argparse
import sys
from pathlib import Path

from mutmut.mutation.data import SourceFileMutationData
from mutmut.stats import status_by_exit_code

if sys.version_info >= (3, 11):
    from tomllib import loads
else:  # mutmut's own dependency before 3.11
    from toml import loads

CAUGHT = {"killed", "timeout"}  # a mutant that makes the tests hang is caught too


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min", type=float, default=0, help="lowest score allowed, in percent")
    threshold = parser.parse_args().min
    modules = loads(Path("pyproject.toml").read_text())["tool"]["mutmut"]["only_mutate"]
    survivors, weak = [], []
    print("mutation score: mutants killed / mutants (a timeout counts as killed)")
    for module in modules:
        results = SourceFileMutationData(path=module)
        results.load()
        statuses = {
            name: status_by_exit_code[code] for name, code in results.exit_code_by_key.items()
        }
        if not statuses:
            print(f"  {module}: no results, run `mutmut run` first")
            weak.append(module)
            continue
        killed = sum(status in CAUGHT for status in statuses.values())
        score = 100 * killed / len(statuses)
        others = sorted({s for s in statuses.values() if s not in CAUGHT})
        counts = ", ".join(f"{sum(v == s for v in statuses.values())} {s}" for s in others)
        print(f"  {module:50} {killed:4}/{len(statuses):<4} {score:5.1f}%  {counts}")
        survivors += [name for name, status in statuses.items() if status not in CAUGHT]
        weak += [module] if score < threshold else []
    if survivors:
        print("not killed (`mutmut show <name>` shows the change):")
        print("\n".join(f"  {name}" for name in survivors))
    if weak:
        print(f"below {threshold:g}%: {', '.join(weak)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
