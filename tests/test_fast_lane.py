"""Do the fixtures grade as expected in process (the fast lane), and do the grading
guarantees hold over every assignment?

The fast lane runs a fixture's notebook in this process and the zip's own otter test
files against it through the wire (:mod:`autograder.instructor.inprocess`); fixtures with
``lane: kernel`` are graded through the real zip by tests/test_assignments.py instead.
"""

import numpy as np
import pytest

from autograder.instructor import build, fixtures, inprocess

ASSIGNMENTS = build.assignment_names()
CATALOGUES = {a: fixtures.load_catalogue(a) for a in ASSIGNMENTS
              if (fixtures.FIXTURES / f"{a}.yaml").exists()}
FAST = [(a, f) for a in CATALOGUES for f in inprocess.fast_fixtures(a)]

@pytest.mark.parametrize("name", list(CATALOGUES))
def test_every_fixture_declares_the_lane_it_needs(name):
    """Does every fixture that only a kernel can grade (attacks, limits, odd uploads,
    samples) say `lane: kernel`, so that none of them ever runs in the test process?"""
    wrong = [f for f, spec in CATALOGUES[name].items()
             if (f.startswith(fixtures.KERNEL_NAME_PREFIXES) or spec.get("sample"))
             and spec.get("lane") != "kernel"]
    assert not wrong, f"give these `lane: kernel`: {wrong}"
    for spec in CATALOGUES[name].values():
        fixtures.lane(spec)  # raises for kernel-only keys without `lane: kernel`


def test_lane_refuses_an_attack_without_lane_kernel():
    """Is a fixture with a kernel-only key and no `lane: kernel` an error, not fast?"""
    with pytest.raises(ValueError, match="needs `lane: kernel`"):
        fixtures.lane({"attack": True, "edits": []})
    assert fixtures.lane({"attack": True, "lane": "kernel"}) == "kernel"
    assert fixtures.lane({"edits": []}) == "fast"


@pytest.mark.parametrize("name, fixture", FAST)
def test_fixture_gets_its_expected_score_in_process(fast_graded, name, fixture):
    """Does this fixture get exactly its expected points and feedback in the fast lane?"""
    row = fast_graded[name][fixture]
    assert row["as_expected"], "\n".join(row["problems"])


def _never_failed(rows, trivial=("blank",)):
    """Hidden test cases that no fixture fails but the ``trivial`` ones (blank, and those
    built from the blank student notebook, which fail every case they leave unanswered):
    {question: [case]}."""
    cases = {}
    for row in rows.values():
        for c in row["cases"]:
            if c["hidden"]:
                key = (c["question"], c["case"])
                cases[key] = cases.get(key, False) or (not c["passed"]
                                                       and row["name"] not in trivial)
    missing = {}
    for (q, case), failed in sorted(cases.items()):
        if not failed:
            missing.setdefault(q, []).append(case)
    return missing


@pytest.mark.parametrize("name", list(CATALOGUES))
def test_every_hidden_test_case_is_failed_by_some_fixture(fast_graded, name):
    """Does at least one fixture other than blank fail each hidden test case (else the
    case is never shown to reject anything)?"""
    from_student = [f for f, spec in CATALOGUES[name].items() if spec.get("base") == "student"]
    missing = _never_failed(fast_graded[name], trivial=("blank", *from_student))
    assert not missing, f"no fixture fails these hidden test cases: {missing}"


@pytest.mark.parametrize("name", list(CATALOGUES))
def test_an_answer_the_hidden_tests_accept_passes_the_public_checks(fast_graded, name):
    """Wherever a fixture gets every hidden point of a question, do that question's public
    checks pass too, both as graded and as grader.check runs them in the notebook?"""
    wrong = _public_rejects_accepted(fast_graded[name])
    assert not wrong, f"hidden tests pass but public checks fail: {wrong}"


