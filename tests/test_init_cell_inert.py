"""Is the student notebook's init-cell patch of otter (readable_check_failures) inert for
grading: nothing in the grading's verdicts changes even where it has run?"""

from otter.test_files.exception_test import ExceptionTestFile

from autograder.runtime import trusted
from autograder.student.notebook_init import readable_check_failures

TESTS = '''
from otter.test_files import test_case

OK_FORMAT = False

name = "q"
points = 2

@test_case(points=1, hidden=False)
def test_public(x):
    raise ValueError("public detail")

@test_case(points=1, hidden=True)
def test_hidden(x):
    raise ValueError("hidden detail: the reference is 42")
'''


def verdicts():
    test_file = ExceptionTestFile.from_string(TESTS, path="q.py")
    return [(v.passed, v.message) for v in trusted.run_test_file(test_file, {"x": 1})
            .test_case_results]


def test_the_patch_changes_no_verdict_or_message(monkeypatch):
    """Run in the grading process itself (it is not: the kernel's otter is a stand-in), does
    the init cell's patch change any verdict or message, or show a hidden test's detail?"""
    before = verdicts()
    monkeypatch.setattr(ExceptionTestFile, "_generate_error_message",
                        ExceptionTestFile._generate_error_message)
    readable_check_failures()
    assert ExceptionTestFile._generate_error_message.__name__ == "failure_message"  # premise
    after = verdicts()
    assert after == before and [p for p, _ in after] == [False, False]
    assert "42" not in after[1][1]


def test_the_patch_does_nothing_to_the_grading_stand_in(monkeypatch):
    """With otter the grading's stand-in module (no package), is the patch a no-op?"""
    import sys
    import types
    stub = types.ModuleType("otter")
    monkeypatch.setitem(sys.modules, "otter", stub)
    original = ExceptionTestFile._generate_error_message
    readable_check_failures()
    assert ExceptionTestFile._generate_error_message is original and vars(stub).keys() == {
        "__name__", "__doc__", "__package__", "__loader__", "__spec__"}
