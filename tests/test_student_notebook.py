"""Does a student notebook work when it is all a student has?

Students often receive only the ``.ipynb`` (an LMS, a shared drive, a browser download that
renames it ``matrix-backprop (1).ipynb``). The build makes the notebook carry its public
checks and find itself under any name (:mod:`autograder.student.notebook_init`); these
tests check the pieces in process, then run built notebooks alone in a fresh kernel that
cannot import this project.
"""

import importlib
import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

from autograder.instructor import bench, build
from autograder.instructor.lock import canonical, read_pins
from autograder.instructor.paths import README, REQUIREMENTS
from autograder.student.notebook_init import find_notebook_and_checks

ASSIGNMENTS = build.assignment_names()


# --------------------------------------------------------------------------------------
# In process: finding the notebook, serving the checks, the install line
# --------------------------------------------------------------------------------------

def write_notebook(path: Path, assignment: str, modules: dict | None = None) -> Path:
    """A minimal notebook of ``assignment`` (otter's metadata), carrying ``modules``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["otter"] = {"assignment_name": assignment}
    if modules is not None:
        nb.metadata[build.METADATA_KEY] = {"modules": modules}
    nbformat.write(nb, path)
    return path


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """An empty working folder, with no front end naming the open notebook."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    yield tmp_path
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "EmbeddedChecks"]
    for name in [m for m in sys.modules if m.split(".")[0] == "carried"]:
        del sys.modules[name]


def test_a_renamed_notebook_is_found_by_its_assignment(folder):
    """Saved as 'hw (1).ipynb' beside another assignment's notebook, is it the one found?"""
    write_notebook(folder / "other.ipynb", "other-assignment")
    write_notebook(folder / "hw (1).ipynb", "hw")
    assert find_notebook_and_checks("hw.ipynb", "hw") == "hw (1).ipynb"


def test_of_two_copies_the_last_saved_is_found(folder):
    """With the original and a renamed copy side by side, is the one saved last chosen?"""
    write_notebook(folder / "hw.ipynb", "hw")
    write_notebook(folder / "hw (1).ipynb", "hw")
    os.utime(folder / "hw.ipynb", (1, 1))
    assert find_notebook_and_checks("hw.ipynb", "hw") == "hw (1).ipynb"


def test_the_front_ends_path_wins(folder, monkeypatch):
    """When Jupyter Server names the open notebook (JPY_SESSION_NAME), is that the one?"""
    write_notebook(folder / "hw (1).ipynb", "hw")
    write_notebook(folder / "hw.ipynb", "hw")
    os.utime(folder / "hw (1).ipynb", (1, 1))
    monkeypatch.setenv("JPY_SESSION_NAME", str(folder / "hw (1).ipynb"))
    # relative: otter names the zip and its entry after the path it is given
    assert find_notebook_and_checks("hw.ipynb", "hw") == "hw (1).ipynb"


def test_no_notebook_leaves_the_expected_name(folder):
    """With no notebook of the assignment around, is otter given the built name, as before?"""
    write_notebook(folder / "other.ipynb", "other-assignment")
    assert find_notebook_and_checks("hw.ipynb", "hw") == "hw.ipynb"


def test_carried_modules_are_importable(folder):
    """Are the modules stored in the notebook's metadata importable, packages included?"""
    write_notebook(folder / "hw.ipynb", "hw", {
        "carried": {"source": "", "package": True},
        "carried.checks": {"source": "LIMIT = 3\n", "package": False},
        "carried.hw": {"source": "from carried.checks import LIMIT\nTWICE = 2 * LIMIT\n",
                       "package": False}})
    find_notebook_and_checks("hw.ipynb", "hw")
    assert importlib.import_module("carried.hw").TWICE == 6


def test_files_beside_the_notebook_win_over_carried_modules(folder, monkeypatch):
    """With the student folder's files importable, are they used rather than the copies?"""
    (folder / "carried").mkdir()
    (folder / "carried" / "__init__.py").write_text("")
    (folder / "carried" / "checks.py").write_text("WHERE = 'file'\n")
    monkeypatch.syspath_prepend(str(folder))
    write_notebook(folder / "hw.ipynb", "hw", {
        "carried": {"source": "", "package": True},
        "carried.checks": {"source": "WHERE = 'metadata'\n", "package": False}})
    find_notebook_and_checks("hw.ipynb", "hw")
    assert importlib.import_module("carried.checks").WHERE == "file"


