"""Written answers (otter's ``manual: true`` questions), shown to Gradescope's graders.

Written questions are graded by hand. So that a TA grades without opening JSON, results.json
gets one entry per written question: the student's answer cell(s) as Markdown
(``output_format: "md"``, which Gradescope renders, maths included, and sanitises), named with
the points it is worth, with no score and a maximum of 0, so it never changes the automatic
total. ``extra_data.written`` keeps the same answers as data for the local pages
(:mod:`autograder.instructor.written_pages`).

Where the answers are: ``otter assign`` opens each manual question of the student notebook
with a Markdown cell starting ``<!-- BEGIN QUESTION -->`` (the question's prompt, the master's
cell with its id kept) and closes it with ``<!-- END QUESTION -->`` at the top of the next
Markdown cell; the answer cells in between are tagged ``otter_answer_cell``. The build records
each written question's prompt cell id in the zip's plugin config (``written``), and a block
is matched to its question by that id, or by position when the ids were lost (an editor
that rewrites them) and the number of blocks is right.

The submission is read as JSON data, never executed for this, and never trusted: any shape of
file gives entries ("no answer" where nothing is found), each answer is capped, and nothing
here touches a score.
"""

import json
import re
from typing import Any

BEGIN = "<!-- BEGIN QUESTION -->"
END = "<!-- END QUESTION -->"
ANSWER_TAG = "otter_answer_cell"  # otter.assign.solutions.ANSWER_CELL_TAG
PLACEHOLDER = "_Type your answer here, replacing this text._"  # otter's empty answer cell
MAX_ANSWER_CHARS = 20_000  # a TA reads a page, not a novel; results.json stays small
CREDIT_LABEL = {"required": "", "optional": ", optional", "extra": ", extra credit"}
NO_ANSWER = "_No answer: the answer cell is missing, empty or unchanged._"


def _source(cell: dict) -> str:
    """A cell's source as one string, whatever the file holds (a list of lines, a string,
    or garbage from a hand-edited file)."""
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def _locked(cell: dict) -> bool:
    """otter locks the prompt's own cells (``editable: false``); answer cells are not."""
    metadata = cell.get("metadata")
    return isinstance(metadata, dict) and metadata.get("editable") is False


def _tagged_answer(cell: dict) -> bool:
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return isinstance(tags, list) and ANSWER_TAG in tags


def question_blocks(notebook: dict) -> list[tuple[str | None, list[dict]]]:
    """The manual-question blocks of a student notebook, in order: (id of the prompt cell
    that opens the block, the answer cells inside it).

    Inside a block, every cell but the locked prompt cells is an answer cell, so an answer
    the student split over cells they added is kept whole.
    """
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    blocks: list[tuple[str | None, list[dict]]] = []
    current: list[dict] | None = None
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict):
            continue
        text = _source(cell)
        markdown = cell.get("cell_type") == "markdown"
        if markdown and text.lstrip().startswith(END):
            current = None  # this cell is the next question's prompt, not an answer
        if markdown and BEGIN in text:
            current = []
            cell_id = cell.get("id")
            blocks.append((cell_id if isinstance(cell_id, str) else None, current))
        elif current is not None and (_tagged_answer(cell) or not _locked(cell)):
            current.append(cell)
    return blocks


def answer_markdown(cells: list[dict]) -> str | None:
    """The answer cells as one Markdown text (None if nothing was written).

    Markdown cells stay Markdown (Gradescope renders their maths). Code and raw cells become
    fenced blocks, fenced longer than any backtick run inside so that they cannot close
    it. An HTML comment opener is escaped: a stray ``<!--`` would hide the rest of the answer.
    """
    parts = []
    for cell in cells:
        text = _source(cell).strip()
        if not text or text == PLACEHOLDER:
            continue
        if cell.get("cell_type") == "markdown":
            parts.append(text.replace("<!--", "&lt;!--"))
        else:
            longest = max((len(run) for run in re.findall("`+", text)), default=0)
            fence = "`" * max(3, longest + 1)
            language = "python" if cell.get("cell_type") == "code" else ""
            parts.append(f"{fence}{language}\n{text}\n{fence}")
    if not parts:
        return None
    answer = "\n\n".join(parts)
    if len(answer) > MAX_ANSWER_CHARS:
        answer = (answer[:MAX_ANSWER_CHARS] + f"\n\n_(Cut at {MAX_ANSWER_CHARS} characters: "
                  "the whole answer is in the submitted notebook.)_")
    return answer


def find_answers(notebook_bytes: bytes | None, written: list[dict]) -> dict[str, str | None]:
    """{question: its answer as Markdown, or None} for each written question of ``written``
    (the zip's plugin config: ``[{"name", "points", "credit", "cell"}, ...]``).

    ``notebook_bytes`` is the submitted file as uploaded (None when there was none); a file
    that is not JSON gives every question None.
    """
    try:
        notebook = json.loads(notebook_bytes) if notebook_bytes is not None else {}
    except (ValueError, TypeError, RecursionError):
        notebook = {}
    blocks = question_blocks(notebook)
    by_id = {cell_id: cells for cell_id, cells in blocks if cell_id}
    answers = {}
    for position, question in enumerate(written):
        cells = by_id.get(question.get("cell"))
        if cells is None and len(blocks) == len(written):
            cells = blocks[position][1]  # the ids were lost, the blocks are all there
        answers[question["name"]] = answer_markdown(cells) if cells is not None else None
    return answers


def _worth(question: dict) -> str:
    """"2 points", "1 point, optional", "2 points, extra credit"."""
    points = question.get("points")
    worth = (f"{points:g} point{'' if points == 1 else 's'}"
             if isinstance(points, (int, float)) else "points not set")
    return worth + CREDIT_LABEL.get(question.get("credit", "required"), "")


def entry_name(question: dict) -> str:
    """What Gradescope shows as the entry's title, e.g. "q1a (written, 2 points: graded by
    hand)"."""
    return f"{question['name']} (written, {_worth(question)}: graded by hand)"


def add_written_answers(output: dict[str, Any], written: list[dict],
                        notebook_bytes: bytes | None) -> dict[str, Any]:
    """Append one entry per written question to results.json's ``tests`` and the answers
    to ``extra_data.written``; scores are left exactly as they were.

    An entry has no ``score`` and a ``max_score`` of 0, as otter's own "Public Tests"
    summary has no score: Gradescope's total, the sum of the scores, does not change.
    """
    answers = find_answers(notebook_bytes, written)
    data = {}
    for question in written:
        answer = answers[question["name"]]
        header = (f"**Written answer to {question['name']}**: {_worth(question)}, graded "
                  "by hand. This entry does not change the automatic score.")
        output.setdefault("tests", []).append({
            "name": entry_name(question),
            "max_score": 0,
            "visibility": "visible",
            "output": f"{header}\n\n---\n\n{answer if answer is not None else NO_ANSWER}",
            "output_format": "md",
        })
        data[question["name"]] = {"points": question.get("points"),
                                  "credit": question.get("credit", "required"),
                                  "answer": answer}
    output.setdefault("extra_data", {})["written"] = data
    return output
