"""A hostile (or careless) student against per-student variants (issue 14).

The fixtures ``student-email-as-*``, ``student-email-with-*`` and
``own-variant-decomposed-accent`` of ``tests/fixtures/chain-rule.yaml`` grade the same
cases end to end (the fast lane); here, the parts alone.
"""

import numpy as np
import pytest

from autograder.runtime import variant_grading, wire
from autograder.runtime.wire_kernel import encode
from autograder.student import variants
from autograder.student.checks import AnswerError


@pytest.fixture(autouse=True)
def no_submitters():
    variant_grading.start_grading(None)
    yield
    variant_grading.start_grading(None)


class Email(str):
    pass


@pytest.mark.parametrize("value", [np.str_("ada@example.edu"), Email("ada@example.edu"),
                                   np.array(["ada@example.edu"])[0]])
def test_an_email_the_grader_cannot_read_is_refused_in_the_notebook_too(value):
    """A str subclass (numpy's str_ among them) crosses the wire as an opaque value, which
    the grader refuses: the public check in the notebook must refuse it too, not pass."""
    assert variants.email_problem(value) is not None
    graded = wire.decode(encode(value))
    assert "text in quotes" in variants.email_problem(graded)
    assert "Opaque" not in variants.email_problem(graded)  # the student's own type, by name


def test_a_function_named_like_an_email_is_not_one():
    """A function crosses the wire as its name (a str subclass): not an email either side."""
    def f():
        pass
    f.__name__ = "ada@example.edu"
    assert variants.email_problem(f) is not None
    assert variants.email_problem(wire.decode(encode(f))) is not None


@pytest.mark.parametrize("email", ["ada@example.edu\u200b", "\ufeffada@example.edu",
                                   "ada\u00ad@example.edu", "ada@exa\u200dmple.edu",
                                   "ada@example.edu\ud800", "ada\t@example.edu"])
def test_an_invisible_character_in_the_email_is_named(email):
    """Pasted with the address, it would give numbers other than the account's with nothing
    to see (and a lone surrogate cannot even be hashed): the public check says so."""
    assert "invisible character" in variants.email_problem(email)
    with pytest.raises(AnswerError, match="invisible"):
        variants.identity(email)


def test_a_lone_surrogate_gets_a_verdict_not_a_crash_in_the_grader():
    v = variants.Variants("toy", {"q1": lambda d: {"a": float(d.below(10))}}, {"q1": {"a": 1.0}})
    for submitters in (None, ["ada@example.edu"]):
        variant_grading.start_grading(submitters)
        with pytest.raises(AnswerError):
            variant_grading.check_variant(v, "q1", "ada@example.edu\ud800", "answer",
                                          lambda numbers: None)


def test_an_accent_typed_as_a_combining_mark_is_the_same_identity():
    """é typed as e + U+0301 (a Mac keyboard, a copied address) is the account's é."""
    composed, decomposed = "\u00e9mile@example.edu", "E\u0301mile@Example.edu"
    assert variants.identity(decomposed) == variants.identity(composed) == composed
    variant_grading.start_grading([composed])
    v = variants.Variants("toy", {"q1": lambda d: {"a": float(d.below(10**6))}},
                          {"q1": {"a": -1.0}})
    own = v.for_email("q1", decomposed)["a"]

    def check(numbers):
        if numbers["a"] != own:
            raise AnswerError("answer is not correct")
    variant_grading.check_variant(v, "q1", decomposed, "answer", check)


def test_notebook_chosen_variants_to_look_at_are_named():
    """Graded without Gradescope's metadata, the notebook's email chooses the numbers: the
    run names the submissions on the handout's numbers (whose answers the handout works out)
    and those sharing one student's numbers."""
    from autograder.instructor.grade_all import variant_warnings

    def record(file, source, identities):
        return {"file": file, "status": "graded",
                "results": {"tests": [], "extra_data": {"variant": {
                    "source": source, "identities": identities}}}}
    records = [record("a.ipynb", "notebook", ["handout"]),
               record("b.ipynb", "notebook", ["bob@x.edu"]),
               record("c.ipynb", "notebook", ["bob@x.edu"]),
               record("d.ipynb", "notebook", ["dan@x.edu"]),
               record("e.ipynb", "submission metadata", ["eve@x.edu"]),
               record("f.ipynb", "submission metadata", ["eve@x.edu", "fay@x.edu"]),
               record("g.ipynb", "off", ["handout"]),
               {"file": "h.ipynb", "status": "error", "results": None}]
    warnings = variant_warnings(records)
    assert len(warnings) == 2, warnings
    assert "a.ipynb" in warnings[0] and "handout" in warnings[0]
    assert "b.ipynb" in warnings[1] and "c.ipynb" in warnings[1] and "bob@x.edu" in warnings[1]
    assert variant_warnings(records[3:]) == []
