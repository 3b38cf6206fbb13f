"""`make compare runs=<folders> [out=<folder>]`: overlaid learning curves and a table of metrics.

The folders are run folders, sweep folders or cross-validated runs (`dlkit_diagnostics.comparison`);
`comparison.png` and `comparison.md` go into `out`, else into the first folder given. It reads
finished runs and composes no config, so its arguments are plain paths, not Hydra overrides.
"""

import argparse
import sys

from dlkit.errors import BadInput


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="make compare", description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="*", help="run or sweep folders (commas or spaces apart)")
    parser.add_argument("--out", help="the folder for comparison.png and comparison.md")
    args = parser.parse_args(argv)
    paths = [p for arg in args.runs for p in arg.split(",") if p]
    from dlkit_diagnostics.comparison import compare  # matplotlib, pandas

    try:
        png, md = compare(paths, args.out)
    except BadInput as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    print(f"compared: {png}\n          {md}")


if __name__ == "__main__":
    main()
