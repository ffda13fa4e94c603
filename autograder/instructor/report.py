"""The class report: an HTML page of plots an instructor would rather look at than read.

:func:`write_report` takes the records of :mod:`autograder.instructor.grade_all` and writes one
self-contained HTML file (plots embedded as PNG) with a score histogram, per-question mean
score and fail rate, the most frequent diagnosed mistakes per question, a table with one
row per question, and one row per submission (its submitters, total and status) linking to
its feedback page ``feedback/<submission>.html`` (:func:`write_feedback_pages`). The pages
are ``templates/*.html.j2`` (Jinja2, autoescaped: any student text in them is shown, never
run). Mistakes are counted from results.json's
``extra_data.failed`` (each failed test case with its diagnosed mistake or None, see
:func:`autograder.runtime.trusted.failed_cases`; ``extra_data.mistakes`` for older results),
never parsed back from feedback text: a wrong multiple-choice item, which names no mistake,
is counted as its item ("item 3: wrong").
"""

import base64
import collections
import hashlib
import io
import re
import textwrap
from pathlib import Path
from typing import Any

import jinja2
import matplotlib
import matplotlib.ticker

from autograder.instructor.scores import graded_variant, points, question_scores
from autograder.runtime.sandbox import clean_text  # a lone surrogate breaks fonts and files

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend is chosen before pyplot loads)

LABEL = {"required": "", "optional": " (optional)", "extra": " (extra credit)"}
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def case_label(question: str, case: str) -> str:
    """A test case's name as a reader says it: ``test_q1_item_3`` of q1 -> ``item 3``."""
    label = case.removeprefix("test_").removeprefix(f"{question}_").removeprefix(question)
    return label.strip("_").replace("_", " ") or case


def failures(extra_data: dict[str, Any], question: str) -> tuple[set[str], set[str]]:
    """What a submission got wrong in ``question``, as data: (its diagnosed mistakes, its
    failed test cases with no catalogued mistake, such as a wrong multiple-choice item, each
    as "item 3: wrong"). Results from before ``extra_data.failed`` give the mistakes only."""
    failed = (extra_data.get("failed") or {}).get(question)
    if not isinstance(failed, dict):
        return set((extra_data.get("mistakes") or {}).get(question, [])), set()
    return ({clean_text(m) for m in failed.values() if m},
            {f"{case_label(question, c)}: wrong (no catalogued mistake)"
             for c, m in failed.items() if not m})


