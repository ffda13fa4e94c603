"""Does ``backprop`` explain itself, and does ``backprop new`` scaffold an assignment that
builds and grades its fixtures as expected, without touching this checkout? Does
``backprop build`` keep graded results over a rebuild, and stop when a solution fails?"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.instructor import cli
from autograder.instructor.paths import ROOT

# what a checkout needs for the tools to run in it (dist/, .venv and .git stay behind)
CHECKOUT = ["autograder", "solutions", "assignments", "tests/fixtures", "otter_config.json",
            "pyproject.toml", "requirements.txt", "requirements-grading.lock", "README.md"]


@pytest.mark.parametrize("command", [None, *cli.COMMANDS])
def test_every_command_has_help(command, capsys):
    """Does `backprop [COMMAND] --help` exit 0 and describe what it does?"""
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--help"] if command else ["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: backprop {command or ''}".rstrip())
    if command:
        assert len(text.splitlines()) > 8, text  # the module's description, not just usage
    else:
        assert all(name in text for name in cli.COMMANDS)


def test_grade_help_names_its_options(capsys):
    """Does `backprop grade --help` show NAME FOLDER, -o OUT, --jobs N and --regrade?"""
    with pytest.raises(SystemExit):
        cli.main(["grade", "--help"])
    usage = capsys.readouterr().out.split("\n\n")[0]
    for part in ("NAME", "FOLDER", "-o OUT", "--jobs N", "--regrade"):
        assert part in usage


def copy_checkout(root: Path) -> Path:
    """A copy of this checkout's sources in the folder ``root``."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    for part in CHECKOUT:
        src, dest = ROOT / part, root / part
        if src.is_dir():
            shutil.copytree(src, dest, ignore=ignore)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dest)
    return root


@pytest.fixture
def checkout(tmp_path):
    """A copy of this checkout's sources in a temporary folder."""
    return copy_checkout(tmp_path / "repo")


