"""Scaffold a new assignment: ``backprop new NAME``.

Writes, for an assignment NAME (module name ``NAME`` with ``-`` as ``_``):

- ``assignments/NAME/NAME.ipynb``: a master notebook in otter assign format with one
  auto-graded example question (a solution cell, one public and one hidden test);
- ``autograder/student/MODULE.py``: the public check the public test calls (structure only);
- ``autograder/runtime/questions/MODULE.py``: the hidden test's verdict (values against the
  reference, with a catalogued mistake);
- ``solutions/MODULE.py``: the reference function;
- ``tests/fixtures/NAME.yaml``: the solution, blank and one wrong-answer fixture, all
  graded by ``backprop build NAME``;
- ``assignments/NAME/coverage.yaml``: the example question as an addition to the
  handouts, which the coverage check requires of every assignment.

It refuses a name that is taken (any of those files exists) or is not lowercase words
joined by ``-``. Replace the example with the real questions, keeping the shape.
"""

import argparse
import re
import sys
from pathlib import Path

import nbformat
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from autograder.instructor.paths import ASSIGNMENTS, FIXTURES, ROOT, SOLUTIONS

NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
# names of modules that already live beside the new ones and must not be shadowed
RESERVED = {"checks", "verdicts", "activations", "gradcheck", "questions", "student",
            "runtime", "instructor", "solutions", "autograder", "otter", "numpy", "test"}


class ScaffoldError(ValueError):
    """The name cannot be scaffolded; the message says why."""


def module_name(name: str) -> str:
    """The Python module name of an assignment: ``chain-rule`` -> ``chain_rule``."""
    return name.replace("-", "_")


def scaffold_paths(name: str) -> dict[str, Path]:
    """Every file ``backprop new NAME`` writes, by role."""
    module = module_name(name)
    return {
        "notebook": ASSIGNMENTS / name / f"{name}.ipynb",
        "coverage": ASSIGNMENTS / name / "coverage.yaml",
        "public": ROOT / "autograder" / "student" / f"{module}.py",
        "hidden": ROOT / "autograder" / "runtime" / "questions" / f"{module}.py",
        "solution": SOLUTIONS / f"{module}.py",
        "fixtures": FIXTURES / f"{name}.yaml",
    }


def check_name(name: str) -> None:
    """Raise ScaffoldError unless ``name`` is a new, valid assignment name."""
    if not NAME_PATTERN.fullmatch(name):
        raise ScaffoldError(f"{name!r} is not a valid assignment name: lowercase letters and "
                            "digits, words joined by '-', starting with a letter "
                            "(e.g. conv-backprop)")
    if module_name(name) in RESERVED:
        raise ScaffoldError(f"{name!r} would shadow the module {module_name(name)!r}")
    taken = [path for path in scaffold_paths(name).values() if path.exists()]
    if (ASSIGNMENTS / name).exists():
        taken.insert(0, ASSIGNMENTS / name)
    if taken:
        raise ScaffoldError(f"{name!r} is taken: {', '.join(str(p) for p in taken)} "
                            "already exist(s)")


SOLUTION = '''"""Reference answers of {name} (in the grading zip only, never sent to students)."""


def square_backward(X, dY):
    """Gradient of Y = X ** 2, taken entry by entry.

    Inputs:
    - X: inputs, shape (n, N)
    - dY: upstream gradient dL/dY, shape (n, N)

    Returns dX = dL/dX = 2 X * dY (entry by entry), shape (n, N).
    """
    return 2 * X * dY
'''

PUBLIC = '''"""Public checks of {name}: structure only (type, shape, finite), never the values.

Shipped to students with the notebook: numpy and the standard library only.
"""

import numpy as np

from autograder.student.checks import call, check_finite, check_shape


def check_q1(square_backward) -> None:
    """Does square_backward return a finite array shaped like X, for a 3x4 input?"""
    rng = np.random.default_rng(0)
    X, dY = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    dX = call(square_backward, X, dY, name="square_backward")
    check_finite(check_shape(dX, (3, 4), "dX"), "dX")
'''

HIDDEN = '''"""Hidden tests of {name}: values against solutions/{module}.py, on the
question's own inputs."""

import numpy as np

from autograder.runtime.verdicts import IMPLEMENTED, call, check_close


def check_q1(square_backward) -> None:
    """Does square_backward match the reference on several shapes (a missing factor 2
    named as such)?"""
    import solutions.{module} as ref
    rng = np.random.default_rng(1)
    for shape in [(2, 3), (4, 1), (3, 3)]:
        X, dY = rng.normal(size=shape), rng.normal(size=shape)
        dX = call(square_backward, X, dY, name="square_backward")
        check_close(dX, ref.square_backward(X, dY), f"dX for X of shape {{shape}}",
                    **IMPLEMENTED,
                    mistakes={{"the factor 2 of d(x^2)/dx = 2x is missing": X * dY}})
'''

