"""Grade a hand-computed question against the submitter's own variant.

The numbers of a variant question come from :mod:`autograder.student.variants`. Which
variant counts is decided here, in the grading process, never by the notebook alone:

- **Gradescope names the submitters** (``submission_metadata.json``'s ``users``; a local
  grading of an export writes the same file from ``submission_metadata.yml``): their
  variants, any member's for a group. The email typed in the notebook does not choose the
  numbers, so answers worked out for another student's numbers lose those points.
- **No submitters** (a plain folder graded locally, ``otter assign``'s check of the
  solution): the notebook's ``student_email``.

Either way the notebook's ``student_email`` must be an email (or ``"handout"``): otherwise
the variant questions get 0, with the public check's message.

A wrong answer that is right for another variant it may come from (the notebook's email
when Gradescope names someone else, the handout's numbers) is told so, as the mistake
:data:`OTHER_VARIANT`, without the right numbers. What was graded against goes to
results.json (:func:`graded_against`), and from there to ``grades.csv``.
"""

import json
import os
from collections.abc import Callable
from typing import Any

from autograder.student.checks import AnswerError
from autograder.student.variants import HANDOUT, Variants, email_problem, identity

OTHER_VARIANT = "worked out on another variant's numbers"
MAX_METADATA_BYTES = 1 << 20  # Gradescope's file is a few kB; a bigger one is not read

_submitters: list[str] | None = None  # identities Gradescope names, for this grading
_graded: dict[str, Any] | None = None  # what the variant questions were graded against


def start_grading(submitters: list[str] | None) -> None:
    """Begin a grading: ``submitters`` are the emails Gradescope names (None or empty:
    none, the notebook's ``student_email`` chooses). Emails that are not one are dropped."""
    global _submitters, _graded
    valid = [identity(e) for e in submitters or [] if not email_problem(e) and
             e.strip().lower() != HANDOUT]
    _submitters = list(dict.fromkeys(valid)) or None
    _graded = None


def submitters_from_metadata(path: str | os.PathLike) -> list[str] | None:
    """The submitters' emails in Gradescope's ``submission_metadata.json``, or None when
    the file is missing, unreadable or names no one."""
    try:
        if os.path.getsize(path) > MAX_METADATA_BYTES:
            return None
        with open(path, encoding="utf-8") as f:
            return submitters_in(json.load(f))
    except (OSError, ValueError, RecursionError):
        return None


def submitters_in(metadata: Any) -> list[str] | None:
    """The emails of the ``users`` of Gradescope's submission metadata (a dict), or None."""
    users = metadata.get("users") if isinstance(metadata, dict) else None
    if not isinstance(users, list):
        return None
    emails = [u.get("email") for u in users if isinstance(u, dict)]
    return [e for e in emails if isinstance(e, str)] or None


def graded_against() -> dict[str, Any] | None:
    """{"source": "submission metadata" | "notebook" | "off", "identities": [...]} of this
    grading's variant questions, or None if none was graded."""
    return _graded


def mismatch_note() -> str | None:
    """A note for the top of the results (shown to the student at once, unlike hidden
    results before grades are published) when the notebook's ``student_email`` is not an
    email Gradescope names for this submission, so that a typo is found while it can still
    be fixed; None otherwise. Names no one but what the notebook says."""
    graded = _graded or {}
    own = graded.get("notebook")
    if own is None or own in graded.get("identities", []):
        return None
    shown = "the handout's numbers" if own == HANDOUT else f"the numbers of {own}"
    return (f"The notebook's student_email asks for {shown}, but this submission comes from "
            "a Gradescope account with another email: its questions worked out by hand are "
            "graded on that account's numbers. If those are not the numbers you worked on, "
            "set student_email to your account's email, run the notebook again from the top, "
            "redo those questions and resubmit.")


def _record(source: str, identities: list[str], notebook: str | None = None) -> None:
    """What :func:`graded_against` returns; ``notebook``: the notebook's own email where it
    is not what chose the numbers."""
    global _graded
    _graded = {"source": source, "identities": identities}
    if notebook is not None:
        _graded["notebook"] = notebook


NO_EMAIL = "unusable student_email"  # recorded when the notebook's email chooses nothing


def require_email(variants: Variants, student_email: Any) -> None:
    """AnswerError (the public check's message) when variants are on and the notebook's
    ``student_email`` cannot choose a variant; recorded for results.json. A variant test
    calls this first: the numbers such a notebook shows are nan, and the answer's format
    check would blame the answer for them."""
    if variants.on and email_problem(student_email):
        if _graded is None:  # what was typed, for the grader (a student's text: cut short)
            _record(NO_EMAIL, [], notebook=repr(student_email)[:80])
        identity(student_email)


def graded_identities(variants: Variants, student_email: Any) -> list[str]:
    """The identities whose numbers an answer may be right for (AnswerError when the
    notebook's ``student_email`` is not an email and variants are on)."""
    if not variants.on:
        _record("off", [HANDOUT])
        return [HANDOUT]
    own = identity(student_email)
    if _submitters:
        _record("submission metadata", _submitters, notebook=own)
        return list(_submitters)
    _record("notebook", [own])
    return [own]


def check_variant(variants: Variants, question: str, student_email: Any, name: str,
                  check: Callable[[dict[str, Any]], Any]) -> None:
    """Run ``check(numbers)`` (it raises AnswerError when the answer ``name`` is wrong for
    those numbers) on the submitter's variant: the answer passes if it is right for any
    accepted identity. Otherwise, if the answer is right for the notebook's own email or the
    handout, it says so; else the failure raised is the one that names a mistake (a group's
    answer is diagnosed on the numbers it was worked on), the notebook's own email first."""
    identities = graded_identities(variants, student_email)
    own = identity(student_email) if variants.on else HANDOUT
    failures = []
    for who in sorted(identities, key=lambda who: who != own):  # stable: own email first
        try:
            check(variants.numbers(question, who))
            return
        except AnswerError as e:
            failures.append(e)
    for other, why in _other_variants(student_email, identities):
        try:
            check(variants.numbers(question, other))
        except Exception:  # noqa: BLE001 - not right for that one either
            continue
        raise AnswerError(f"{name} is right for {why}, not for your own variant: the numbers "
                          "do not match the variant of the Gradescope account that "
                          "submitted. Set student_email to that account's email, run the "
                          "notebook again and work the question on the numbers it shows.",
                          OTHER_VARIANT)
    raise next((e for e in failures if e.mistake), failures[0])


def _other_variants(student_email, identities):
    """(identity, how to name it) of the variants a wrong answer may have come from (none
    when variants are off: everyone has the handout's numbers, whatever the email)."""
    if identities == [HANDOUT]:
        return
    own = identity(student_email)
    if own not in identities and own != HANDOUT:
        yield own, "the numbers of the email written in the notebook's student_email"
    if HANDOUT not in identities:
        yield HANDOUT, "the handout's numbers"
