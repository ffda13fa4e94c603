"""Grade a folder of submissions locally, as Gradescope would, in parallel.

Usage::

    backprop grade NAME FOLDER [-o OUT] [--jobs N] [--regrade]

Every file in SUBMISSIONS (a notebook, or the zip a notebook's last cell exports) is
graded by the assignment's zip through its Gradescope entry point (``run_otter.py``) in a
copy of Gradescope's ``/autograder`` layout: the same code path, limits and integrity
guarantees as on Gradescope, no Docker needed. OUT (default ``dist/<assignment>/graded``)
receives:

- ``results/<submission>.json``: each submission's results.json;
- ``grades.csv``: one row per submission (file, status, total, points per question, reason);
- ``report.html``: a score histogram, per-question mean and fail rate, and the most
  frequent diagnosed mistakes per question, as plots;
- ``written-<question>.html``: one page per written question, every submission's answer
  side by side, linked from report.html.

A run that is interrupted loses nothing: each result is written whole (atomically) as
soon as it is ready, and a restarted run skips what is already graded unless
``--regrade``. A submission that is not a notebook, crashes the grader or times out gets a
row with its reason, and the run goes on.
"""

import argparse
import concurrent.futures
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any, TextIO

from autograder.instructor import preload
from autograder.instructor.paths import DIST, built_paths

SUFFIXES = (".ipynb", ".zip")
GRADER_TIMEOUT = 1200  # seconds for one submission, on top of the zip's own limits


def gradescope_run(zip_path: str | Path, submission: str | Path, work: str | Path,
                   timeout: float = GRADER_TIMEOUT, env: dict[str, str] | None = None,
                   worker: Any = None) -> tuple[dict[str, Any], str]:
    """Grade as Gradescope does: the zip's run_otter.py in a copy of /autograder's layout.

    Returns (results.json as a dict, output). The submission is unpacked into submission/
    if it is a zip, as Gradescope does with an uploaded zip. ``env`` adds variables to the
    grader's environment (limits, or the tests' attack marker). With a ``worker``
    (:class:`autograder.instructor.preload.Worker`) run_otter.py runs in a fork of it, its
    imports already done, instead of a new Python.
    """
    ag = Path(work) / "autograder"
    for sub in ("source", "submission", "results"):
        (ag / sub).mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(ag / "source")
    (ag / "submission_metadata.json").write_text("{}")
    if Path(submission).suffix == ".zip" and zipfile.is_zipfile(submission):
        with zipfile.ZipFile(submission) as zf:
            zf.extractall(ag / "submission")
    else:
        shutil.copy(submission, ag / "submission", follow_symlinks=False)
    env = {**os.environ, **(env or {}), "BACKPROP_AUTOGRADER_DIR": str(ag)}
    script = ag / "source" / "run_otter.py"
    try:
        if worker is None:
            raise preload.WorkerGone("no worker")
        _, output = worker.run(script, env, work, timeout)
    except preload.WorkerGone:  # a new Python, as Gradescope runs it
        proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                              text=True, timeout=timeout, cwd=work)
        output = proc.stdout + proc.stderr
    results = ag / "results" / "results.json"
    if not results.exists():
        raise RuntimeError(f"run_otter.py wrote no results.json:\n{output[-6000:]}")
    with open(results) as f:
        return json.load(f), output


def question_scores(results: dict[str, Any]) -> dict[str, float]:
    """Points per question from a results.json dict (the 'Public Tests' summary is skipped)."""
    return {t["name"]: t["score"] for t in results.get("tests", []) if "score" in t}


def digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def grade_one(zip_path: Path, submission: Path, out_dir: Path, worker: Any = None
              ) -> dict[str, Any]:
    """Grade one submission (in a fork of ``worker`` if given); write
    results/<name>.json atomically; return its record."""
    record_path = out_dir / "results" / f"{submission.name}.json"
    start = time.monotonic()
    # inside the output folder: a run killed midway leaves nothing in the shared /tmp
    work = Path(tempfile.mkdtemp(prefix=".grading-", dir=out_dir))
    # graded by this zip: a rebuilt zip (a fixed hidden test) regrades everything
    record = {"file": submission.name, "sha256": digest(submission),
              "autograder_sha256": digest(zip_path)}
    try:
        if submission.suffix not in SUFFIXES:
            raise ValueError(f"not a notebook or a zip ({submission.suffix or 'no suffix'})")
        results, _ = gradescope_run(zip_path, submission, work, worker=worker)
        record.update(status="graded", results=results,
                      reason=(results.get("output") or "").strip().split("\n")[0][:300])
    except subprocess.TimeoutExpired:
        record.update(status="error", results=None,
                      reason=f"the grader did not finish within {GRADER_TIMEOUT} s")
    except Exception as e:  # any other failure: a row with the reason, and the run goes on
        record.update(status="error", results=None, reason=f"{type(e).__name__}: {e}"[:300])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    record["seconds"] = round(time.monotonic() - start, 2)
    tmp = record_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1))
    os.replace(tmp, record_path)
    return record


