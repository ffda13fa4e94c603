"""Every student's own numbers (issue 14): the derivation, the choice of the graded variant,
and the conditioning of every assignment's variants.

The per-assignment parts live with each assignment: the generators and the handout's numbers
in ``autograder/student/<assignment>.py`` (``VARIANTS``), and in the runtime's question
module ``variant_answers(question, numbers)`` ({answer: (right value, mistake catalogue)})
and, where values can degenerate, ``variant_problems(question, numbers)`` (what is wrong
with those numbers, as text).
"""

import hashlib
import importlib
import json
from decimal import Decimal

import numpy as np
import pytest

from autograder.instructor.paths import assignment_names
from autograder.runtime import variant_grading
from autograder.runtime.verdicts import HAND, matches
from autograder.student import variants
from autograder.student.checks import AnswerError

VARIANT_COUNT = 1000  # students per assignment whose numbers are checked


def module_name(assignment):
    return assignment.replace("-", "_")


def assignments_with_variants():
    return [a for a in assignment_names() if hasattr(
        importlib.import_module(f"autograder.student.{module_name(a)}"), "VARIANTS")]


def student_emails(count=VARIANT_COUNT):
    """Addresses as a class has them: mixed case, dots, plus signs, several domains."""
    domains = ("example.edu", "students.example.ac.uk", "mail.example.com")
    firsts = ("ada", "Bob", "chen", "dana", "Émile")
    return [f"{firsts[i % 5]}.{i}{'+ml' if i % 7 == 0 else ''}@{domains[i % 3]}"
            for i in range(count)]


@pytest.fixture(autouse=True)
def no_submitters():
    """Each test starts a grading with no submitters, and leaves none behind."""
    variant_grading.start_grading(None)
    yield
    variant_grading.start_grading(None)


# --------------------------------------------------------------------------------------
# The derivation, as the module's docstring documents it
# --------------------------------------------------------------------------------------

def test_a_draw_is_the_documented_hash_written_out_again():
    """Is draw k the first 8 bytes of sha256("backprop-variant-v1:<a>:<q>:<identity>:<k>"),
    big-endian, modulo n? (Computed here independently of Draw.)"""
    draw = variants.Draw("matrix-backprop", "q1c", "ada@example.edu")
    for k in range(5):
        text = f"backprop-variant-v1:matrix-backprop:q1c:ada@example.edu:{k}"
        expected = int(hashlib.sha256(text.encode()).hexdigest()[:16], 16) % 97
        assert draw.below(97) == expected


@pytest.mark.parametrize("written, identity", [
    ("ada@example.edu", "ada@example.edu"), ("  Ada@Example.EDU\n", "ada@example.edu"),
    ("handout", "handout"), (" HANDOUT ", "handout")])
def test_the_identity_ignores_case_and_surrounding_spaces(written, identity):
    assert variants.identity(written) == identity


@pytest.mark.parametrize("value, phrase", [
    ("", "is empty"), ("   ", "is empty"), ("...", 'still "..."'), (None, "is not defined"),
    (..., "still `...`"), (42, "text in quotes"), ("ada", "does not look like an email"),
    ("ada@example", "does not look like an email"), ("a b@example.edu", "does not look"),
    ("a@b@example.edu", "does not look"), ("x" * 250 + "@example.edu", "does not look"),
    ("<ada@example.edu>", "does not look"), ("mailto:ada@example.edu", "does not look"),
    ("Ada Lovelace, ada@example.edu", "does not look")])
def test_a_wrong_student_email_gets_a_clear_message(value, phrase):
    """Empty, missing, not text or not an address: a message that says what to write."""
    assert phrase in variants.email_problem(value)
    with pytest.raises(AnswerError, match="student_email") as info:
        variants.identity(value)
    assert info.value.mistake is None  # not a mistake in the answer: the report skips it


@pytest.mark.parametrize("assignment", assignments_with_variants())
def test_the_numbers_depend_on_the_email_and_the_question_only(assignment):
    """The same email gives the same numbers (however written); two students get
    different ones; each question draws from its own stream."""
    v = importlib.import_module(f"autograder.student.{module_name(assignment)}").VARIANTS
    for question in v.generators:
        ada = v.numbers(question, "ada@example.edu")
        assert _same(ada, v.for_email(question, " ADA@example.edu "))
        others = [v.numbers(question, f"student{i}@example.edu") for i in range(20)]
        assert sum(_same(ada, o) for o in others) <= 1, question


@pytest.mark.parametrize("assignment", assignments_with_variants())
def test_the_handout_variant_is_the_handouts_numbers(assignment):
    v = importlib.import_module(f"autograder.student.{module_name(assignment)}").VARIANTS
    for question, numbers in v.handout.items():
        assert _same(v.numbers(question, "handout"), numbers)
        assert set(v.numbers(question, "ada@example.edu")) == set(numbers), question