def checkout_env(root: Path, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a tool run on the checkout at ``root`` (its own sources imported
    first, its own dist/), on top of ``environ`` (default: this process's)."""
    return {**(os.environ if environ is None else environ), "BACKPROP_ROOT": str(root),
            "BACKPROP_DIST": str(root / "dist"), "PYTHONPATH": str(root)}


def backprop(root, *args, timeout=60, environ=None):
    """Run `backprop ARGS` on the checkout at ``root`` (in ``environ``, default this one's)."""
    return subprocess.run([sys.executable, "-m", "autograder.instructor.cli", *args],
                          env=checkout_env(root, environ),
                          cwd=root, capture_output=True, text=True, timeout=timeout)


INVALID_NAMES = ["Toy", "toy_example", "1toy", "toy-", "a--b", "checks", ""]

# `backprop new NAME` for each name in one Python (a new one per name costs a second each):
# {name: [exit status, stderr, whether the checkout is unchanged]}
REFUSE_EACH = r'''
import contextlib, io, json, sys
from pathlib import Path
from autograder.instructor import cli
root, seen = Path.cwd(), {}
def files():  # what the checkout holds (Python's bytecode caches aside)
    return sorted(p for p in root.rglob("*") if "__pycache__" not in p.parts)
for name in json.loads(sys.argv[1]):
    before, err = files(), io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            status = cli.main(["new", name])
        except SystemExit as e:
            status = e.code
    seen[name] = [status, err.getvalue(), files() == before]
print(json.dumps(seen))
'''


@pytest.fixture(scope="module")
def refusals(tmp_path_factory):
    root = copy_checkout(tmp_path_factory.mktemp("refusals") / "repo")
    proc = subprocess.run([sys.executable, "-c", REFUSE_EACH, json.dumps(INVALID_NAMES)],
                          env=checkout_env(root), cwd=root, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("name", INVALID_NAMES)
def test_new_refuses_an_invalid_name(refusals, name):
    """Is a name otter, Python or the layout could not take refused, writing nothing?"""
    status, stderr, unchanged = refusals[name]
    assert status == 2
    assert "error:" in stderr
    assert unchanged


def test_new_refuses_an_existing_name(checkout):
    """Is an existing assignment (or a half-made one) left alone?"""
    proc = backprop(checkout, "new", "matrix-backprop")
    assert proc.returncode == 2 and "is taken" in proc.stderr
    (checkout / "solutions" / "half_made.py").write_text("")
    proc = backprop(checkout, "new", "half-made")
    assert proc.returncode == 2 and "solutions/half_made.py" in proc.stderr
    assert not (checkout / "assignments" / "half-made").exists()


def scaffold_and_build(folder, environ):
    """In a copy of this checkout: `backprop new toy-example`, its coverage problems, a
    build over a dist/toy-example/ holding graded results and a stale file, then a build of
    the master with a wrong solution. What each step gave, for the tests below. A step that
    fails stops the work with its output, which every test below then shows (not the error
    of a later step that needed it)."""
    root = copy_checkout(folder / "repo")
    seen = {"new": backprop(root, "new", "toy-example", environ=environ)}
    assert seen["new"].returncode == 0, "backprop new failed:\n" + seen["new"].stderr
    seen["untouched"] = not (ROOT / "assignments" / "toy-example").exists()
    seen["coverage"] = subprocess.run(
        [sys.executable, "-c", "from autograder.instructor import coverage; "
         "print(coverage.problems('toy-example'))"],
        env=checkout_env(root, environ), capture_output=True, text=True, cwd=root)
    dist = root / "dist" / "toy-example"
    graded, stale = dist / "graded" / "results" / "alice.ipynb.json", dist / "student" / "x"
    for path in (graded, stale):
        path.parent.mkdir(parents=True)
        path.write_text("{}")
    seen["build"] = backprop(root, "build", "toy-example", timeout=900, environ=environ)
    assert seen["build"].returncode == 0, \
        "backprop build failed:\n" + seen["build"].stdout + seen["build"].stderr
    seen["rebuilt"] = {"graded kept": graded.exists() and graded.read_text() == "{}",
                       "stale left": stale.exists(),
                       "student": (dist / "student" / "toy-example.ipynb").exists(),
                       "zip": bool(list((dist / "autograder").glob("toy-example-*.zip")))}
    master = root / "assignments" / "toy-example" / "toy-example.ipynb"
    notebook = nbformat.read(master, as_version=4)
    cells = [c for c in notebook.cells if "return 2 * X * dY" in c.source]
    assert len(cells) == 1, "the scaffold's solution cell (return 2 * X * dY) was not found once"
    [cell] = cells
    cell.source = cell.source.replace("return 2 * X * dY", "return X * dY")
    nbformat.write(notebook, master)
    seen["broken build"] = backprop(root, "build", "--no-samples", "toy-example",
                                    timeout=300, environ=environ)
    return seen


@pytest.mark.slow
@pytest.mark.started_early(work=scaffold_and_build)
def test_scaffold_builds_and_its_fixtures_get_their_scores(started_early):
    """Does a scaffolded assignment pass the coverage check, build with otter assign and
    grade its solution, blank and wrong-answer fixtures to their expected scores?"""
    proc = started_early["new"]
    assert proc.returncode == 0, proc.stderr
    assert started_early["untouched"]  # this checkout: untouched
    coverage = started_early["coverage"]
    assert coverage.stdout.strip() == "[]", coverage.stderr
    proc = started_early["build"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    table = proc.stdout.split("expected?", 1)[1]
    rows = {line.split()[0]: line for line in table.splitlines() if line.strip()
            and not line.startswith(("-", " "))}
    assert set(rows) == {"solution", "blank", "q1-missing-factor-2"}
    assert "2/2 yes" in rows["solution"]
    assert "0/2 yes" in rows["blank"] and "0/2 yes" in rows["q1-missing-factor-2"]


@pytest.mark.slow
@pytest.mark.started_early(work=scaffold_and_build)
def test_a_rebuild_keeps_graded_results(started_early):
    """Does building over an existing dist/<name>/ replace otter's layout and keep the graded
    results an instructor wrote beside it?"""
    assert started_early["rebuilt"] == {"graded kept": True, "stale left": False,
                                        "student": True, "zip": True}


@pytest.mark.slow
@pytest.mark.started_early(work=scaffold_and_build)
def test_a_failing_solution_check_stops_the_build(started_early):
    """If the master's own solution fails one of its tests, does `backprop build` stop with
    otter's reason, naming that test's failure (not some other error)?"""
    proc = started_early["broken build"]
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "otter assign failed for toy-example" in proc.stderr
    assert proc.stderr.count("Test case failed") == 1, proc.stderr
    assert "factor 2 of d(x^2)/dx = 2x is missing" in proc.stderr, proc.stderr


def test_grade_with_an_unknown_name_says_which_names_exist(capsys, tmp_path):
    """A mistyped assignment name: one line naming the assignments, exit status 2, no
    traceback."""
    assert cli.main(["grade", "matrixbackprop", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("backprop grade: error: no assignment 'matrixbackprop'")
    assert "matrix-backprop" in err and "Traceback" not in err


def test_grade_of_a_missing_folder_is_one_line(capsys, tmp_path, monkeypatch):
    """A folder that does not exist: one line saying so, exit status 2."""
    from autograder.instructor import grade_all
    monkeypatch.setattr(grade_all, "built_paths", lambda name: {"zip": tmp_path / "a.zip"})
    assert cli.main(["grade", "matrix-backprop", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("backprop grade: error:") and "nowhere" in err
    assert len(err.strip().splitlines()) == 1