PUBLIC_TEST = '''def test_q1_shape(square_backward):
    """Does square_backward return a finite array shaped like X?"""
    from autograder.student.{module} import check_q1
    check_q1(square_backward)'''

HIDDEN_TEST = '''""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
def test_q1_values(square_backward):
    """Does square_backward match the reference?"""
    from autograder.runtime.questions.{module} import check_q1
    check_q1(square_backward)'''

STUDENT_CODE = '''def square_backward(X, dY):
    """Gradient of Y = X ** 2 (entry by entry): return dX = dL/dX, shaped like X."""
    # BEGIN SOLUTION
    return 2 * X * dY
    # END SOLUTION'''


def notebook(name: str) -> nbformat.NotebookNode:
    """The master notebook: one auto-graded question in otter assign format."""
    module = module_name(name)
    cells = [
        new_raw_cell(f"# ASSIGNMENT CONFIG\nname: {name}\nconfig_file: assign_config.yaml"),
        new_markdown_cell(f"# {name}\n\nWrite your code where you see `...`, then run the "
                          "`grader.check(\"q…\")` cell right after it: it runs the public "
                          "checks (type, shape, finite values); hidden tests check the values "
                          "after you submit. Their results appear on Gradescope once your "
                          "instructor publishes the grades (or right after the autograder "
                          "runs, if your instructor has turned on immediate feedback)."
                          "\n\nTo work on your own machine, install "
                          "`{{ pip_install }}`."),
        new_code_cell("import numpy as np"),
        new_raw_cell("# BEGIN QUESTION\nname: q1\npoints: 2"),
        new_markdown_cell("**q1.** Implement `square_backward(X, dY)`: given the upstream "
                          "gradient $dY = \\partial L / \\partial Y$ of $Y = X^2$ (entry by "
                          "entry), return $dX = \\partial L / \\partial X$, shaped like $X$."),
        new_raw_cell("# BEGIN SOLUTION"),
        new_code_cell(STUDENT_CODE),
        new_raw_cell("# END SOLUTION"),
        new_raw_cell("# BEGIN TESTS"),
        new_code_cell(PUBLIC_TEST.format(module=module)),
        new_code_cell(HIDDEN_TEST.format(module=module)),
        new_raw_cell("# END TESTS"),
        new_raw_cell("# END QUESTION"),
    ]  # otter adds the "## Submission" heading and the export cell
    nb = new_notebook(cells=cells)
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python",
                                  "name": "python3"},
                   "language_info": {"name": "python"}}
    return nb


def fixtures(name: str) -> dict:
    """The fixture catalogue: the solution, a blank notebook and one catalogued mistake."""
    return {"fixtures": {
        "solution": {"sample": True},
        "blank": {"sample": True, "base": "student",
                  "expect": {"other_scores": 0,
                             "messages": {"q1": "forget to `return`"}}},
        "q1-missing-factor-2": {
            "sample": True,
            "edits": [{"find": "return 2 * X * dY", "replace": "return X * dY"}],
            "expect": {"scores": {"q1": 0},
                       "messages": {"q1": "factor 2 of d(x^2)/dx = 2x is missing"}}},
    }}


def coverage() -> dict:
    """coverage.yaml: the example question is an addition until the handouts are mapped."""
    return {"handouts": ["TODO.txt"],
            "items": [{"item": "addition", "summary": "example question: the gradient of X ** 2",
                       "questions": ["q1"]}]}


def scaffold(name: str) -> dict[str, Path]:
    """Write every file of a new assignment ``name``; return them by role.

    Raises ScaffoldError (and writes nothing) if the name is invalid or taken.
    """
    check_name(name)
    paths = scaffold_paths(name)
    module = module_name(name)
    paths["notebook"].parent.mkdir(parents=True)
    nbformat.write(notebook(name), paths["notebook"])
    header = (f"# Fixture submissions for {name}, named by outcome (see "
              "autograder/instructor/fixtures.py).\n")
    paths["fixtures"].write_text(header + yaml.safe_dump(fixtures(name), sort_keys=False))
    paths["coverage"].write_text(yaml.safe_dump(coverage(), sort_keys=False))
    paths["solution"].write_text(SOLUTION.format(name=name))
    paths["public"].write_text(PUBLIC.format(name=name))
    paths["hidden"].write_text(HIDDEN.format(name=name, module=module))
    return paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``backprop new``."""
    parser.add_argument("name", metavar="NAME",
                        help="the new assignment's name: lowercase words joined by '-'")


def run(args: argparse.Namespace) -> int:
    """Scaffold ``args.name``; print what was written; return the exit status."""
    try:
        paths = scaffold(args.name)
    except ScaffoldError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for path in paths.values():
        print(f"   wrote {path.relative_to(ROOT)}")
    print(f"next: edit them, then `backprop build {args.name}` builds it and grades the "
          "fixtures")
    return 0
