"""Do the report and feedback pages show student-controlled text as text, and each
submission's own results, whatever its name, its submitters and its feedback hold?"""

from autograder.instructor import report


def record(file, score, output="", people=()):
    return {"file": file, "status": "graded", "submitters": list(people),
            "results": {"tests": [{"name": "q1", "score": score, "max_score": 2,
                                   "output": output}], "output": output}}


def test_names_that_differ_only_in_undecodable_bytes_keep_their_own_feedback(tmp_path):
    """Two uploads whose names differ only in bytes that are not UTF-8 (both shown with
    U+FFFD): does each feedback page show its own points, not the other's?"""
    records = [record("a\udcfe.ipynb", 0.0), record("a\udcff.ipynb", 2.0)]
    rows = report.write_feedback_pages(records, tmp_path, "t")
    assert len({r["href"] for r in rows}) == 2
    shown = {r["href"]: (tmp_path / r["href"]).read_text(encoding="utf-8") for r in rows}
    assert sorted("2 / 2" in page for page in shown.values()) == [False, True]
    for r in records:
        page = shown[report.feedback_name(r["file"])]
        assert ("2 / 2" in page) == (r["results"]["tests"][0]["score"] == 2.0)


def test_student_text_in_the_pages_is_escaped(tmp_path):
    """A submitter's name, an upload's name and feedback holding markup: is each page free
    of any tag the student wrote (escaped, shown as text)?"""
    evil = '</pre><script>alert(1)</script><img src=x onerror=alert(2)>'
    records = [record(f"{evil}.ipynb", 1.0, output=evil,
                      people=[{"name": evil, "email": evil, "sid": evil}])]
    rows = report.write_feedback_pages(records, tmp_path, "t")
    report.write_report(records, tmp_path / "report.html", "t", [], rows)
    for page in [tmp_path / "report.html", *(tmp_path / "feedback").iterdir()]:
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text and "<img src=x" not in text, page.name
        assert "&lt;script&gt;" in text, page.name