@pytest.mark.parametrize("name", list(CATALOGUES))
def test_a_public_check_says_the_same_in_the_notebook_as_once_graded(fast_graded, name):
    """Does every public test case of every fixture pass in the student's notebook exactly
    when it passes once graded? (Graded, values arrive over the wire: a str subclass, such
    as numpy's str_, arrives opaque, and a check that accepts it in the notebook misleads.)"""
    differ = [f"{row['name']}: {c['question']} {c['case']} (in the notebook: "
              f"{'passes' if c['passed_in_notebook'] else 'fails'})"
              for row in fast_graded[name].values() for c in row["cases"]
              if not c["hidden"] and c["passed"] != c["passed_in_notebook"]]
    assert not differ, differ


def _public_rejects_accepted(rows):
    """["fixture: question case"] for each public case failed where the hidden ones pass."""
    wrong = []
    for row in rows.values():
        by_question = {}
        for c in row["cases"]:
            by_question.setdefault(c["question"], []).append(c)
        for q, cases in by_question.items():
            hidden = [c for c in cases if c["hidden"]]
            if not hidden or not all(c["passed"] for c in hidden):
                continue
            for c in cases:
                if not c["hidden"] and not (c["passed"] and c["passed_in_notebook"]):
                    wrong.append(f"{row['name']}: {q} {c['case']}")
    return wrong


def test_the_public_check_guarantee_sees_a_public_rejection():
    """Is a public case that fails (as graded, or only in the notebook) where the hidden
    case passes reported, and one where the hidden case fails too not?"""
    def row(hidden_passed, public_passed, in_notebook):
        return {"name": "f", "cases": [
            {"question": "q1", "case": "h", "hidden": True, "passed": hidden_passed},
            {"question": "q1", "case": "p", "hidden": False, "passed": public_passed,
             "passed_in_notebook": in_notebook}]}
    assert _public_rejects_accepted({"f": row(True, True, True)}) == []
    assert _public_rejects_accepted({"f": row(True, False, False)}) == ["f: q1 p"]
    assert _public_rejects_accepted({"f": row(True, True, False)}) == ["f: q1 p"]
    assert _public_rejects_accepted({"f": row(False, False, False)}) == []


def test_in_process_values_cross_the_wire_as_in_the_sandbox(tmp_path):
    """In the fast lane, does `import otter` give a do-nothing grader, do values arrive as
    the wire decodes them (an object as Opaque, a tuple as a tuple), do functions take and
    return wire data, and does a cell's error leave the next cell running?"""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from autograder.runtime import wire
    from autograder.runtime.sandbox import RemoteEnvironment, StudentError
    nb = new_notebook(cells=[new_code_cell(c) for c in [
        "import otter\ngrader = otter.Notebook('x.ipynb')\ngrader.check('q1')",
        "raise ValueError('this cell fails')",
        "import numpy as np\nclass C: pass\nobj = C()\npair = (1, [2.5])\n"
        "def double(A):\n    return 2 * A, type(A).__name__\n"
        "def boom():\n    raise KeyError('no')"]])
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    kernel = inprocess.InProcessKernel(path)
    kernel.run_notebook()
    env = RemoteEnvironment(kernel)
    assert isinstance(env.get("obj"), wire.Opaque)
    assert env.get("pair") == (1, [2.5]) and env.get("missing", "default") == "default"
    result, kind = env.get("double")(np.arange(3.0))
    assert kind == "ndarray" and result.tolist() == [0.0, 2.0, 4.0]
    with pytest.raises(StudentError, match="KeyError"):
        env.get("boom")()


def test_a_wrong_answer_fails_a_hidden_case_and_the_guarantee_sees_it():
    """Does the never-failed check flag a hidden case only blank fails (so the guarantee
    test above can fail)?"""
    rows = {"blank": {"name": "blank", "cases": [
                {"question": "q1", "case": "t", "hidden": True, "passed": False}]},
            "right": {"name": "right", "cases": [
                {"question": "q1", "case": "t", "hidden": True, "passed": True}]}}
    assert _never_failed(rows) == {"q1": ["t"]}
    rows["wrong"] = {"name": "wrong", "cases": [
        {"question": "q1", "case": "t", "hidden": True, "passed": False}]}
    assert _never_failed(rows) == {}
