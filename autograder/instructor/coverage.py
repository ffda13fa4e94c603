"""Coverage of the handouts: which notebook question asks which handout item.

Each assignment may hold ``assignments/<name>/coverage.yaml``::

    handouts: [000_dc0133df4d45d830.txt]   # seed file name(s) under ../shared/seeds
    items:
      - item: "3(b)"                          # the handout's own numbering, as printed
        summary: "one line: what the handout asks"
        questions: [q3b]                      # notebook questions covering it ([] if none)
        reason: "..."                         # only when questions is []: why not graded

Points, auto/written (otter's ``manual``) and required/optional/extra credit (the new
``credit: optional | extra`` key; otter ignores it) are read from the master notebook's
``# BEGIN QUESTION`` configs, never written in coverage.yaml: the notebook is the one
source of truth. Questions added beyond the handouts are listed under ``item: addition``.

``backprop coverage`` rewrites the README section "Coverage of the handouts"
between ``<!-- coverage:<name>:start -->`` and ``<!-- coverage:<name>:end -->``;
``--check`` only says whether it is up to date (exit 1 if not).
"""

import argparse
import sys
from pathlib import Path
from typing import Any

import nbformat
import yaml

from autograder.instructor.paths import ASSIGNMENTS, README

SECTION = "## Coverage of the handouts"
CREDITS = ("required", "optional", "extra")
CREDIT_LABEL = {"required": "required", "optional": "optional", "extra": "extra credit"}
COMMAND = ".venv/bin/backprop coverage"


def coverage_path(name: str) -> Path:
    return ASSIGNMENTS / name / "coverage.yaml"


def notebook_path(name: str) -> Path:
    return ASSIGNMENTS / name / f"{name}.ipynb"


def notebook_questions(path: Path) -> dict[str, dict[str, Any]]:
    """The question configs of a master notebook, in order: {name: {points, manual, credit}}.

    ``points`` is the question's ``points`` (a list is summed; absent is None), ``manual``
    otter's flag (written questions), ``credit`` one of required / optional / extra, and
    ``prompt_cell`` the id of the cell after the config: the prompt, which otter assign
    copies into the student notebook with its id (how the grading finds written answers).
    """
    nb = nbformat.read(path, as_version=4)
    questions = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "raw" or not cell.source.lstrip().startswith("# BEGIN QUESTION"):
            continue
        after = nb.cells[index + 1] if index + 1 < len(nb.cells) else {}
        config = yaml.safe_load(cell.source.split("\n", 1)[1] if "\n" in cell.source else "")
        config = config or {}
        points = config.get("points")
        if isinstance(points, list):
            points = sum(points)
        credit = config.get("credit", "required")
        if credit not in CREDITS:
            raise ValueError(f"{path}: question {config.get('name')!r} has credit {credit!r}, "
                             f"not one of {', '.join(CREDITS)}")
        questions[config["name"]] = {"points": points, "manual": bool(config.get("manual")),
                                     "credit": credit, "prompt_cell": after.get("id")}
    return questions


def full_marks(name: str) -> dict[str, float]:
    """Full marks of each auto-graded question of an assignment, read from its master
    notebook: the one source of every question's points (optional and extra-credit
    questions included, at their own points)."""
    marks = {}
    for question, config in notebook_questions(notebook_path(name)).items():
        if config["manual"]:
            continue
        if config["points"] is None:
            raise ValueError(f"{name}: question {question!r} gives no points in its config")
        marks[question] = config["points"]
    return marks


def load_coverage(path: Path) -> dict[str, Any]:
    """coverage.yaml as a dict {"handouts": [...], "items": [...]}, with its schema checked."""
    with open(path) as f:
        data = yaml.safe_load(f) or {}
    unknown = set(data) - {"handouts", "items"}
    if unknown:
        raise ValueError(f"{path}: unknown top-level key(s) {sorted(unknown)}")
    if not isinstance(data.get("handouts"), list) or not data["handouts"]:
        raise ValueError(f"{path}: `handouts` should be a non-empty list of seed file names")
    if not isinstance(data.get("items"), list) or not data["items"]:
        raise ValueError(f"{path}: `items` should be a non-empty list")
    for entry in data["items"]:
        keys = set(entry)
        if not {"item", "summary", "questions"} <= keys or keys - {"item", "summary",
                                                                   "questions", "reason"}:
            raise ValueError(f"{path}: item {entry.get('item')!r} should have exactly item, "
                             f"summary, questions (and reason when questions is []): {keys}")
        if not isinstance(entry["questions"], list):
            raise ValueError(f"{path}: item {entry['item']!r}: questions should be a list")
    return data


def problems(name: str) -> list[str]:
    """What is wrong between an assignment's coverage.yaml and its notebook (empty if nothing)."""
    data = load_coverage(coverage_path(name))
    questions = notebook_questions(notebook_path(name))
    found = []
    named = set()
    seen_items = set()
    for entry in data["items"]:
        item = str(entry["item"])
        if item in seen_items and item != "addition":
            found.append(f"item {item!r} is listed twice")
        seen_items.add(item)
        named.update(entry["questions"])
        for q in entry["questions"]:
            if q not in questions:
                found.append(f"item {item!r} names {q!r}, which is not a question of the "
                             "notebook")
        if not entry["questions"] and not str(entry.get("reason", "")).strip():
            found.append(f"item {item!r} has no question and no reason why it is not graded")
        if entry["questions"] and "reason" in entry:
            found.append(f"item {item!r} has questions, so it takes no reason")
    for q in questions:
        if q not in named:
            found.append(f"question {q!r} of the notebook is in no item of coverage.yaml "
                         "(a question beyond the handouts goes under item: addition)")
    return found


