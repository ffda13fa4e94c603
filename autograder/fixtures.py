"""Fixture submissions, named by outcome, built from the solution notebook and graded for real.

A catalogue ``tests/fixtures/<assignment>.yaml`` lists submissions by name. Each starts
from the built solution notebook (``base: solution``, the default) or the blank student
notebook (``base: student``) and applies text edits to its cells (``edits``: a ``find``
that must occur exactly once in the notebook's code, and its ``replace``), or replaces the
whole file (``raw``: bytes that are not a notebook). ``expect`` gives the points per
question where they differ from full marks (``scores``), substrings that must appear in a
question's feedback (``messages``), and ``sample: true`` marks the bundled samples that
``make`` grades. Notebooks are read and written with nbformat only.

Every submission is graded with the assignment's zip through ``otter run``, exactly as an
instructor would, and its results.json compared with the expectation.
"""

import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def load_catalogue(name):
    """The fixture catalogue of an assignment: dict from fixture name to its spec."""
    with open(FIXTURES / f"{name}.yaml") as f:
        return yaml.safe_load(f)["fixtures"]


def build_submission(spec, paths, dest):
    """Write the submission a fixture spec describes to ``dest``; return its path."""
    dest = Path(dest)
    if "raw" in spec:
        dest = dest.with_suffix(spec.get("suffix", ".ipynb"))
        dest.write_text(spec["raw"])
        return dest
    nb = nbformat.read(paths[spec.get("base", "solution")], as_version=4)
    for edit in spec.get("edits", []):
        hits = [c for c in nb.cells if c.cell_type == "code" and edit["find"] in c.source]
        count = sum(c.source.count(edit["find"]) for c in hits)
        if count != 1:
            raise ValueError(f"edit {edit['find']!r} occurs {count} times, not once")
        hits[0].source = hits[0].source.replace(edit["find"], edit["replace"])
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, dest)
    return dest


def otter_run(zip_path, submission, out_dir, timeout=600):
    """Grade one submission with ``otter run``; return (results.json as a dict, stdout)."""
    exe = Path(sys.executable).parent / "otter"
    cmd = [str(exe) if exe.exists() else sys.executable, *([] if exe.exists() else ["-m", "otter"]),
           "run", "-a", str(zip_path), "-o", str(out_dir), "--no-logo", str(submission)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    results = Path(out_dir) / "results.json"
    if not results.exists():
        raise RuntimeError(f"otter run wrote no results.json for {submission}:\n"
                           f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    with open(results) as f:
        return json.load(f), proc.stdout + proc.stderr


def question_scores(results):
    """Points per question from a results.json dict (the 'Public Tests' summary is skipped)."""
    return {t["name"]: t["score"] for t in results["tests"] if "score" in t}


def question_outputs(results):
    """Feedback text per question from a results.json dict."""
    return {t["name"]: t.get("output", "") for t in results["tests"]}


def compare(spec, results, full):
    """Differences between a graded submission and its expectation (empty if as expected)."""
    expect = spec.get("expect", {})
    want = {q: expect.get("scores", {}).get(q, pts) for q, pts in full.items()}
    got = question_scores(results)
    problems = [f"{q}: scored {got.get(q)}, expected {w}" for q, w in want.items()
                if got.get(q) is None or abs(got[q] - w) > 1e-9]
    outputs = question_outputs(results)
    for q, needles in expect.get("messages", {}).items():
        for needle in [needles] if isinstance(needles, str) else needles:
            if needle not in outputs.get(q, ""):
                problems.append(f"{q}: feedback lacks {needle!r}; it says: "
                                f"{outputs.get(q, '')[:600]!r}")
    return problems


def grade_fixtures(name, paths, names=None, jobs=None):
    """Build and grade fixtures of an assignment in parallel; return one row per fixture.

    A row: {"name", "total", "possible", "scores", "problems", "as_expected", "results"}.
    Full marks per question come from grading the solution notebook itself.
    """
    catalogue = load_catalogue(name)
    names = list(catalogue) if names is None else list(names)
    work = Path(tempfile.mkdtemp(prefix=f"fixtures-{name}-"))

    def grade(fixture):
        d = work / fixture
        d.mkdir()
        sub = build_submission(catalogue[fixture], paths, d / f"{name}.ipynb")
        out = d / "out"
        out.mkdir()
        results, log = otter_run(paths["zip"], sub, out)
        return fixture, results, log

    if "solution" not in names:
        names = ["solution", *names]
    jobs = jobs or os.cpu_count() or 1
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        graded = {f: (r, log) for f, r, log in pool.map(grade, names)}
    full = question_scores(graded["solution"][0])
    rows = []
    for fixture in names:
        results, log = graded[fixture]
        scores = question_scores(results)
        problems = compare(catalogue[fixture], results, full)
        rows.append({"name": fixture, "scores": scores, "total": sum(scores.values()),
                     "possible": sum(full.values()), "problems": problems,
                     "as_expected": not problems, "results": results, "log": log})
    return rows


def grade_samples(name, paths):
    """Grade the fixtures marked ``sample: true``: what ``make`` shows an instructor."""
    catalogue = load_catalogue(name)
    return grade_fixtures(name, paths, [f for f, s in catalogue.items() if s.get("sample")])


def score_table(rows):
    """A plain-text table: one row per submission, one column per question, then the total."""
    questions = sorted({q for r in rows for q in r["scores"]})
    width = max(len(r["name"]) for r in rows)
    head = f"{'submission':<{width}}  " + "  ".join(f"{q:>5}" for q in questions) \
        + "  total   expected?"
    lines = [head, "-" * len(head)]
    for r in rows:
        cells = "  ".join(f"{r['scores'].get(q, float('nan')):>5g}" for q in questions)
        lines.append(f"{r['name']:<{width}}  {cells}  {r['total']:>5g}/{r['possible']:g} "
                     f"{'yes' if r['as_expected'] else 'NO: ' + '; '.join(r['problems'])}")
    return "\n".join(lines)
