"""Every student's own numbers for the questions worked out by hand.

A hand-computed question (one gradient step from given W, X, Y; gradients at a given point)
asks each student about their own numbers: posting one's answers helps no one else. The
numbers are a *variant*, a pure function of the assignment, the question and the student's
identity, the email they use on Gradescope, written once at the top of the notebook
(``student_email = "..."``).

**The derivation** (the same wherever it runs: the student's Python, the grader's):

- the identity is the email with surrounding spaces removed, in lower case, in Unicode's
  composed form (NFC: an accent typed as a letter and a combining mark is the letter's);
- draw number ``k`` of a question is the first 8 bytes, read as a big-endian integer, of
  ``sha256("backprop-variant-v1:<assignment>:<question>:<identity>:<k>")``;
- a question's generator turns its draws into numbers by picking from short lists of short
  decimals (:meth:`Draw.pick`), so that the numbers stay easy to work with by hand.

The hash, not numpy's random generators, makes the draws: a student's numpy may be another
version than the grader's, and numpy does not promise the same stream across versions.
Each question draws from its own stream: adding a question changes no other's numbers.

The identity ``"handout"`` is the handout's own numbers (what the solution notebook uses,
checked against the handouts' printed values). An assignment whose variants are off
(``Variants(..., on=False)``, in its module under ``autograder/student/``) gives everyone
the handout's numbers.

Grading recomputes the expected values with the variant of the submitter Gradescope names
(:mod:`autograder.runtime.variant_grading`), not of the email typed in the notebook. Only the
parameters are derived here, never an answer: this module ships to students.
"""

import hashlib
import re
import unicodedata
from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.student.checks import AnswerError, _describe

HANDOUT = "handout"
VERSION = "v1"  # in every draw's text: a new derivation gets a new version, never new numbers
# one @, something on both sides, a dot in the domain, no spaces, and none of the characters
# a mail client wraps an address in ("<ada@x.edu>", "mailto:ada@x.edu", "Ada, ada@x.edu"):
# what an address looks like, as Gradescope has it
_EMAIL = re.compile(r'[^@\s<>()\[\],;:"]+@[^@\s<>()\[\],;:"]+\.[^@\s<>()\[\],;:"]+')
MAX_EMAIL_LENGTH = 254  # the longest address SMTP allows (RFC 5321)


def email_problem(email: Any) -> str | None:
    """Why ``email`` (the notebook's ``student_email``) cannot choose a variant, or None.
    Each message ends with what to do: the numbers cells depend on the email, so the
    notebook is run again from the top."""
    where = "at the top of the notebook"
    how = f'write the email you use on Gradescope {where}, as student_email = "you@example.edu"'
    again = "then run the notebook again from the top"
    if email is None:
        return f"student_email is not defined (or is None): {how}, {again}."
    if email is Ellipsis:
        return f"student_email is still `...`: {how}, {again}."
    if type(email) is not str:  # exactly: the grader reads no subclass (numpy's str_ included)
        return (f"student_email should be text in quotes (the email you use on Gradescope), "
                f"not a {_describe(email)}: {again}.")
    text = email.strip()
    if text == "...":
        return f'student_email is still "...": {how}, {again}.'
    if not text:
        return (f"student_email is empty: write the email you use on Gradescope {where}, "
                f"between the quotes, {again}.")
    if not text.isprintable():  # a zero-width space pasted with it: numbers not the account's
        return ("student_email holds an invisible character (pasted with the address?): "
                f"type the email again by hand {where}, {again}.")
    if text.lower() == HANDOUT:
        return None
    if len(text) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(text):
        return ("student_email does not look like an email address (just the address, "
                f"with no name, <> or mailto:): {how}, {again}.")
    return None


def identity(email: Any) -> str:
    """The identity a variant is drawn for: the email, stripped, in lower case, NFC.
    AnswerError if it is not an email: named as no mistake, since it is not one in the
    question's answer (the class report counts the answers' mistakes; an unset email shows
    as an empty variant in grades.csv and the report)."""
    problem = email_problem(email)
    if problem:
        raise AnswerError(problem)
    return unicodedata.normalize("NFC", email.strip().lower())