def _fmt_points(points):
    if points is None:
        return "?"
    return f"{points:g}" if isinstance(points, (int, float)) else str(points)


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def render_table(name: str) -> str:
    """The markdown coverage table of one assignment (no surrounding markers)."""
    data = load_coverage(coverage_path(name))
    questions = notebook_questions(notebook_path(name))
    lines = [f"Handouts: {', '.join(f'`{h}`' for h in data['handouts'])}.", "",
             "| handout item | what it asks | questions | graded | points | credit |",
             "|---|---|---|---|---|---|"]
    for entry in data["items"]:
        qs = entry["questions"]
        if qs:
            graded = ", ".join("written" if questions.get(q, {}).get("manual") else "auto"
                               for q in qs)
            points = ", ".join(_fmt_points(questions.get(q, {}).get("points")) for q in qs)
            credit = ", ".join(dict.fromkeys(
                CREDIT_LABEL[questions.get(q, {}).get("credit", "required")] for q in qs))
            names = ", ".join(f"`{q}`" for q in qs)
        else:
            graded = f"not graded ({_cell(entry.get('reason', ''))})"
            points, credit, names = "", "", ""
        lines.append(f"| {_cell(entry['item'])} | {_cell(entry['summary'])} | {names} | "
                     f"{graded} | {points} | {credit} |")
    totals = {c: sum(q["points"] or 0 for q in questions.values() if q["credit"] == c)
              for c in CREDITS}
    auto = sum(q["points"] or 0 for q in questions.values()
               if q["credit"] == "required" and not q["manual"])
    summary = (f"Maximum: {_fmt_points(totals['required'])} points "
               f"({_fmt_points(auto)} auto-graded, "
               f"{_fmt_points(totals['required'] - auto)} written)")
    if totals["optional"]:
        summary += f"; optional items: {_fmt_points(totals['optional'])} points, not counted"
    if totals["extra"]:
        summary += f"; extra credit: {_fmt_points(totals['extra'])} points on top"
    lines += ["", summary + "."]
    written = [f"`{q}` ({_fmt_points(c['points'])}"
               + ("" if c["credit"] == "required" else f", {CREDIT_LABEL[c['credit']]}") + ")"
               for q, c in questions.items() if c["manual"]]
    if written:  # what the TAs grade on Gradescope, next to each answer the grading shows
        lines += ["", "Written, graded by hand: " + ", ".join(written) + "."]
    return "\n".join(lines)


def assignments_with_coverage() -> list[str]:
    return sorted(p.parent.name for p in ASSIGNMENTS.glob("*/coverage.yaml")
                  if notebook_path(p.parent.name).exists())


def _markers(name):
    return f"<!-- coverage:{name}:start -->", f"<!-- coverage:{name}:end -->"


def update_readme_text(text: str, names: list[str] | None = None) -> str:
    """README text with each assignment's table rewritten between its markers.

    Adds the section and a subsection per assignment if they are missing (the section
    before "## Where the handouts are wrong", or at the end).
    """
    names = assignments_with_coverage() if names is None else names
    if SECTION not in text:
        block = (f"{SECTION}\n\nOne table per assignment: each handout item, in the handout's "
                 "own numbering, and the\nquestions that ask it. The tables are generated "
                 "from `assignments/<name>/coverage.yaml`\nand the master notebooks (points, "
                 f"written or auto, credit) by `{COMMAND}`.\n\n")
        anchor = "## Where the handouts are wrong"
        text = text.replace(anchor, block + anchor, 1) if anchor in text \
            else text.rstrip("\n") + "\n\n" + block
    for name in names:
        start, end = _markers(name)
        body = f"{start}\n{render_table(name)}\n{end}"
        if start in text and end in text:
            before, rest = text.split(start, 1)
            _, after = rest.split(end, 1)
            text = before + body + after
        else:  # a new subsection at the end of the section
            head, tail = text.split(SECTION, 1)
            nxt = tail.find("\n## ")
            section, after = (tail, "") if nxt < 0 else (tail[:nxt + 1], tail[nxt + 1:])
            section = section.rstrip("\n") + f"\n\n### {name}\n\n{body}\n\n"
            text = head + SECTION + section + after
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``backprop coverage``."""
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the README section is out of date, without writing")


def run(args: argparse.Namespace) -> int:
    """Check every coverage.yaml and rewrite (or with --check, compare) the README section."""
    bad = {n: problems(n) for n in assignments_with_coverage()}
    for name, found in bad.items():
        for p in found:
            print(f"{name}: {p}", file=sys.stderr)
    text = README.read_text()
    new = update_readme_text(text)
    if args.check:
        if new != text:
            print(f"README.md's coverage section is out of date: run `{COMMAND}`",
                  file=sys.stderr)
            return 1
        return 1 if any(bad.values()) else 0
    if new != text:
        README.write_text(new)
        print("README.md: coverage section rewritten")
    return 1 if any(bad.values()) else 0


