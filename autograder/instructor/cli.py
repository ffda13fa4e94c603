"""``backprop``: the instructor's one command line (as ``otter`` and ``nbgrader`` have).

Each subcommand is a module of :mod:`autograder.instructor` exposing ``add_arguments(parser)``
and ``run(args) -> exit status``; this file only wires them together (the heavy imports,
otter and matplotlib, stay inside the commands that need them).
"""

import argparse
import importlib
import sys

# subcommand: (module, one-line help). The module's docstring is the subcommand's --help text.
COMMANDS = {
    "build": ("build", "build assignments with otter assign and grade their sample submissions"),
    "grade": ("grade_all", "grade a folder of submissions as Gradescope would: CSV and report"),
    "bench": ("bench", "time grading against the floor and stock otter"),
    "coverage": ("coverage", "check coverage.yaml files and rewrite the README's coverage tables"),
    "new": ("new", "scaffold a new assignment (notebook, checks, reference, fixtures)"),
    "lock": ("lock", "regenerate requirements-grading.lock, the grading image's pins"),
}


def _user_errors() -> tuple[type[Exception], ...]:
    """What a command raises for a mistake in its input (said in one line), as opposed to a
    bug (a traceback)."""
    from autograder.instructor.build import BuildError
    from autograder.instructor.gradescope_export import ExportError
    from autograder.instructor.new import ScaffoldError
    return (FileNotFoundError, NotADirectoryError, BuildError, ExportError, ScaffoldError)


USER_ERRORS = _user_errors()


def parser() -> argparse.ArgumentParser:
    """The ``backprop`` argument parser, with one subparser per command."""
    top = argparse.ArgumentParser(
        prog="backprop", description="Build, grade and maintain the backpropagation homework.",
        epilog="`backprop COMMAND --help` explains each command.")
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command, (module_name, summary) in COMMANDS.items():
        module = importlib.import_module(f"autograder.instructor.{module_name}")
        sub = commands.add_parser(command, help=summary, description=module.__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run ``backprop`` with ``argv`` (default: the command line); return the exit status."""
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except USER_ERRORS as e:  # a wrong name, a missing folder, a bad export: no traceback
        print(f"backprop {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
