"""Do the built assignments grade as they should, through the real zip and `otter run`?

For every assignment: the build produces otter's layout under dist/<name>/, the student
notebook holds no solution, hidden test or answer (it runs top to bottom in a fresh kernel,
its checks passing once the solution is typed in: tests/test_student_notebook.py), and
every `lane: kernel` fixture submission in tests/fixtures/<name>.yaml gets its exact
expected score and feedback (the others are graded in process by tests/test_fast_lane.py;
a sample of them is graded here too, to show the lanes agree).
"""

import json
import re
import zipfile

import nbformat
import pytest

from autograder.instructor import build, fixtures

ASSIGNMENTS = build.assignment_names()
CATALOGUES = {a: fixtures.load_catalogue(a) for a in ASSIGNMENTS
              if (fixtures.FIXTURES / f"{a}.yaml").exists()}
def test_every_assignment_has_a_fixture_catalogue():
    """Is there a fixture catalogue for each assignment in assignments/?"""
    assert ASSIGNMENTS and sorted(CATALOGUES) == ASSIGNMENTS


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_build_produces_otter_layout(built, name):
    """Does the build give dist/<name>/student/<name>.ipynb and the autograder zip?"""
    built(name)
    # what is on disk, not what build.built_paths says is there
    out = build.DIST / name
    nbformat.read(out / "student" / f"{name}.ipynb", as_version=4)  # there, and a notebook
    nbformat.read(out / "autograder" / f"{name}.ipynb", as_version=4)
    zips = [p for p in (out / "autograder").iterdir() if p.suffix == ".zip"]
    assert len(zips) == 1, zips
    assert re.fullmatch(rf"{re.escape(name)}-autograder_[0-9_T]+\.zip", zips[0].name)
    with zipfile.ZipFile(zips[0]) as zf:
        names = zf.namelist()
    assert "otter_config.json" in names and any(n.startswith("tests/q") for n in names)
    assert any(n.startswith("files/solutions/") for n in names)


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_zip_uses_the_shared_otter_config(built, name):
    """Does the zip's otter_config.json carry every setting of the top-level otter_config.json?"""
    shared = json.loads((build.ROOT / "otter_config.json").read_text())
    with zipfile.ZipFile(built(name)["zip"]) as zf:
        config = json.loads(zf.read("otter_config.json"))
    plugin = build.PLUGIN
    shared_plugin = next(p[plugin] for p in shared["plugins"] if plugin in p)
    zip_plugin = next(p[plugin] for p in config["plugins"] if plugin in p)
    assert {k: zip_plugin.get(k) for k in shared_plugin} == shared_plugin
    assert {k: config.get(k) for k in shared if k != "plugins"} == \
        {k: v for k, v in shared.items() if k != "plugins"}
    # the notebook's optional and extra-credit questions, for grading
    from autograder.instructor.coverage import notebook_questions
    master = build.ASSIGNMENTS / name / f"{name}.ipynb"
    assert zip_plugin["credit"] == {q: c["credit"] for q, c in notebook_questions(master).items()
                                    if c["credit"] != "required" and not c["manual"]}


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_notebook_holds_no_solution_hidden_test_or_answer(built, name):
    """Is the student distribution free of solution code, hidden tests and answer values?"""
    paths = built(name)
    student_dir = paths["student"].parent
    assert not (student_dir / "solutions").exists()
    text = paths["student"].read_text()
    for marker in ["BEGIN SOLUTION", "# SOLUTION", "hidden=True", "import solutions",
                   "solutions.", "# BEGIN TESTS", "# BEGIN QUESTION"]:
        assert marker not in text, marker
    nb = nbformat.read(paths["student"], as_version=4)
    solution = nbformat.read(paths["solution"], as_version=4)
    student_code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    # every line a solution cell adds is gone from the student's copy
    sol_lines = {line.strip() for c in solution.cells if c.cell_type == "code"
                 for line in c.source.splitlines()}
    stu_lines = {line.strip() for line in student_code.splitlines()}
    added = [ln for ln in stu_lines - sol_lines if ln and not ln.startswith("#")]
    assert all("..." in ln or "grader" in ln for ln in added), added
    # no reference answer value (3+ significant digits) is printed in the notebook or its
    # public tests
    for needle in fixtures.reference_value_needles(name):
        assert needle not in text, needle


