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
