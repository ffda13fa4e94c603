"""Are written answers shown to the graders, rendered, worth nothing automatically, and safe
whatever the student typed? (Gradescope entries, the local pages, the README's points.)"""

import json
import zipfile

import nbformat
import pytest

from autograder.instructor import grade_all, inprocess, report, written_pages
from autograder.runtime import gradescope_run, policy, written

NAME = "matrix-backprop"
HOSTILE = "</table><script>alert(1)</script> \ud800 $\\sqrt[{$ <!-- hidden"


@pytest.fixture(scope="module")
def student(quick_built):
    """The quick-built student notebook (as a nbformat notebook) and the zip's list of
    written questions."""
    paths = quick_built[NAME]
    config = inprocess.zip_config(paths["zip"])
    return (nbformat.read(paths["student"], as_version=4),
            policy.plugin_config(config)["written"])


def fill(nb, answers):
    """The notebook's bytes with each written question's answer cell replaced, as a student
    types it: ``answers`` maps a question's position among the written ones to its text."""
    nb = nbformat.reads(nbformat.writes(nb), as_version=4)
    position = -1
    for cell in nb.cells:
        if cell.cell_type == "markdown" and written.BEGIN in cell.source:
            position += 1
        elif "otter_answer_cell" in cell.metadata.get("tags", []) and position in answers \
                and cell.cell_type == "markdown":
            cell.source = answers.pop(position)
    assert not answers, "every answer found its cell"
    return nbformat.writes(nb).encode("utf-8", "surrogatepass")


def scored_output():
    """A results.json as otter writes it: a public summary without score, two scored tests."""
    return {"tests": [{"name": "Public Tests", "visibility": "visible", "output": "ok",
                       "status": "passed"},
                      {"name": "q1b", "score": 1.0, "max_score": 1.0, "output": ""},
                      {"name": "q1c", "score": 0.0, "max_score": 5.0, "output": ""}],
            "extra_data": {"mistakes": {}}}


def test_the_zip_names_each_written_question_with_its_points_and_prompt_cell(student):
    """Does the build tell the grading which questions are written, their points, and the
    prompt cell that the student notebook still holds under the same id?"""
    nb, questions = student
    assert [(q["name"], q["points"]) for q in questions] == [
        ("q1a", 2), ("q3a_written", 2), ("q3_written", 2)]
    ids = [cell_id for cell_id, _ in written.question_blocks(nb)]
    assert [q["cell"] for q in questions] == ids


def test_answers_typed_in_a_built_student_notebook_are_found(student):
    """Is each answer found under its own question, and an untouched cell "no answer"?"""
    nb, questions = student
    data = fill(nb, {0: "By the chain rule, $\\frac{\\partial L}{\\partial W} = dY X^T$.",
                     2: "The gradients *vanish*."})
    assert written.find_answers(data, questions) == {
        "q1a": "By the chain rule, $\\frac{\\partial L}{\\partial W} = dY X^T$.",
        "q3a_written": None,
        "q3_written": "The gradients *vanish*."}


def test_answers_are_found_by_position_when_an_editor_dropped_the_ids(student):
    nb, questions = student
    raw = json.loads(fill(nb, {1: "sigma' = sigma (1 - sigma)"}))
    for cell in raw["cells"]:
        cell.pop("id", None)
    answers = written.find_answers(json.dumps(raw).encode(), questions)
    assert answers["q3a_written"] == "sigma' = sigma (1 - sigma)"
    assert answers["q1a"] is None


def test_a_cell_the_student_added_inside_the_question_is_part_of_the_answer(student):
    nb, questions = student
    nb = nbformat.reads(nbformat.writes(nb), as_version=4)
    first = next(i for i, c in enumerate(nb.cells) if "otter_answer_cell" in
                 c.metadata.get("tags", []) and c.cell_type == "markdown")
    nb.cells[first].source = "Part one."
    nb.cells.insert(first + 1, nbformat.v4.new_code_cell("x = '```'\nprint(x)"))
    answer = written.find_answers(nbformat.writes(nb).encode(), questions)["q1a"]
    assert answer.startswith("Part one.\n\n````python\nx = '```'")
    assert answer.endswith("\n````")  # a fence longer than the code's own backticks