def test_switched_off_everyone_gets_the_handouts_numbers():
    off = variants.Variants("toy", {"q1": lambda d: {"a": d.pick((1.0, 2.0, 3.0))}},
                            {"q1": {"a": 0.5}}, on=False)
    assert off.numbers("q1", "ada@example.edu") == {"a": 0.5}
    assert off.for_email("q1", "") == {"a": 0.5}  # no email needed
    off.check_email("")


def test_shown_numbers_are_the_graded_ones_and_a_wrong_email_shows_nan(capsys):
    from autograder.student.matrix_backprop import VARIANTS
    shown = VARIANTS.show("q1c", "ada@example.edu")
    assert _same(shown, VARIANTS.numbers("q1c", "ada@example.edu"))
    assert "your numbers (for ada@example.edu)" in capsys.readouterr().out
    shown = VARIANTS.show("q1c", "")
    assert "student_email is empty" in capsys.readouterr().out
    assert all(np.isnan(v).all() for v in shown.values())


# --------------------------------------------------------------------------------------
# Which variant is graded
# --------------------------------------------------------------------------------------

def _toy():
    return variants.Variants("toy", {"q1": lambda d: {"a": float(d.below(10**6))}},
                             {"q1": {"a": -1.0}})


def _check_equals(value):
    def check(numbers):
        if value != numbers["a"]:
            raise AnswerError("answer is not correct", "wrong")
    return check


def _answer(v, who):
    return v.numbers("q1", who)["a"]


def test_without_submitters_the_notebooks_email_is_graded():
    v = _toy()
    variant_grading.check_variant(v, "q1", "Ada@example.edu", "answer",
                                  _check_equals(_answer(v, "ada@example.edu")))
    assert variant_grading.graded_against() == {"source": "notebook",
                                                "identities": ["ada@example.edu"]}


def test_the_submitter_is_graded_not_the_notebooks_email():
    v = _toy()
    variant_grading.start_grading(["bob@example.edu"])
    with pytest.raises(AnswerError) as info:
        variant_grading.check_variant(v, "q1", "ada@example.edu", "answer",
                                      _check_equals(_answer(v, "ada@example.edu")))
    assert info.value.mistake == variant_grading.OTHER_VARIANT
    assert "email written in the notebook" in str(info.value)
    assert str(_answer(v, "bob@example.edu")) not in str(info.value)  # no right number
    variant_grading.check_variant(v, "q1", "ada@example.edu", "answer",
                                  _check_equals(_answer(v, "bob@example.edu")))
    assert variant_grading.graded_against() == {"source": "submission metadata",
                                                "identities": ["bob@example.edu"],
                                                "notebook": "ada@example.edu"}
    # said at the top of the results, which students see before grades are published
    assert "student_email asks for the numbers of ada@example.edu" in \
        variant_grading.mismatch_note()


def test_any_member_of_a_group_is_accepted():
    v = _toy()
    variant_grading.start_grading(["bob@example.edu", "Ada@example.edu", "not an email"])
    for who in ("ada@example.edu", "bob@example.edu"):
        variant_grading.check_variant(v, "q1", "ada@example.edu", "answer",
                                      _check_equals(_answer(v, who)))
    assert variant_grading.graded_against()["identities"] == ["bob@example.edu",
                                                              "ada@example.edu"]


def test_the_handouts_numbers_under_a_students_account_are_named():
    v = _toy()
    variant_grading.start_grading(["ada@example.edu"])
    for email in ("handout", "ada@example.edu"):
        with pytest.raises(AnswerError, match="right for the handout's numbers") as info:
            variant_grading.check_variant(v, "q1", email, "answer", _check_equals(-1.0))
        assert info.value.mistake == variant_grading.OTHER_VARIANT


def test_a_wrong_answer_gets_its_own_verdict():
    v = _toy()
    with pytest.raises(AnswerError, match="answer is not correct"):
        variant_grading.check_variant(v, "q1", "ada@example.edu", "answer", _check_equals(3.5))


@pytest.mark.parametrize("email", ["", None, "ada"])
def test_a_wrong_email_gets_zero_even_with_submitters(email):
    v = _toy()
    variant_grading.start_grading(["ada@example.edu"])
    with pytest.raises(AnswerError, match="student_email"):
        variant_grading.check_variant(v, "q1", email, "answer",
                                      _check_equals(_answer(v, "ada@example.edu")))