def test_running_the_init_cell_twice_keeps_one_hook(folder):
    """Does rerunning the init cell replace its import hook rather than add another?"""
    write_notebook(folder / "hw.ipynb", "hw", {"carried": {"source": "", "package": True}})
    for _ in range(2):
        find_notebook_and_checks("hw.ipynb", "hw")
    assert [type(f).__name__ for f in sys.meta_path].count("EmbeddedChecks") == 1


CHECK_FILE = """
from otter.test_files import test_case
name = "q9"
points = 1

@test_case(points=1)
def test_q9(x):
    from autograder.student.checks import call, check_finite
    check_finite(call(x, name="x") if callable(x) else x, "x")
"""


@pytest.fixture
def readable(monkeypatch):
    """otter's test-file class after the init cell's readable_check_failures (restored after)."""
    from otter.test_files.exception_test import ExceptionTestFile

    from autograder.student.notebook_init import readable_check_failures
    monkeypatch.setattr(ExceptionTestFile, "_generate_error_message",
                        ExceptionTestFile._generate_error_message)
    readable_check_failures()
    readable_check_failures()  # the cell run twice
    return ExceptionTestFile


def _failure(test_file_class, value) -> str:
    test_file = test_file_class.from_string(CHECK_FILE, "q9.py")
    test_file.run({"x": value})
    (result,) = test_file.test_case_results
    assert not result.passed
    return result.message


def test_stock_otter_shows_our_source_and_class_in_a_failure():
    """Without the init cell's change, does otter show a failed check as an error at a line
    of our test code, with our exception's class? (What readable_check_failures removes.)"""
    from otter.test_files.exception_test import ExceptionTestFile
    message = _failure(ExceptionTestFile, float("nan"))
    assert "Error at line" in message and "AnswerError" in message and "check_finite(" in message


def raises_with_a_quote(*args):
    return {}["it's 'quoted'"]


@pytest.mark.parametrize("value, text", [
    (float("nan"), "x contains NaN"),
    (None, "x is not defined"),
    (raises_with_a_quote, "x raised KeyError: \"it's 'quoted'\""),  # otter strips the quote
])
def test_a_failed_check_reads_as_the_answers_problem(readable, value, text):
    """After the init cell, is a failed check shown as its message alone, whole: no line of a
    test file, no source of ours, no exception class of ours?"""
    message = _failure(readable, value)
    assert message == "❌ Test case failed\n" + text + message.split(text, 1)[1]
    assert "Error at line" not in message and "AnswerError" not in message
    assert "check_finite" not in message and "autograder" not in message


def test_a_check_that_cannot_read_the_answer_names_the_error_only(readable):
    """An exception that is not a check's verdict: is it named, without our source?"""
    test_file = readable.from_string(CHECK_FILE.replace("check_finite(call(", "len(call("),
                                     "q9.py")
    test_file.run({"x": 3.0})
    message = test_file.test_case_results[0].message
    assert message.startswith("❌ Test case failed\nYour answer could not be checked (TypeError")
    assert "Error at line" not in message and "len(call(" not in message


def test_the_grading_stand_in_for_otter_is_left_alone(monkeypatch):
    """Run where ``otter`` is the grading's do-nothing stand-in (the in-process lane, the
    sandbox), does the init cell leave the real otter of that process unchanged?"""
    from otter.test_files.exception_test import ExceptionTestFile

    from autograder.instructor.inprocess import _builtins_with, _otter_stub
    original = ExceptionTestFile._generate_error_message
    monkeypatch.setattr(ExceptionTestFile, "_generate_error_message", original)
    ns = {"__builtins__": _builtins_with({"otter": _otter_stub()})}
    exec(build.init_function_source(build.INIT_FUNCTIONS[-1]) + "\nreadable_check_failures()",
         ns)
    assert ExceptionTestFile._generate_error_message is original


