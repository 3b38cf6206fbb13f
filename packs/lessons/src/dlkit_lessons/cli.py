"""`make lesson`: the course's lessons, one line each; `make lesson name=<lesson> [overrides]`
runs one: the sweep of `configs/lesson/<lesson>.yaml` through `make sweep`'s own entry point
(`--multirun +lesson=<lesson>`: the lesson group is this pack's, added to the training config),
then its figure and report (`dlkit_lessons.report`).

`lesson.size=tiny` runs it at a size that only checks that it works (one epoch of a few
batches, the first sweep points); other overrides go to every run of the sweep.
"""

import sys

from dlkit.config.values import check_choice
from dlkit.errors import ConfigError
from dlkit_lessons import LESSONS

SIZES = ("full", "tiny")


def print_lessons() -> None:
    print("Lessons of the course (each one command, a figure and a report):\n")
    for lesson in LESSONS.values():
        missing = lesson.missing
        if missing:  # stripped from this clone: listed, so that the course stays whole
            print(
                f"  {lesson.command:<40} needs the {' and '.join(missing)} pack, not in this clone"
            )
        else:
            print(f"  {lesson.command:<40} {lesson.claim}")
    print("\nlesson.size=tiny checks that one runs; hydra.sweep.dir=… moves its folder.")


def lesson_arguments(arguments: list[str]) -> list[str] | None:
    """The training entry point's command line for `name=<lesson> …`; None without a name."""
    names = [a.split("=", 1)[1] for a in arguments if a.startswith("name=")]
    if not names:
        return None
    name = check_choice("lesson", names[-1], LESSONS)
    missing = LESSONS[name].missing
    if missing:
        packs = " and ".join(missing)
        raise ConfigError(
            f"lesson {name} needs the {packs} pack, which this clone does not have (stripped "
            f"with make strip): a clone of the template with the {packs} pack runs it"
        )
    for size in (a.split("=", 1)[1] for a in arguments if a.startswith("lesson.size=")):
        check_choice("lesson.size", size, SIZES)
    rest = [a for a in arguments if not a.startswith("name=")]
    return ["--multirun", f"+lesson={name}", *rest]


def main() -> None:
    try:
        arguments = lesson_arguments(sys.argv[1:])
    except ConfigError as error:
        print(f"error: {error} (make lesson lists the lessons)", file=sys.stderr)
        sys.exit(2)
    if arguments is None:
        print_lessons()
        return
    from dlkit.cli.train import main as train_main  # Hydra and the config, for a run only
    from dlkit.runs.startup import start

    sys.argv[1:] = arguments
    start(train_main)


if __name__ == "__main__":
    main()
