"""Does a diagnosed mistake travel as data, from the verdict to results.json to the report,
and is every piece of student text in the report escaped?"""

import json

from otter.test_files import GradingResults
from otter.test_files.exception_test import ExceptionTestFile

from autograder.instructor import report
from autograder.runtime import trusted

# An otter exception-format test file: one case fails with a catalogued mistake, one with
# a plain wrong answer (no mistake), one passes.
TEST_FILE = '''
from otter.test_files import test_case

OK_FORMAT = False
name = "q1"
points = 3

@test_case(points=1, hidden=True)
def test_known(x):
    from autograder.student.checks import AnswerError
    raise AnswerError("x is not correct: it has the wrong sign.", mistake="it has the wrong sign")

@test_case(points=1, hidden=True)
def test_unknown(x):
    from autograder.student.checks import AnswerError
    raise AnswerError("x is not correct: 2 of 4 entries are wrong.")

@test_case(points=1, hidden=False)
def test_passes(x):
    assert x == 1
'''


def _graded(tmp_path):
    path = tmp_path / "q1.py"
    path.write_text(TEST_FILE)
    test_file = trusted.run_test_file(ExceptionTestFile.from_file(str(path)), {"x": 1})
    return GradingResults([test_file])


def test_grading_records_each_catalogued_mistake_per_question(tmp_path):
    """Does the grading keep the AnswerError's mistake, and only a catalogued one, per
    question?"""
    results = _graded(tmp_path)
    assert trusted.mistakes(results) == {"q1": ["it has the wrong sign"]}
    passed = [r.passed for r in results.results["q1"].test_case_results]
    assert passed == [False, False, True]


def test_results_with_mistakes_still_serialise_for_gradescope(tmp_path):
    """Do the recorded verdicts leave otter's results.json dict as it was (JSON, 1 of 3)?"""
    from otter.run.run_autograder.autograder_config import AutograderConfig
    output = _graded(tmp_path).to_gradescope_dict(AutograderConfig({}))
    output["extra_data"] = {"mistakes": trusted.mistakes(_graded(tmp_path))}
    q1 = [t for t in json.loads(json.dumps(output))["tests"] if t["name"] == "q1"]
    assert q1 and q1[0]["score"] == 1


def _record(file, mistakes, output="", status="graded", reason=""):
    results = {"tests": [{"name": "q1", "score": 0, "max_score": 2, "output": output}],
               "extra_data": {"mistakes": mistakes}}
    return {"file": file, "status": status, "results": results, "reason": reason}


def test_report_counts_mistakes_from_the_data_once_per_submission():
    """Are mistakes counted from extra_data.mistakes, a submission once per mistake?"""
    records = [_record("a", {"q1": ["it has the wrong sign", "it has the wrong sign"]}),
               _record("b", {"q1": ["it has the wrong sign", "it looks transposed"]}),
               _record("c", {})]
    stats = report.question_stats(records)
    assert dict(stats["q1"]["mistakes"]) == {"it has the wrong sign": 2,
                                             "it looks transposed": 1}


def test_report_does_not_parse_feedback_text():
    """Is a mistake written only in the feedback text (no data) left uncounted?"""
    text = f"{trusted.FAILED}\nx is not correct: it has the wrong sign."
    stats = report.question_stats([_record("a", {}, output=text)])
    assert not stats["q1"]["mistakes"]


def test_report_escapes_hostile_text(tmp_path):
    """Is a <script> in a reason, a mistake, a file name or the title shown, never run?"""
    hostile = "<script>alert(1)</script>"
    records = [_record("a", {"q1": [hostile]}),
               {"file": f"{hostile}.ipynb", "status": "error", "results": None,
                "reason": f"crashed: {hostile}"}]
    page = report.write_report(records, tmp_path / "report.html", hostile).read_text()
    assert "<script>" not in page
    assert page.count("&lt;script&gt;") >= 4  # title twice, the mistake, the file, the reason
    assert "crashed: &lt;script&gt;" in page