def test_install_line_pins_the_requirements_versions():
    """Does the students' pip line name each package at its requirements.txt version?"""
    pins = read_pins(REQUIREMENTS)
    words = build.student_install_command().split()
    assert words[:2] == ["pip", "install"]
    assert words[2:] == [f"{p}=={pins[canonical(p)]}" for p in build.STUDENT_PACKAGES]


def test_readme_gives_students_the_same_install_line():
    """Does the README's student section give exactly the build's pinned pip line?"""
    assert build.student_install_command() in README.read_text(), \
        f"README.md should tell students: {build.student_install_command()}"


# --------------------------------------------------------------------------------------
# The built notebooks
# --------------------------------------------------------------------------------------

@pytest.mark.slow  # a kernel: the full build's solution check, or a sandbox
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_notebook_carries_exactly_the_student_folder(built, name):
    """Does the notebook carry the public checks students get beside it, and nothing else?"""
    paths = built(name)
    nb = nbformat.read(paths["student"], as_version=4)
    carried = nb.metadata[build.METADATA_KEY]["modules"]
    module = name.replace("-", "_")
    assert set(carried) == {"autograder", "autograder.student", "autograder.student.checks",
                            "autograder.student.variants", f"autograder.student.{module}"}
    folder = paths["student"].parent / "autograder"
    assert carried["autograder.student.checks"]["source"] == \
        (folder / "student" / "checks.py").read_text()


@pytest.mark.slow  # a kernel: the full build's solution check, or a sandbox
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_notebook_reads_as_handed_out(built, name):
    """Is the install line filled in, one Submission heading left, and the title its own?"""
    nb = nbformat.read(built(name)["student"], as_version=4)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert build.student_install_command() in markdown[0]
    assert not any(build.INSTALL_PLACEHOLDER in m for m in markdown)
    assert sum(m.count("## Submission") for m in markdown) == 1
    init = next(c for c in nb.cells if c.cell_type == "code")
    assert "otter.Notebook(find_notebook_and_checks(" in init.source
    assert "readable_check_failures()" in init.source


@pytest.mark.slow  # the full build
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_setup_cell_is_short_and_collapsed(built, name):
    """Does the notebook open with its setup cell collapsed, and short when expanded (the
    functions' code without their docstrings), rather than ~90 lines to scroll past?"""
    nb = nbformat.read(built(name)["student"], as_version=4)
    init = nb.cells[0]
    assert init.cell_type == "code" and "otter.Notebook(" in init.source
    assert init.metadata["jupyter"]["source_hidden"] is True
    assert '"""' not in init.source
    assert len(init.source.splitlines()) <= 80, len(init.source.splitlines())
    assert init.source.startswith("# Initialize Otter\nimport otter\n" + build.INIT_COMMENT)


def test_notebook_titles_differ():
    """Does each master notebook have its own title?"""
    titles = [nbformat.read(build.ASSIGNMENTS / a / f"{a}.ipynb", as_version=4).cells[1]
              .source.splitlines()[0] for a in ASSIGNMENTS]
    assert len(set(titles)) == len(titles), titles


# --------------------------------------------------------------------------------------
# Alone, in a fresh kernel that cannot import this project (slow)
# --------------------------------------------------------------------------------------

def bare_kernels(root: Path) -> KernelSpecManager:
    """A kernel spec "bare" in the new folder ``root``: a Python that has this venv's
    packages but not this project.

    A new virtual environment whose site-packages points at ours with a .pth line: the
    packages are importable, but our site-packages' own .pth files (the editable install
    of ``autograder``) are not run, so ``import autograder`` fails as on a student's machine.
    """
    root.mkdir()
    venv.create(root / "venv", with_pip=False)
    python = root / "venv" / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "packages.pth").write_text(sysconfig.get_path("purelib") + "\n")
    probe = subprocess.run([python, "-c", "import numpy, otter, ipykernel; import autograder"],
                           capture_output=True, text=True, cwd=root)
    assert "No module named 'autograder'" in probe.stderr, probe.stderr  # packages, no project
    spec = root / "kernels" / "bare"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "bare", "language": "python"}))
    return KernelSpecManager(kernel_dirs=[str(root / "kernels")])


