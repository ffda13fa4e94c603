"""One page per written question: every student's answer side by side, for the graders.

:func:`write_pages` reads each submission's written answers from its results.json
(``extra_data.written``, written by :mod:`autograder.runtime.written` during grading: the
same text Gradescope shows) and writes ``written-<question>.html`` next to report.html. The
answers are shown as the student typed them (Markdown source, maths included) in ``<pre>``
blocks of ``templates/written.html.j2``, autoescaped: a student's ``</pre><script>`` is text.
"""

import re
from pathlib import Path
from typing import Any

import jinja2

from autograder.runtime.sandbox import clean_text  # a lone surrogate cannot be written

PAGE_PREFIX = "written-"
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
CREDIT_NOTE = {"required": "", "optional": ", optional", "extra": ", extra credit"}


def page_name(question: str) -> str:
    """The page's file name: the question name with anything but [A-Za-z0-9_-] replaced."""
    return f"{PAGE_PREFIX}{re.sub(r'[^A-Za-z0-9_-]', '_', question)}.html"


def collect(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """{question: {points, credit, answers: [{file, answer (None: no answer)}]}} over the
    graded records, questions in the notebook's order, submissions by file name."""
    questions: dict[str, dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: r["file"]):
        written = ((record.get("results") or {}).get("extra_data") or {}).get("written") or {}
        for question, entry in written.items():
            page = questions.setdefault(question, {"points": entry.get("points"),
                                                   "credit": entry.get("credit", "required"),
                                                   "answers": []})
            answer = entry.get("answer")
            page["answers"].append({"file": clean_text(record["file"]),
                                    "answer": clean_text(answer) if answer else None})
    return questions


def write_pages(records: list[dict[str, Any]], out_dir: Path, title: str
                ) -> list[dict[str, Any]]:
    """Write one page per written question into ``out_dir`` (pages of questions no longer
    asked are removed); return the links for report.html: [{name, href, points, answered,
    submissions}]."""
    for stale in out_dir.glob(f"{PAGE_PREFIX}*.html"):
        stale.unlink()
    links = []
    template = TEMPLATES.get_template("written.html.j2")
    for question, page in collect(records).items():
        points = page["points"]
        worth = (f"{points:g} point{'' if points == 1 else 's'}"
                 if isinstance(points, (int, float)) else "points not set")
        worth += CREDIT_NOTE.get(page["credit"], "")
        answered = sum(1 for a in page["answers"] if a["answer"] is not None)
        html = template.render(title=title, question=question, worth=worth,
                               answers=page["answers"], answered=answered)
        (out_dir / page_name(question)).write_text(html, encoding="utf-8", errors="replace")
        links.append({"name": question, "href": page_name(question), "worth": worth,
                      "answered": answered, "submissions": len(page["answers"])})
    return links
