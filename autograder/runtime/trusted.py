"""Grade a notebook with every verdict computed outside the student's kernel.

:func:`grade` runs the notebook in a :class:`~autograder.runtime.sandbox.Sandbox`, then runs each
test case of otter's exception-format test files *here*, in the grading process, against a
:class:`~autograder.runtime.sandbox.RemoteEnvironment`: the student's values arrive as plain data
and the student's functions are called with the test's own inputs through the kernel. The
result is an ordinary otter ``GradingResults``, so otter writes results.json as usual.

Feedback for a hidden test is the grading core's diagnosis (an ``AnswerError`` message) or
a short description of what went wrong; it never includes the test's source, a traceback
from it, or a reference value.
"""

import glob
import inspect
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from otter.test_files import GradingResults
from otter.test_files.abstract_test import TestCaseResult
from otter.test_files.exception_test import ExceptionTestFile

from autograder.runtime.sandbox import RemoteEnvironment, Sandbox, StudentError
from autograder.student.checks import AnswerError

PASSED = "✅ Test case passed"
FAILED = "❌ Test case failed"


@dataclass
class Verdict(TestCaseResult):
    """otter's test case result, with the mistake the answer was recognised as (the
    ``AnswerError.mistake`` of the failure, or None): reports count it as data."""

    mistake: str | None = None


def _failure_message(exc, hidden):
    """Student-facing text for a failed test case."""
    if isinstance(exc, AnswerError):
        return f"{FAILED}\n{exc}"
    if isinstance(exc, StudentError):
        return f"{FAILED}\nYour code raised {exc.error}: {exc.message}"
    if hidden:
        return (f"{FAILED}\nYour answer could not be checked ({type(exc).__name__}): look at "
                "its type and shape against what the question asks for.")
    return f"{FAILED}\n{type(exc).__name__}: {exc}"


def reads(test_case: Any) -> list[str]:
    """The names a test case reads from the environment: its parameters but ``env`` (as
    otter's ``call_func`` passes them)."""
    return [p for p in inspect.signature(test_case.test_func).parameters if p != "env"]


def run_test_file(test_file: ExceptionTestFile, env: Mapping[str, Any]) -> ExceptionTestFile:
    """Run one otter exception-format test file (loaded) against ``env``; return it.

    An environment that can ``prefetch`` (the kernel's) is asked for all the names a test
    case reads in one request, just before that test case reads them."""
    results = []
    for tc in test_file.test_cases:
        try:
            if hasattr(env, "prefetch"):
                env.prefetch(reads(tc.body))
            tc.body.call_func(env)
            results.append(Verdict(test_case=tc, message=PASSED, passed=True))
        except Exception as e:  # a verdict; the message says why
            results.append(Verdict(test_case=tc, message=_failure_message(e, tc.hidden),
                                   passed=False, mistake=getattr(e, "mistake", None)))
        finally:
            if hasattr(env, "forget"):
                env.forget()
    test_file.test_case_results = results
    return test_file


def mistakes(results: GradingResults) -> dict[str, list[str]]:
    """The diagnosed mistakes per question, in test case order (questions without any are
    left out): what results.json's ``extra_data.mistakes`` holds."""
    found = {}
    for question, test_file in results.results.items():
        named = [r.mistake for r in test_file.test_case_results
                 if getattr(r, "mistake", None)]
        if named:
            found[question] = named
    return found


def case_name(test_case: Any) -> str:
    """A test case's function name (``test_q1_item_3``), or otter's name for it (``q1 - 4``)."""
    return getattr(getattr(test_case.body, "test_func", None), "__name__", None) or test_case.name


def failed_cases(results: GradingResults) -> dict[str, dict[str, str | None]]:
    """The failed test cases per question, by name, each with its diagnosed mistake or None
    (questions with none are left out): what results.json's ``extra_data.failed`` holds, so
    that a report counts a failure without a catalogued mistake (a wrong multiple-choice
    item) test case by test case."""
    found = {}
    for question, test_file in results.results.items():
        failed = {case_name(r.test_case): getattr(r, "mistake", None)
                  for r in test_file.test_case_results if not r.passed}
        if failed:
            found[question] = failed
    return found


def grade(notebook_path: str | Path, tests_dir: str, limits: dict[str, float] | None = None,
          kernel: Any = None) -> tuple[GradingResults, list[str], dict[str, Any]]:
    """Grade a notebook against the test files in ``tests_dir``.

    Returns (GradingResults, notes, containment): ``notes`` are messages about the run a
    student should see (cells stopped by the time limit, output cut, the kernel restarted);
    ``containment`` says which mechanism ended the submission's processes and which limits
    held (for results.json's ``extra_data``). ``kernel``: a kernel already started, for the
    sandbox to take over (see :class:`~autograder.runtime.sandbox.Sandbox`).
    """
    paths = sorted(glob.glob(os.path.join(tests_dir, "*.py")))
    with Sandbox(notebook_path, limits, kernel) as sandbox:
        # loaded while the kernel boots (their imports take a while too)
        test_files = [ExceptionTestFile.from_file(p) for p in paths]
        reports = sandbox.run_notebook()
        env = RemoteEnvironment(sandbox)
        test_files = [run_test_file(t, env) for t in test_files]
        notes = list(sandbox.messages)
    for r in reports:
        if r["dropped"]:
            notes.append(f"Code cell {r['cell']} printed too much: {r['dropped']} characters "
                         "of its output were dropped.")
    return GradingResults(test_files), notes, sandbox.containment


def failed_results(tests_dir: str, message: str) -> GradingResults:
    """Results giving every test case of every question 0 points, all with ``message``."""
    test_files = []
    for path in sorted(glob.glob(os.path.join(tests_dir, "*.py"))):
        test_file = ExceptionTestFile.from_file(path)
        test_file.test_case_results = [
            TestCaseResult(test_case=tc, message=f"{FAILED}\n{message}", passed=False)
            for tc in test_file.test_cases]
        test_files.append(test_file)
    return GradingResults(test_files)