def run_alone(nb: nbformat.NotebookNode, folder: Path, filename: str,
              kernels: KernelSpecManager, environ: dict[str, str]) -> nbformat.NotebookNode:
    """Save ``nb`` as ``folder/filename`` (nothing else there) and run it top to bottom as a
    student would: cwd the folder, no PYTHONPATH, no front end naming the notebook
    (``environ``: the environment it starts from)."""
    folder.mkdir()
    nbformat.write(nb, folder / filename)
    env = {k: v for k, v in environ.items()
           if k not in ("PYTHONPATH", "JPY_SESSION_NAME") and not k.startswith("BACKPROP_")}
    # the student's own temporary files (the export's check kernel leaves its connection
    # file) stay beside the notebook, in this run's folder
    (folder.parent / "student-tmp").mkdir(exist_ok=True)
    env["TMPDIR"] = str(folder.parent / "student-tmp")
    km = KernelManager(kernel_name="bare", kernel_spec_manager=kernels,
                       connection_file=str(folder.parent / "kernel.json"))
    # the kernel's own messages go to a file beside the notebook: this may run in a thread
    # while no test captures the terminal
    with open(folder.parent / "kernel.log", "w") as log:
        try:
            NotebookClient(nb, km=km, timeout=300,
                           resources={"metadata": {"path": str(folder)}}
                           ).execute(env=env, stdout=log, stderr=log)
        finally:  # a kernel manager given to nbclient is ours to shut down
            if km.has_kernel:
                km.shutdown_kernel(now=True)
    return nb


def outputs(cell) -> str:
    return "\n".join(o.get("text", "") or json.dumps(o.get("data", o.get("traceback", "")))
                     for o in cell.outputs)


# Each notebook with the solution typed in under its own name, and one under a browser's
# (finding itself works alike for every assignment); each blank notebook under another
# such name, without its export cell (the solution-filled run exports).
SOLUTION_RUNS = [(name, "{name}.ipynb") for name in ASSIGNMENTS] + \
    [(ASSIGNMENTS[0], "{name} (1).ipynb")]


def _blank_without_export(paths) -> nbformat.NotebookNode:
    nb = nbformat.read(paths["student"], as_version=4)
    nb.cells = [c for c in nb.cells if "grader.export(" not in c.get("source", "")]
    return nb


def alone_runs(folder, built, environ):
    """{("solution", name, filename) or ("blank", name): future of (run notebook, its
    folder)}: every run below, done two at a time (each mostly waits for its kernel)."""
    import concurrent.futures
    kernels = bare_kernels(folder / "bare")

    def run(key, nb, filename):
        where = folder / "-".join(key) / "alone"
        where.parent.mkdir()
        return run_alone(nb, where, filename, kernels, environ), where

    with concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="alone") as pool:
        runs = {("solution", name, filename): pool.submit(
                    run, ("solution", name, filename), bench.solution_typed_in(built(name)),
                    filename.format(name=name))
                for name, filename in SOLUTION_RUNS}
        runs |= {("blank", name): pool.submit(run, ("blank", name),
                                              _blank_without_export(built(name)),
                                              f"{name} (2).ipynb")
                 for name in ASSIGNMENTS}
    return runs


@pytest.mark.slow
@pytest.mark.started_early(work=alone_runs)
@pytest.mark.parametrize("name, filename", SOLUTION_RUNS)
def test_solution_filled_notebook_alone_passes_its_checks_and_exports(started_early, name,
                                                                      filename):
    """Alone in a folder, under its own or a browser's name, do all public checks pass and
    does the export write a zip of this notebook, with nothing alarming printed?"""
    nb, folder = started_early[("solution", name, filename)].result()
    filename = filename.format(name=name)
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [outputs(c) for c in code if any(o.output_type == "error" for o in c.outputs)]
    assert not errors, errors[0][:2000]
    checks = [c for c in code if "grader.check(" in c.source]
    assert checks
    for cell in checks:
        text = outputs(cell)
        assert "passed" in text and "failed" not in text.lower(), (cell.source, text[:1000])
    export = outputs([c for c in code if "grader.export(" in c.source][-1])
    assert "Your submission received the following results" in export, export[:2000]
    assert "failed" not in export.lower() and "Warning" not in export, export[:2000]
    zips = list(folder.glob("*.zip"))
    assert len(zips) == 1 and zips[0].name.startswith(filename.removesuffix(".ipynb") + "_")
    with zipfile.ZipFile(zips[0]) as zf:
        assert filename in zf.namelist()


