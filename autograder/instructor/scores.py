"""Points as results.json holds them and as the CSV and the pages write them: the one place
that reads a question's score and formats a number of points (no heavy imports: the
grading loop and the report both use it)."""

from typing import Any


def question_scores(results: dict[str, Any]) -> dict[str, float]:
    """Points per question from a results.json dict (the 'Public Tests' summary is skipped)."""
    return {t["name"]: t["score"] for t in results.get("tests", []) if "score" in t}


def points(value: float) -> str:
    """A number of points written one way: 0, 1, 0.5, 2.25 (never 1.0 or 0.50000001)."""
    text = f"{round(float(value), 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


VARIANT_FROM = {"submission metadata": "gradescope", "notebook": "notebook", "off": "off",
                "unusable student_email": "unusable student_email"}


def graded_variant(results: dict[str, Any]) -> tuple[str, str, str]:
    """(variant, variant_from, notebook_email) of a results.json: the identities whose
    numbers the hand-computed questions were graded against, ``;``-separated (``handout``
    for the handout's); where they came from (``gradescope``: the submission metadata's
    submitters; ``notebook``: its student_email; ``off``: variants off; ``unusable
    student_email``); and the notebook's own student_email when Gradescope named someone
    else (a typo, or another student's notebook), or what was typed when it is unusable.
    Empty strings for what is not known."""
    variant = (results.get("extra_data") or {}).get("variant")
    if not isinstance(variant, dict):
        return "", "", ""
    identities = "; ".join(str(i) for i in variant.get("identities") or [])
    source = variant.get("source")
    notebook = variant.get("notebook")
    other = str(notebook) if notebook and notebook not in (variant.get("identities") or []) \
        else ""
    return identities, str(VARIANT_FROM.get(source, source or "")), other