class Draw:
    """The draws of one question's variant (see the module's docstring for the derivation)."""

    def __init__(self, assignment: str, question: str, who: str):
        self.key = f"backprop-variant-{VERSION}:{assignment}:{question}:{who}"
        self.count = 0

    def below(self, n: int) -> int:
        """The next draw, as a whole number from 0 to n - 1."""
        digest = hashlib.sha256(f"{self.key}:{self.count}".encode()).digest()
        self.count += 1
        return int.from_bytes(digest[:8], "big") % n

    def pick(self, choices):
        """One of ``choices``, by the next draw."""
        return choices[self.below(len(choices))]

    def picks(self, choices, shape):
        """An array of ``shape`` whose entries are each picked from ``choices``."""
        size = int(np.prod(shape))
        return np.array([self.pick(choices) for _ in range(size)], dtype=float).reshape(shape)


class Variants:
    """The hand-computed questions of one assignment.

    ``generators``: {question: function of a :class:`Draw` returning the question's
    numbers, a dict}; ``handout``: {question: the handout's numbers, the same keys};
    ``on``: False gives everyone the handout's numbers (the instructor's switch).
    """

    def __init__(self, assignment: str, generators: dict[str, Callable[[Draw], dict]],
                 handout: dict[str, dict], on: bool = True):
        if set(generators) != set(handout):
            raise ValueError("every variant question needs its handout numbers")
        self.assignment, self.generators, self.handout, self.on = \
            assignment, generators, handout, on

    def numbers(self, question: str, who: str) -> dict[str, Any]:
        """The numbers of ``question`` for the identity ``who`` (already an identity: see
        :func:`identity`); the handout's for ``"handout"`` or when variants are off."""
        if not self.on or who == HANDOUT:
            return {k: _copy(v) for k, v in self.handout[question].items()}
        return self.generators[question](Draw(self.assignment, question, who))

    def for_email(self, question: str, email: Any) -> dict[str, Any]:
        """The numbers of ``question`` for the notebook's ``student_email`` (AnswerError if
        it is not an email and variants are on)."""
        return self.numbers(question, identity(email) if self.on else HANDOUT)

    def check_email(self, email: Any) -> None:
        """AnswerError if ``student_email`` cannot choose a variant (and variants are on):
        what every variant question's public check runs first."""
        if self.on:
            identity(email)

    def show(self, question: str, email: Any) -> dict[str, Any]:
        """Show the student their numbers for ``question`` and return them (a dict).

        An email that cannot choose a variant is told what to do, and every number is nan
        (shaped as the handout's): the notebook still runs top to bottom, and nothing
        computed from them can pass for someone else's answer."""
        problem = email_problem(email) if self.on else None
        if problem:
            print(f"{question}: {problem} Until then, your numbers are nan (not a number).")
            return {k: np.full(np.shape(v), np.nan) if np.ndim(v) else np.nan
                    for k, v in self.handout[question].items()}
        numbers = self.for_email(question, email)
        whose = ("the handout's numbers" if not self.on or identity(email) == HANDOUT
                 else f"your numbers (for {identity(email)})")
        lines = [f"{question}: {whose}"] + [f"  {k} = {_text(v, f'  {k} = ')}"
                                            for k, v in numbers.items()]
        print("\n".join(lines))
        return numbers


def _copy(value):
    return np.array(value, dtype=float) if isinstance(value, (list, np.ndarray)) else value


def _text(value, prefix: str = "") -> str:
    """A number or an array as the student would type it (short decimals, no float noise),
    its rows aligned after ``prefix``."""
    if isinstance(value, np.ndarray):
        return np.array2string(value, separator=", ", prefix=prefix,
                               formatter={"float_kind": _number})
    return _number(value) if isinstance(value, float) else repr(value)


def _number(x: float) -> str:
    return f"{x:.10g}"