@pytest.mark.slow
@pytest.mark.started_early(work=alone_runs)
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_blank_notebook_alone_gets_public_feedback_not_import_errors(started_early, name):
    """Alone and unanswered, does the notebook run top to bottom without raising, each check
    giving its public feedback, never a missing module? (The export cell is run by the
    solution-filled test above.)"""
    nb, _ = started_early[("blank", name)].result()
    errors = [outputs(c) for c in nb.cells if c.cell_type == "code"
              and any(o.output_type == "error" for o in c.outputs)]
    assert not errors, errors[0][:2000]
    text = "\n".join(outputs(c) for c in nb.cells if c.cell_type == "code")
    assert "ModuleNotFoundError" not in text and "No module named" not in text, text[:2000]
    assert "results" in text
    # each failure reads as the answer's problem, not as an error in our test code
    assert "Test case failed" in text
    assert "Error at line" not in text and "AnswerError" not in text, text[:2000]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_a_hat_symbol_is_defined_where_it_first_appears(name):
    """Is the first Markdown cell that writes a prediction ŷ or Ŷ the one defining it
    (``\\hat Y = ...``), so no prompt or hint uses it before the notebook says what it is?"""
    import re
    nb = nbformat.read(build.ASSIGNMENTS / name / f"{name}.ipynb", as_version=4)
    for letter in "yY":
        use = re.compile(r"\\hat\s*\{?" + letter + r"\b")
        cells = [c.source for c in nb.cells if c.cell_type == "markdown" and use.search(c.source)]
        if cells:
            defined = re.compile(r"\\hat\s*\{?" + letter + r"\}?(_\w+)?\s*=")
            assert defined.search(cells[0]), (letter, cells[0][:300])


def test_matrix_backprop_q1_writes_the_prediction_as_y_hat():
    """In matrix-backprop, Y is the targets: do q1a and q1c's hint write the prediction W X
    as Ŷ, and the hint say what Ŷ is?"""
    nb = nbformat.read(build.ASSIGNMENTS / "matrix-backprop" / "matrix-backprop.ipynb",
                       as_version=4)
    q1a = next(c.source for c in nb.cells if c.source.startswith("**q1a.**"))
    q1c = next(c.source for c in nb.cells if c.source.startswith("**q1c.**"))
    assert r"\partial Y}" not in q1a and r"\partial \hat Y}" in q1a
    hint = q1c.split("Hint:", 1)[1]
    assert r"\hat Y = W X" in hint


def _names_defined(cells) -> set[str]:
    """Every name a code cell binds at top level: assignments, defs, classes, imports."""
    import ast
    names = set()
    for source in cells:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def _public_check_parameters(name) -> set[str]:
    """The names the master notebook's public test cases read (their parameters)."""
    import ast
    params, inside = set(), False
    for cell in nbformat.read(build.ASSIGNMENTS / name / f"{name}.ipynb", as_version=4).cells:
        text = cell.source.strip()
        if cell.cell_type == "raw" and text.startswith(("# BEGIN TESTS", "# END TESTS")):
            inside = text.startswith("# BEGIN")
        elif cell.cell_type == "code" and inside and "hidden: true" not in cell.source:
            for fn in ast.parse(cell.source).body:
                if isinstance(fn, ast.FunctionDef):
                    params |= {a.arg for a in fn.args.args} - {"env"}
    return params


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_student_notebook_has_a_line_for_every_answer_its_checks_read(quick_built, name):
    """Does every name a public check reads appear in the student's notebook (a stub such as
    ``dnf_network = ...`` to fill in, or given code), so that a check never says "X is not
    defined: did you run the cell?" of a cell the student did run?"""
    nb = nbformat.read(quick_built[name]["student"], as_version=4)
    defined = _names_defined(c.source for c in nb.cells if c.cell_type == "code")
    assert _public_check_parameters(name) - defined == set()