def question_stats(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per question: max points, mean points, fail rate, and Counters of what was wrong:
    ``mistakes`` (diagnosed mistakes and failed test cases that name none) and ``diagnosed``
    (the diagnosed mistakes alone)."""
    stats = {}
    # an upload that could not be graded (status "error") has results, all at 0: it is
    # listed with its reason, never counted as a class of wrong answers
    graded = [r for r in records if r.get("results") and r.get("status") == "graded"]
    for r in graded:
        extra_data = r["results"].get("extra_data") or {}
        credit = extra_data.get("credit") or {}
        for t in r["results"].get("tests", []):
            if "score" not in t:
                continue
            # optional and extra-credit questions show a maximum of 0: use their real points
            full = credit.get(t["name"], {}).get("points", t.get("max_score", 0))
            s = stats.setdefault(t["name"], {"max": full, "scores": [],
                                             "credit": credit.get(t["name"], {}).get(
                                                 "credit", "required"),
                                             "mistakes": collections.Counter(),
                                             "diagnosed": collections.Counter()})
            s["scores"].append(t["score"])
            # a submission counts once per mistake, however many test cases saw it
            diagnosed, undiagnosed = failures(extra_data, t["name"])
            s["diagnosed"].update(clean_text(m) for m in diagnosed)
            s["mistakes"].update(clean_text(m) for m in diagnosed | undiagnosed)
    for s in stats.values():
        n = len(s["scores"])
        s["mean"] = sum(s["scores"]) / n if n else 0.0
        s["fail_rate"] = sum(1 for x in s["scores"] if x < s["max"]) / n if n else 0.0
    return dict(sorted(stats.items()))


CHART_PAD = 0.04  # inches between a chart's outermost text and its edge


def _png(fig):
    buf = io.BytesIO()
    # constrained layout places every label and fills the figure up to its pads (a second,
    # "tight" bounding box would only lay every label out again: a third of the time)
    fig.get_layout_engine().set(w_pad=CHART_PAD, h_pad=CHART_PAD)
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _wrap(text: str, width: int = 48, lines: int = 3) -> str:
    """A long label on a few lines, whole words kept; shortened (with "...") only past
    ``lines`` lines."""
    return textwrap.fill(text, width, max_lines=lines, placeholder=" ...")


MISTAKES_SHOWN = 6  # per question: every item of a multiple-choice question fits


def plot_pages(stats: dict[str, dict[str, Any]], totals: list[float]) -> list[dict[str, str]]:
    """The report's plots, as embedded PNGs: [{alt, png}]."""
    possible = sum(s["max"] for s in stats.values() if s["credit"] == "required")
    bonus = sum(s["max"] for s in stats.values() if s["credit"] != "required")
    plots = []

    fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
    ax.hist(totals, bins=min(20, max(5, len(set(totals)))), range=(0, possible + bonus or 1),
            color="#4477aa")
    extra = f", up to {bonus:g} more as optional or extra credit" if bonus else ""
    ax.set(xlabel=f"total score (out of {possible:g}{extra})", ylabel="submissions",
           title="Score distribution", xlim=(0, possible + bonus or 1))
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    plots.append({"alt": "score histogram", "png": _png(fig)})

    names = list(stats)
    if names:
        # taller for long question names (their rotated labels take ~0.075 in a character):
        # constrained layout only places what fits in the figure, and cuts the rest
        longest = max(len(n) for n in names)
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(max(8, 0.5 * len(names) + 4),
                                                      3.2 + 0.075 * max(0, longest - 6)),
                                       layout="constrained")
        ax1.bar(names, [100 * s["mean"] / s["max"] if s["max"] else 0 for s in stats.values()],
                color="#228833")
        ax1.set(ylabel="mean score (% of points)", ylim=(0, 100), title="Mean score")
        ax2.bar(names, [100 * s["fail_rate"] for s in stats.values()], color="#ee6677")
        ax2.set(ylabel="submissions losing points (%)", ylim=(0, 100), title="Fail rate")
        for ax in (ax1, ax2):
            ax.tick_params(axis="x", rotation=60)
            ax.margins(x=0.01)
        plots.append({"alt": "per-question mean and fail rate", "png": _png(fig)})

    with_mistakes = [(q, s["mistakes"].most_common(MISTAKES_SHOWN)[::-1])
                     for q, s in stats.items() if s["mistakes"]]
    if with_mistakes:
        rows = [len(top) for _, top in with_mistakes]
        fig, axes = plt.subplots(len(with_mistakes), 1, squeeze=False, layout="constrained",
                                 figsize=(9, 0.45 * sum(rows) + 0.55 * len(rows) + 0.6),
                                 gridspec_kw={"height_ratios": rows})
        for ax, (q, top) in zip(axes[:, 0], with_mistakes, strict=True):
            ax.barh(range(len(top)), [c for _, c in top], color="#aa3377")
            # student text: drawn as it is, never parsed as mathtext ("$\\sqrt[{$" crashes it)
            ax.set_yticks(range(len(top)), [_wrap(m) for m, _ in top], parse_math=False)
            ax.set_ylim(-0.6, len(top) - 0.4)
            ax.set_title(q, loc="left", fontsize=9, fontweight="bold")
            ax.tick_params(labelsize=7)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        axes[-1, 0].set_xlabel("submissions")
        fig.suptitle("Most frequent mistakes (diagnosed, or the test case failed)")
        plots.append({"alt": "most frequent mistakes per question", "png": _png(fig)})
    return plots


FEEDBACK_DIR = "feedback"