@pytest.mark.slow
@pytest.mark.parametrize("name, fixture",
                         [(a, f) for a in CATALOGUES for f in fixtures.zip_lane(a)])
def test_fixture_gets_its_expected_score(graded, name, fixture):
    """Does this fixture submission get exactly its expected points and feedback through
    the zip (every `lane: kernel` fixture)?"""
    row = graded(name, fixture)
    assert row["as_expected"], "\n".join(row["problems"])


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CATALOGUES))
def test_the_two_lanes_agree(graded, fast_graded, name):
    """Do the fast lane (in process) and the zip (sandboxed kernel) give the same scores and
    the same feedback, word for word, on every fixture both grade (the samples: right,
    blank, broken and diagnosed-wrong submissions)?"""
    both = fixtures.in_both_lanes(name)
    catalogue = fixtures.load_catalogue(name)
    assert {"solution", "blank"} <= set(both)
    assert any(catalogue[f].get("expect", {}).get("messages") for f in both if f != "blank")
    for fixture in both:
        slow, fast = graded(name, fixture), fast_graded[name][fixture]
        assert fast["scores"] == slow["scores"], fixture
        assert fixtures.question_outputs(fast["results"]) == \
            fixtures.question_outputs(slow["results"]), fixture


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CATALOGUES))
def test_solution_scores_full_and_blank_scores_zero(graded, name):
    """Does the solution get every point, and the blank notebook none, on every question?"""
    solution, blank = graded(name, "solution"), graded(name, "blank")
    from autograder.instructor.coverage import notebook_questions
    auto = {q: c for q, c in notebook_questions(
        build.ASSIGNMENTS / name / f"{name}.ipynb").items() if not c["manual"]}
    # every point the notebook promises, and no other, is earned by the solution
    assert solution["scores"] == pytest.approx({q: c["points"] for q, c in auto.items()})
    # optional and extra-credit points add on top: the maximum is the required points alone
    results = solution["results"]
    maximum = sum(t["max_score"] for t in results["tests"] if "score" in t)
    assert maximum == pytest.approx(sum(c["points"] for c in auto.values()
                                        if c["credit"] == "required"))
    assert set(blank["scores"]) == set(solution["scores"])
    assert all(v == 0 for v in blank["scores"].values())



@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_each_zip_holds_only_its_own_reference(built, name):
    """Does the zip carry its own assignment's reference module, and no other's?"""
    with zipfile.ZipFile(built(name)["zip"]) as zf:
        modules = {n.rsplit("/", 1)[1] for n in zf.namelist()
                   if n.startswith("files/solutions/") and n.endswith(".py")}
    own = f"{name.replace('-', '_')}.py"
    assert own in modules
    others = {f"{a.replace('-', '_')}.py" for a in ASSIGNMENTS} - {own}
    assert not modules & others, modules & others


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_installed_package_holds_no_hidden_test_or_reference(built, name, tmp_path):
    """Does the zip's pyproject.toml (pip-installed into the grading environment, whose
    site-packages the kernel reads) leave out the hidden tests and the reference? The
    grader imports them from the zip's files/ only."""
    import tomllib
    from setuptools import find_packages
    with zipfile.ZipFile(built(name)["zip"]) as zf:
        files = [n for n in zf.namelist() if n.startswith("files/")]
        zf.extractall(tmp_path, members=files)
        config = tomllib.loads(zf.read("files/pyproject.toml").decode())
    found = find_packages(str(tmp_path / "files"),
                          **config["tool"]["setuptools"]["packages"]["find"])
    assert "autograder.runtime" in found
    assert not [p for p in found if p.startswith(("solutions", "autograder.runtime.questions"))]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_intro_says_when_hidden_results_appear(name):
    """Does the master notebook's intro tell students when hidden results show (after the
    grades are published, or at once with immediate feedback), as the README documents?"""
    nb = nbformat.read(str(build.ROOT / "assignments" / name / f"{name}.ipynb"), as_version=4)
    intro = next(c.source for c in nb.cells if "How this notebook works" in c.source)
    flat = " ".join(intro.split())
    assert "publishes the grades" in flat and "immediate feedback" in flat
