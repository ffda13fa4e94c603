"""The class report: an HTML page of plots an instructor would rather look at than read.

:func:`write_report` takes the records of :mod:`autograder.instructor.grade_all` and writes one
self-contained HTML file (plots embedded as PNG) with a score histogram, per-question mean
score and fail rate, the most frequent diagnosed mistakes per question, and a table with
one row per question. The page is ``templates/report.html.j2`` (Jinja2, autoescaped: any
student text in it is shown, never run). Mistakes are counted from results.json's
``extra_data.mistakes`` (written by the grading, see :func:`autograder.runtime.trusted.mistakes`),
never parsed back from feedback text.
"""

import base64
import collections
import io
from pathlib import Path
from typing import Any

import jinja2
import matplotlib
import matplotlib.ticker

from autograder.runtime.sandbox import clean_text  # a lone surrogate breaks fonts and files

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend is chosen before pyplot loads)

LABEL = {"required": "", "optional": " (optional)", "extra": " (extra credit)"}
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def question_stats(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per question: max points, mean points, fail rate, and a Counter of diagnosed mistakes."""
    stats = {}
    graded = [r for r in records if r.get("results")]
    for r in graded:
        extra_data = r["results"].get("extra_data") or {}
        credit = extra_data.get("credit") or {}
        mistakes = extra_data.get("mistakes") or {}
        for t in r["results"].get("tests", []):
            if "score" not in t:
                continue
            # optional and extra-credit questions show a maximum of 0: use their real points
            full = credit.get(t["name"], {}).get("points", t.get("max_score", 0))
            s = stats.setdefault(t["name"], {"max": full, "scores": [],
                                             "credit": credit.get(t["name"], {}).get(
                                                 "credit", "required"),
                                             "mistakes": collections.Counter()})
            s["scores"].append(t["score"])
            # a submission counts once per mistake, however many test cases saw it
            for mistake in set(mistakes.get(t["name"], [])):
                s["mistakes"][clean_text(mistake)] += 1
    for s in stats.values():
        n = len(s["scores"])
        s["mean"] = sum(s["scores"]) / n if n else 0.0
        s["fail_rate"] = sum(1 for x in s["scores"] if x < s["max"]) / n if n else 0.0
    return dict(sorted(stats.items()))


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def write_report(records: list[dict[str, Any]], path: Path, title: str,
                 written: list[dict[str, Any]] | None = None) -> Path:
    """Write the HTML report for ``records`` to ``path``; ``written`` lists the pages of
    written answers to link to (:func:`autograder.instructor.written_pages.write_pages`)."""
    stats = question_stats(records)
    totals = [sum(t["score"] for t in r["results"].get("tests", []) if "score" in t)
              for r in records if r.get("results")]
    # the maximum is the required questions' points: optional and extra credit add on top
    possible = sum(s["max"] for s in stats.values() if s["credit"] == "required")
    bonus = sum(s["max"] for s in stats.values() if s["credit"] != "required")
    plots = []

    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(totals, bins=min(20, max(5, len(set(totals)))), range=(0, possible + bonus or 1),
            color="#4477aa")
    extra = f", up to {bonus:g} more as optional or extra credit" if bonus else ""
    ax.set(xlabel=f"total score (out of {possible:g}{extra})", ylabel="submissions",
           title="Score distribution")
    plots.append({"alt": "score histogram", "png": _png(fig)})

    names = list(stats)
    if names:
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3))
        ax1.bar(names, [100 * s["mean"] / s["max"] if s["max"] else 0 for s in stats.values()],
                color="#228833")
        ax1.set(ylabel="mean score (% of points)", ylim=(0, 100), title="Mean score")
        ax2.bar(names, [100 * s["fail_rate"] for s in stats.values()], color="#ee6677")
        ax2.set(ylabel="submissions losing points (%)", ylim=(0, 100), title="Fail rate")
        for ax in (ax1, ax2):
            ax.tick_params(axis="x", rotation=60)
        plots.append({"alt": "per-question mean and fail rate", "png": _png(fig)})

    with_mistakes = [(q, s) for q, s in stats.items() if s["mistakes"]]
    if with_mistakes:
        fig, axes = plt.subplots(len(with_mistakes), 1,
                                 figsize=(9, 1.6 * len(with_mistakes) + 0.8), squeeze=False)
        fig.subplots_adjust(hspace=1.0)
        for ax, (q, s) in zip(axes[:, 0], with_mistakes, strict=True):
            top = s["mistakes"].most_common(3)[::-1]
            ax.barh(range(len(top)), [c for _, c in top], color="#aa3377")
            # student text: drawn as it is, never parsed as mathtext ("$\\sqrt[{$" crashes it)
            ax.set_yticks(range(len(top)), [m[:70] for m, _ in top], parse_math=False)
            ax.set_title(q, loc="left", fontsize=9, fontweight="bold")
            ax.tick_params(labelsize=7)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        axes[-1, 0].set_xlabel("submissions")
        fig.suptitle("Most frequent diagnosed mistakes")
        plots.append({"alt": "most frequent mistakes per question", "png": _png(fig)})

    questions = [{"name": q, "label": LABEL[s["credit"]], "max": f"{s['max']:g}",
                  "mean": f"{s['mean']:.2f}", "fail_rate": f"{100 * s['fail_rate']:.0f}%",
                  "mistake": s["mistakes"].most_common(1)[0][0] if s["mistakes"] else ""}
                 for q, s in stats.items()]
    errors = [{"file": clean_text(r["file"]), "reason": clean_text(r.get("reason", ""))}
              for r in records if r.get("status") != "graded"]
    page = TEMPLATES.get_template("report.html.j2").render(
        title=title, submissions=len(records), errors=errors, plots=plots, questions=questions,
        written=written or [])
    path.write_text(page, encoding="utf-8", errors="replace")  # lone surrogates included
    return path