def feedback_name(file: str) -> str:
    """The feedback page of a submission: its name with anything but [A-Za-z0-9._-]
    replaced, plus a short hash of the name when something was (two names never share a
    page)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", file).lstrip(".") or "submission"
    if safe != file:
        safe += "-" + hashlib.sha256(file.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{FEEDBACK_DIR}/{safe}.html"


def _people(record: dict[str, Any]) -> list[dict[str, str]]:
    return [{k: clean_text(str(p.get(k, ""))) for k in ("name", "email", "sid")}
            for p in record.get("submitters") or []]


def submission_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per submission for the report and its feedback page: who, the total, the
    maximum, the status, the reason, and the variant its hand-computed questions were graded
    against (:func:`~autograder.instructor.scores.graded_variant`)."""
    rows = []
    for r in sorted(records, key=lambda r: r["file"]):
        results = r.get("results") or {}
        scores = question_scores(results)
        maximum = sum(t.get("max_score", 0) for t in results.get("tests", []) if "score" in t)
        rows.append({"file": clean_text(r["file"]), "href": feedback_name(r["file"]),
                     "submission_id": clean_text(str(r.get("submission_id", ""))),
                     "people": _people(r), "status": r.get("status", ""),
                     "total": points(sum(scores.values())), "max": points(maximum),
                     "reason": clean_text(r.get("reason", "")),
                     "variant": [clean_text(v) for v in graded_variant(results)]})
    return rows


def write_feedback_pages(records: list[dict[str, Any]], out_dir: Path, title: str
                         ) -> list[dict[str, Any]]:
    """Write ``feedback/<submission>.html`` for every record (each question's points and
    the feedback the student sees; pages of submissions no longer there are removed);
    return the report's rows (:func:`submission_rows`)."""
    folder = out_dir / FEEDBACK_DIR
    folder.mkdir(exist_ok=True)
    for stale in folder.glob("*.html"):
        stale.unlink()
    template = TEMPLATES.get_template("feedback.html.j2")
    rows = submission_rows(records)
    # by page, not by shown name: names differing only in bytes that are not UTF-8 show alike
    by_page = {feedback_name(r["file"]): r for r in records}
    for row in rows:
        results = by_page[row["href"]].get("results") or {}
        tests = [{"name": clean_text(t.get("name", "")),
                  "score": points(t["score"]) if "score" in t else "",
                  "max": points(t.get("max_score", 0)) if "score" in t else "",
                  "output": clean_text(t.get("output", ""))}
                 for t in results.get("tests", [])]
        html = template.render(title=title, row=row, tests=tests,
                               output=clean_text(results.get("output") or ""))
        (out_dir / row["href"]).write_text(html, encoding="utf-8", errors="replace")
    return rows


def write_report(records: list[dict[str, Any]], path: Path, title: str,
                 written: list[dict[str, Any]] | None = None,
                 submissions: list[dict[str, Any]] | None = None) -> Path:
    """Write the HTML report for ``records`` to ``path``; ``written`` lists the pages of
    written answers to link to (:func:`autograder.instructor.written_pages.write_pages`),
    ``submissions`` the feedback pages (:func:`write_feedback_pages`; without it the table
    of submissions has no links)."""
    stats = question_stats(records)
    totals = [sum(t["score"] for t in r["results"].get("tests", []) if "score" in t)
              for r in records if r.get("results") and r.get("status") == "graded"]
    plots = plot_pages(stats, totals)
    questions = [{"name": q, "label": LABEL[s["credit"]], "max": f"{s['max']:g}",
                  "mean": f"{s['mean']:.2f}", "fail_rate": f"{100 * s['fail_rate']:.0f}%",
                  # a diagnosed mistake says more than a failed test case: it comes first
                  "mistake": next(iter(s["diagnosed"].most_common(1) or
                                       s["mistakes"].most_common(1)), ("",))[0]}
                 for q, s in stats.items()]
    errors = [{"file": clean_text(r["file"]), "reason": clean_text(r.get("reason", ""))}
              for r in records if r.get("status") != "graded"]
    if submissions is None:
        submissions = [{**row, "href": None} for row in submission_rows(records)]
    page = TEMPLATES.get_template("report.html.j2").render(
        title=title, submissions=len(records), errors=errors, plots=plots, questions=questions,
        written=written or [], rows=submissions)
    path.write_text(page, encoding="utf-8", errors="replace")  # lone surrogates included
    return path