@pytest.mark.parametrize("text, emails", [
    ('{"users": [{"email": "a@x.edu", "id": 1, "name": "A"}, {"email": "b@x.edu"}]}',
     ["a@x.edu", "b@x.edu"]),
    ('{"users": []}', None), ("{}", None), ('{"users": "a@x.edu"}', None),
    ('{"users": [{"email": 3}, "x"]}', None), ("[1, 2]", None), ("not json", None),
    ("[" * 100000 + "]" * 100000, None)])
def test_submitters_are_read_from_gradescopes_metadata(tmp_path, text, emails):
    """Gradescope's submission_metadata.json ``users``; anything else names no one."""
    path = tmp_path / "submission_metadata.json"
    path.write_text(text)
    assert variant_grading.submitters_from_metadata(path) == emails
    assert variant_grading.submitters_from_metadata(tmp_path / "missing.json") is None


def test_grades_csv_records_the_variant(tmp_path):
    import csv

    from autograder.instructor.grade_all import write_csv

    def record(file, variant):
        return {"file": file, "status": "graded", "reason": "",
                "results": {"tests": [{"name": "q1", "score": 1, "max_score": 1}],
                            "extra_data": {"variant": variant}}}
    records = [record("a.ipynb", {"source": "submission metadata",
                                  "identities": ["a@x.edu", "b@x.edu"], "notebook": "b@x.edu"}),
               record("d.ipynb", {"source": "submission metadata",
                                  "identities": ["a@x.edu"], "notebook": "c@x.edu"}),
               record("b.ipynb", {"source": "notebook", "identities": ["handout"]}),
               record("c.ipynb", None)]
    write_csv(records, tmp_path / "grades.csv", ["q1"])
    with open(tmp_path / "grades.csv") as f:
        rows = {r["file"]: r for r in csv.DictReader(f)}
    assert (rows["a.ipynb"]["variant"], rows["a.ipynb"]["variant_from"]) == (
        "a@x.edu; b@x.edu", "gradescope")
    assert (rows["b.ipynb"]["variant"], rows["b.ipynb"]["variant_from"]) == (
        "handout", "notebook")
    assert (rows["c.ipynb"]["variant"], rows["c.ipynb"]["variant_from"]) == ("", "")
    # the notebook's own email, where Gradescope named someone else
    assert [rows[f]["notebook_email"] for f in ("a.ipynb", "b.ipynb", "c.ipynb", "d.ipynb")] \
        == ["", "", "", "c@x.edu"]


def test_an_exports_submitters_reach_the_graders_metadata():
    from autograder.instructor.grade_all import gradescope_metadata
    metadata = gradescope_metadata([{"name": "A", "email": "a@x.edu", "sid": "1"}])
    assert variant_grading.submitters_in(json.loads(json.dumps(metadata))) == ["a@x.edu"]
    assert variant_grading.submitters_in(gradescope_metadata(None)) is None


# --------------------------------------------------------------------------------------
# Conditioning: over 1,000 students, every named mistake is told apart, nothing degenerates
# --------------------------------------------------------------------------------------

def _variant_modules(assignment):
    name = module_name(assignment)
    return (importlib.import_module(f"autograder.student.{name}").VARIANTS,
            importlib.import_module(f"autograder.runtime.questions.{name}"))


@pytest.mark.parametrize("assignment", assignments_with_variants())
def test_every_named_mistake_differs_from_the_right_answer_in_every_variant(assignment):
    v, questions = _variant_modules(assignment)
    found = []
    for email in ["handout", *student_emails()]:
        who = variants.identity(email)
        for question in v.generators:
            numbers = v.numbers(question, who)
            for answer, (right, mistakes) in questions.variant_answers(question,
                                                                       numbers).items():
                assert np.all(np.isfinite(np.asarray(right, dtype=float))), (who, answer)
                found += [(who, answer, m) for m, wrong in mistakes.items()
                          if matches(wrong, right, HAND)]
    assert not found, found[:10]


@pytest.mark.parametrize("assignment", assignments_with_variants())
def test_no_variant_degenerates_and_its_numbers_stay_short(assignment):
    """No degenerate value (the assignment's own ``variant_problems``), and every number a
    student is given has at most 2 decimals and 3 significant figures."""
    v, questions = _variant_modules(assignment)
    problems = getattr(questions, "variant_problems", lambda question, numbers: [])
    found = []
    for email in student_emails():
        who = variants.identity(email)
        for question in v.generators:
            numbers = v.numbers(question, who)
            found += [(who, question, p) for p in problems(question, numbers)]
            for key, value in numbers.items():
                for x in np.asarray(value, dtype=float).ravel():
                    text = Decimal(repr(float(x))).normalize()
                    if -text.as_tuple().exponent > 2 or len(text.as_tuple().digits) > 3:
                        found.append((who, question, f"{key} = {x} is long to work with"))
    assert not found, found[:10]