def load_records(out_dir: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted((out_dir / "results").glob("*.json")):
        try:
            records.append(json.loads(path.read_text()))
        except (OSError, ValueError):
            continue
    return records


def credit_points(results: dict[str, Any] | None) -> dict[str, tuple[str, float]]:
    """{question: (credit, points)} of the optional and extra-credit questions of a result."""
    credit = ((results or {}).get("extra_data") or {}).get("credit") or {}
    return {q: (c["credit"], c["points"]) for q, c in credit.items()}


def write_csv(records: list[dict[str, Any]], path: Path, questions: list[str]) -> None:
    """One row per submission: total (extra credit included), the required maximum, the
    points earned on optional and extra-credit questions, then points per question."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "status", "total", "max", "extra", *questions, "reason"])
        for r in sorted(records, key=lambda r: r["file"]):
            results = r["results"] or {}
            scores = question_scores(results)
            maximum = sum(t.get("max_score", 0) for t in results.get("tests", [])
                          if "score" in t)
            extra = sum(scores.get(q, 0) for q in credit_points(results))
            writer.writerow([r["file"], r["status"], sum(scores.values()), maximum, extra,
                             *[scores.get(q, 0) for q in questions], r.get("reason", "")])


def progress(done: int, total: int, failed: int, stream: TextIO = sys.stderr) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} graded, "
                 f"{failed} failed")
    stream.flush()


class Workers:
    """One preloaded grading worker per job (:mod:`autograder.instructor.preload`), lent to
    one submission at a time. A worker that cannot start, or dies, is replaced by a plain
    new Python for the submissions it would have graded."""

    def __init__(self, count: int):
        import queue
        self.idle: Any = queue.Queue()
        self.all = []
        for _ in range(count):
            try:
                worker = preload.Worker()
            except (OSError, RuntimeError):
                worker = None
            self.all.append(worker)
            self.idle.put(worker)

    def grade(self, zip_path: Path, submission: Path, out_dir: Path) -> dict[str, Any]:
        worker = self.idle.get()
        try:
            if worker is not None and worker.proc.poll() is not None:
                worker = None  # gone: this job's later submissions start a new Python
            return grade_one(zip_path, submission, out_dir, worker=worker)
        finally:
            self.idle.put(worker)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for worker in self.all:
            if worker is not None:
                worker.close()


def grade_folder(assignment: str, submissions: str | Path, out_dir: str | Path | None = None,
                 jobs: int | None = None, regrade: bool = False, zip_path: Path | None = None,
                 quiet: bool = False) -> list[dict[str, Any]]:
    """Grade every submission in a folder; return the records of all graded submissions."""
    zip_path = zip_path or built_paths(assignment)["zip"]
    if zip_path is None:
        raise FileNotFoundError(f"no autograder zip for {assignment}: run `make` first")
    out_dir = Path(out_dir or DIST / assignment / "graded")
    (out_dir / "results").mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob(".grading-*"):  # left by a run that was killed
        shutil.rmtree(stale, ignore_errors=True)
    files = sorted(p for p in Path(submissions).iterdir() if p.is_file()
                   and not p.name.startswith("."))
    done = {r["file"]: r for r in load_records(out_dir)}
    grader = digest(zip_path)
    todo = [p for p in files if regrade or p.name not in done
            or done[p.name].get("sha256") != digest(p)
            or done[p.name].get("autograder_sha256") != grader]
    failed = sum(1 for p in files if p not in todo and done[p.name]["status"] != "graded")
    count = len(files) - len(todo)
    if not quiet:
        progress(count, len(files), failed)
    jobs = min(jobs or os.cpu_count() or 1, max(len(todo), 1))
    with Workers(jobs if todo else 0) as workers, \
            concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for record in pool.map(lambda p: workers.grade(zip_path, p, out_dir), todo):
            count += 1
            failed += record["status"] != "graded"
            if not quiet:
                progress(count, len(files), failed)
    if not quiet:
        sys.stderr.write("\n")
    names = {p.name for p in files}
    records = [r for r in load_records(out_dir) if r["file"] in names]
    questions = sorted({q for r in records for q in question_scores(r["results"] or {})})
    write_csv(records, out_dir / "grades.csv", questions)
    from autograder.instructor import report, written_pages
    written = written_pages.write_pages(records, out_dir, assignment)
    report.write_report(records, out_dir / "report.html", assignment, written)
    return records


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``backprop grade``."""
    parser.add_argument("assignment", metavar="NAME",
                        help="the assignment (built by `backprop build`)")
    parser.add_argument("submissions", metavar="FOLDER",
                        help="folder of submissions: notebooks and/or the zips they export")
    parser.add_argument("-o", "--out", metavar="OUT",
                        help="where results, grades.csv and report.html go "
                             "(default: dist/NAME/graded)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), metavar="N",
                        help="submissions graded at once (default: the number of cores)")
    parser.add_argument("--regrade", action="store_true",
                        help="grade everything again, not only new or changed submissions")


def run(args: argparse.Namespace) -> int:
    """Grade the folder ``args`` names; return the exit status."""
    records = grade_folder(args.assignment, args.submissions, args.out, args.jobs, args.regrade)
    out = Path(args.out or DIST / args.assignment / "graded")
    bad = [r for r in records if r["status"] != "graded"]
    print(f"{len(records)} submissions, {len(bad)} could not be graded: {out / 'grades.csv'}, "
          f"{out / 'report.html'}")
    return 0

