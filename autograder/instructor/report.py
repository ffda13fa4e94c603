"""The class report: an HTML page of plots an instructor would rather look at than read.

:func:`write_report` takes the records of :mod:`autograder.instructor.grade_all` and writes one
self-contained HTML file (plots embedded as PNG) with a score histogram, per-question mean
score and fail rate, the most frequent diagnosed mistakes per question, and a table with
one row per question.
"""

import base64
import collections
import html
import io
import re

import matplotlib
import matplotlib.ticker

from autograder.runtime.sandbox import clean_text  # a lone surrogate breaks fonts and files

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

FAIL_MARK = "❌ Test case failed"
LABEL = {"required": "", "optional": " (optional)", "extra": " (extra credit)"}


def question_stats(records):
    """Per question: max points, mean points, fail rate, and a Counter of diagnosed mistakes."""
    stats = {}
    graded = [r for r in records if r.get("results")]
    for r in graded:
        credit = (r["results"].get("extra_data") or {}).get("credit") or {}
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
            for mistake in set(diagnoses(clean_text(t.get("output", "")))):
                s["mistakes"][mistake] += 1
    for s in stats.values():
        n = len(s["scores"])
        s["mean"] = sum(s["scores"]) / n if n else 0.0
        s["fail_rate"] = sum(1 for x in s["scores"] if x < s["max"]) / n if n else 0.0
    return dict(sorted(stats.items()))


def diagnoses(output):
    """The grading core's messages in a question's feedback, with specifics folded away."""
    found = []
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == FAIL_MARK and i + 1 < len(lines):
            message = lines[i + 1].strip()
            if "still `...`" in message or "is None" in message or "not NoneType" in message:
                message = "not answered (still `...`, or returns None)"
            elif "is not correct: " in message:
                message = message.split("is not correct: ", 1)[1]
            else:
                message = re.sub(r"\([\d, ]*\)", "(…)", message)
                message = re.sub(r"\b\d+(\.\d+)?\b", "#", message)
            found.append(message[:120])
    return found


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _img(data, alt):
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def write_report(records, path, title):
    """Write the HTML report for ``records`` to ``path``."""
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
    plots.append(_img(_png(fig), "score histogram"))

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
        plots.append(_img(_png(fig), "per-question mean and fail rate"))

    with_mistakes = [(q, s) for q, s in stats.items() if s["mistakes"]]
    if with_mistakes:
        fig, axes = plt.subplots(len(with_mistakes), 1,
                                 figsize=(9, 1.6 * len(with_mistakes) + 0.8), squeeze=False)
        fig.subplots_adjust(hspace=1.0)
        for ax, (q, s) in zip(axes[:, 0], with_mistakes):
            top = s["mistakes"].most_common(3)[::-1]
            ax.barh(range(len(top)), [c for _, c in top], color="#aa3377")
            # student text: drawn as it is, never parsed as mathtext ("$\\sqrt[{$" crashes it)
            ax.set_yticks(range(len(top)), [m[:70] for m, _ in top], parse_math=False)
            ax.set_title(q, loc="left", fontsize=9, fontweight="bold")
            ax.tick_params(labelsize=7)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        axes[-1, 0].set_xlabel("submissions")
        fig.suptitle("Most frequent diagnosed mistakes")
        plots.append(_img(_png(fig), "most frequent mistakes per question"))

    rows = "\n".join(
        f"<tr><td>{html.escape(q)}{LABEL[s['credit']]}</td><td>{s['max']:g}</td><td>{s['mean']:.2f}</td>"
        f"<td>{100 * s['fail_rate']:.0f}%</td><td>{html.escape(s['mistakes'].most_common(1)[0][0]) if s['mistakes'] else ''}</td></tr>"
        for q, s in stats.items())
    errors = [r for r in records if r.get("status") != "graded"]
    error_rows = "\n".join(f"<li>{html.escape(clean_text(r['file']))}: "
                           f"{html.escape(clean_text(r.get('reason', '')))}</li>"
                           for r in errors)
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}: grading report</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px}}</style></head><body>
<h1>{html.escape(title)}: grading report</h1>
<p>{len(records)} submissions, {len(errors)} could not be graded.</p>
{''.join(plots)}
<h2>Questions</h2>
<table class="questions"><tr><th>question</th><th>points</th><th>mean</th><th>fail rate</th>
<th>most frequent mistake</th></tr>
{rows}
</table>
{'<h2>Not graded</h2><ul>' + error_rows + '</ul>' if errors else ''}
</body></html>
"""
    path.write_text(page, encoding="utf-8", errors="replace")  # lone surrogates included
    return path