def _same(a, b):
    return set(a) == set(b) and all(np.array_equal(np.asarray(a[k], dtype=float),
                                                   np.asarray(b[k], dtype=float)) for k in a)


def test_a_groups_wrong_answer_is_diagnosed_on_the_numbers_it_was_worked_on():
    """Worked wrong on one member's numbers: the verdict names the mistake made there, not
    "wrong" for the other member's numbers (whoever is listed first)."""
    v = _toy()

    def check(value):
        def on(numbers):
            if value == 2 * numbers["a"]:
                raise AnswerError("answer is doubled", "doubled")
            if value != numbers["a"]:
                raise AnswerError("answer is not correct")
        return on
    for email in ("bob@example.edu", "ada@example.edu"):
        variant_grading.start_grading(["ada@example.edu", "bob@example.edu"])
        with pytest.raises(AnswerError, match="doubled"):
            variant_grading.check_variant(v, "q1", email, "answer",
                                          check(2 * _answer(v, "bob@example.edu")))


def test_the_report_and_feedback_pages_say_which_numbers_were_graded(tmp_path):
    from autograder.instructor import report
    record = {"file": "a.ipynb", "status": "graded", "reason": "",
              "results": {"tests": [{"name": "q1", "score": 1, "max_score": 1, "output": ""}],
                          "extra_data": {"variant": {"source": "submission metadata",
                                                     "identities": ["ada@x.edu"],
                                                     "notebook": "bob@x.edu"}}}}
    rows = report.write_feedback_pages([record], tmp_path, "toy")
    page = (tmp_path / rows[0]["href"]).read_text()
    assert "graded on the numbers of ada@x.edu (chosen by: gradescope); the notebook's " \
        "student_email is bob@x.edu" in page
    report.write_report([record], tmp_path / "report.html", "toy", submissions=rows)
    assert "<td>ada@x.edu (gradescope); notebook: bob@x.edu</td>" in \
        (tmp_path / "report.html").read_text()


def test_switched_off_the_handouts_numbers_are_graded_whatever_the_email():
    off = variants.Variants("toy", _toy().generators, {"q1": {"a": -1.0}}, on=False)
    variant_grading.start_grading(["ada@example.edu"])
    for email in ("", "ada@example.edu", None):
        variant_grading.check_variant(off, "q1", email, "answer", _check_equals(-1.0))
    assert variant_grading.graded_against() == {"source": "off", "identities": ["handout"]}
    # a wrong answer gets its own verdict, never one about the email
    for email in ("", "ada@example.edu"):
        with pytest.raises(AnswerError, match="answer is not correct"):
            variant_grading.check_variant(off, "q1", email, "answer", _check_equals(3.5))


def test_no_mismatch_note_when_the_notebook_names_a_submitter_or_nothing_is_known():
    v = _toy()
    variant_grading.check_variant(v, "q1", "ada@example.edu", "answer",
                                  _check_equals(_answer(v, "ada@example.edu")))
    assert variant_grading.mismatch_note() is None  # no metadata: the notebook chose
    variant_grading.start_grading(["bob@example.edu", "ada@example.edu"])
    variant_grading.check_variant(v, "q1", "ADA@example.edu", "answer",
                                  _check_equals(_answer(v, "ada@example.edu")))
    assert variant_grading.mismatch_note() is None  # a member of the group
    variant_grading.start_grading(["bob@example.edu"])
    with pytest.raises(AnswerError):
        variant_grading.check_variant(v, "q1", "handout", "answer", _check_equals(-1.0))
    assert "asks for the handout's numbers" in variant_grading.mismatch_note()


def test_an_unusable_email_is_said_before_the_answers_format_and_recorded():
    """Its numbers were nan: the verdict names the email, not the nan answer, and
    results.json records that no email chose the numbers."""
    from autograder.runtime.questions.matrix_backprop import q1c_w_updated
    from autograder.student.matrix_backprop import VARIANTS
    nan = VARIANTS.show("q1c", "")["W"]
    with pytest.raises(AnswerError, match="student_email is empty"):
        q1c_w_updated(nan, "W_updated", None, "")
    assert variant_grading.graded_against() == {"source": "unusable student_email",
                                                "identities": [], "notebook": "''"}


@pytest.mark.parametrize("text, expected", [
    ("short enough", "short enough"), ("word " * 70, ("word " * 59).rstrip() + "…"),
    ("x" * 400, "x" * 299 + "…")])
def test_a_reason_in_grades_csv_is_cut_between_words(text, expected):
    from autograder.instructor.grade_all import shortened
    assert shortened(text) == expected and len(shortened(text)) <= 300