def test_results_entries_are_markdown_worth_nothing_and_leave_the_total_alone(student):
    """Is there one md entry per written question, max_score 0 and no score, valid JSON,
    and the same scores and total as before?"""
    nb, questions = student
    output = scored_output()
    before = grade_all.question_scores(output)
    output = written.add_written_answers(output, questions, fill(nb, {0: "My answer."}))
    output = json.loads(json.dumps(gradescope_run.clean(output), ensure_ascii=False))
    entries = output["tests"][3:]
    assert [e["name"] for e in entries] == [
        "q1a (written, 2 points: graded by hand)",
        "q3a_written (written, 2 points: graded by hand)",
        "q3_written (written, 2 points: graded by hand)"]
    for entry in entries:
        assert entry["output_format"] == "md" and entry["max_score"] == 0
        assert "score" not in entry
    assert entries[0]["output"].endswith("My answer.")
    assert entries[1]["output"].endswith(written.NO_ANSWER)
    assert grade_all.question_scores(output) == before
    assert output["extra_data"]["written"]["q1a"] == {"points": 2, "credit": "required",
                                                      "answer": "My answer."}


@pytest.mark.parametrize("upload", [None, b"not json", b"[1, 2]", b'{"cells": "x"}',
                                    b'{"cells": [1, {"cell_type": "markdown"}]}'])
def test_a_missing_or_odd_upload_gives_no_answer_entries(student, upload):
    _, questions = student
    output = written.add_written_answers(scored_output(), questions, upload)
    assert len(output["tests"]) == 3 + len(questions)
    assert all(a["answer"] is None for a in output["extra_data"]["written"].values())
    json.dumps(output)


def test_hostile_answer_is_capped_and_results_json_stays_valid_utf8(student):
    """Do markup, a lone surrogate and a huge answer leave results.json valid and small?"""
    nb, questions = student
    huge = "x" * (10 * written.MAX_ANSWER_CHARS)
    output = written.add_written_answers(scored_output(), questions,
                                         fill(nb, {0: HOSTILE, 1: huge}))
    text = json.dumps(gradescope_run.clean(output), ensure_ascii=False).encode("utf-8")
    answers = json.loads(text)["extra_data"]["written"]
    assert "&lt;!-- hidden" in answers["q1a"]["answer"]  # a comment cannot hide the rest
    assert "</table><script>" in answers["q1a"]["answer"]  # kept as Markdown text
    assert len(answers["q3a_written"]["answer"]) < written.MAX_ANSWER_CHARS + 200
    assert "Cut at" in answers["q3a_written"]["answer"]
    assert len(text) < 3 * written.MAX_ANSWER_CHARS


def test_local_pages_show_every_answer_escaped_and_the_report_links_them(tmp_path):
    """Does each written question get a page with every submission's answer, escaped, and
    does report.html link to it?"""
    def record(file, answer):
        return {"file": file, "status": "graded", "results": {
            "tests": [{"name": "q1b", "score": 1, "max_score": 1}],
            "extra_data": {"written": {"q1a": {"points": 2, "credit": "required",
                                               "answer": answer}}}}}
    records = [record("a.ipynb", HOSTILE), record("b.ipynb", None), record("c.ipynb", "ok")]
    links = written_pages.write_pages(records, tmp_path, NAME)
    assert [(w["href"], w["answered"], w["submissions"]) for w in links] == [
        ("written-q1a.html", 2, 3)]
    page = (tmp_path / "written-q1a.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;/table&gt;&lt;script&gt;" in page
    assert page.index("a.ipynb") < page.index("b.ipynb") < page.index("c.ipynb")
    assert "No answer." in page
    report.write_report(records, tmp_path / "report.html", NAME, links)
    assert '<a href="written-q1a.html">q1a</a>' in (tmp_path / "report.html").read_text()


@pytest.mark.slow
def test_written_answers_reach_results_json_through_the_real_zip(built, tmp_path):
    """Graded by the zip's Gradescope entry point, does a filled notebook's results.json hold
    its rendered answers, worth nothing, beside the auto-graded questions' scores?"""
    from autograder.instructor.coverage import full_marks
    paths = built(NAME)
    with zipfile.ZipFile(paths["zip"]) as zf:
        questions = policy.plugin_config(json.loads(zf.read("otter_config.json")))["written"]
    nb = nbformat.read(paths["student"], as_version=4)
    submission = tmp_path / f"{NAME}.ipynb"
    # the lone surrogate as a JSON escape, as a notebook file holds it
    submission.write_text(json.dumps(json.loads(fill(nb, {0: "$dL/dW = dY X^T$", 2: HOSTILE}))))
    results, _ = grade_all.gradescope_run(paths["zip"], submission, tmp_path / "work")
    entries = {t["name"]: t for t in results["tests"] if "(written" in t["name"]}
    assert [e["output_format"] for e in entries.values()] == ["md"] * len(questions)
    assert entries["q1a (written, 2 points: graded by hand)"]["output"].endswith(
        "$dL/dW = dY X^T$")
    assert all("score" not in e and e["max_score"] == 0 for e in entries.values())
    assert set(grade_all.question_scores(results)) == set(full_marks(NAME))
    assert results["extra_data"]["written"]["q3a_written"]["answer"] is None
    assert "\ufffd" in results["extra_data"]["written"]["q3_written"]["answer"]
