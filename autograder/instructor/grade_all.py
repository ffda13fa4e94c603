"""Grade a folder of submissions locally, as Gradescope would, in parallel.

Usage::

    backprop grade NAME FOLDER [-o OUT] [--jobs N] [--regrade]

FOLDER is either a folder of submissions (each a notebook, or the zip a notebook's last
cell exports) or Gradescope's "Download all submissions" export, recognised by its
``submission_metadata.yml``: each ``submission_<id>/`` folder is one submission, and its
submitters (from the metadata) get their name, email and student id in ``grades.csv``,
one row each for a group. Every submission is
graded by the assignment's zip through its Gradescope entry point (``run_otter.py``) in a
copy of Gradescope's ``/autograder`` layout: the same code path, limits and integrity
guarantees as on Gradescope, no Docker needed. OUT (default ``dist/<assignment>/graded``)
receives:

- ``results/<submission>.json``: each submission's results.json;
- ``grades.csv``: one row per submitter (name, email, sid, submission_id, file, status,
  total, max, extra, points per question, the variant the hand-computed questions were
  graded against and where it came from, reason), numbers written one way (0, 1, 0.5);
- ``report.html``: a score histogram, per-question mean and fail rate, and the most
  frequent diagnosed mistakes per question (each multiple-choice item apart), as plots,
  and one row per submission linking to its feedback page;
- ``feedback/<submission>.html``: each submission's results, as the student sees them;
- ``written-<question>.html``: one page per written question, every submission's answer
  side by side, linked from report.html.

A run that is interrupted loses nothing: each result is written whole (atomically) as
soon as it is ready, and a restarted run skips what is already graded unless
``--regrade``. A submission that is not a notebook, crashes the grader or times out gets a
row with its reason, and the run goes on: every entry of the folder gets a results file.
"""

import argparse
import concurrent.futures
import contextlib
import csv
import hashlib
import importlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from autograder.instructor import preload
from autograder.instructor.paths import DIST, assignment_names, built_paths
from autograder.instructor.scores import VARIANT_FROM, graded_variant, points, question_scores

SUFFIXES = (".ipynb", ".zip")
GRADER_TIMEOUT = 1200  # seconds for one submission, on top of the zip's own limits
MAX_UNZIPPED = 256 * 2**20  # bytes an uploaded zip may unpack to (Gradescope takes 100 MB)


def gradescope_run(zip_path: str | Path, submission: str | Path, work: str | Path,
                   timeout: float = GRADER_TIMEOUT, env: dict[str, str] | None = None,
                   worker: Any = None, base: dict[str, str] | None = None,
                   submitters: list[dict[str, Any]] | None = None
                   ) -> tuple[dict[str, Any], str]:
    """Grade as Gradescope does: the zip's run_otter.py in a copy of /autograder's layout.

    Returns (results.json as a dict, output). The submission is unpacked into submission/
    if it is a zip, as Gradescope does with an uploaded zip. ``env`` adds variables to the
    grader's environment (limits, or the tests' attack marker) to ``base`` (default: this
    process's environment). ``submitters`` ({"name", "email", "sid"} each, from an
    export's metadata) go to ``submission_metadata.json`` as Gradescope writes it: the
    variant questions are graded against their numbers. With a ``worker``
    (:class:`autograder.instructor.preload.Worker`) run_otter.py runs in a fork of it, its
    imports already done, instead of a new Python.
    """
    ag = Path(work) / "autograder"
    for sub in ("source", "submission", "results"):
        (ag / sub).mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(ag / "source")
    (ag / "submission_metadata.json").write_text(json.dumps(gradescope_metadata(submitters)))
    if Path(submission).is_dir() and not Path(submission).is_symlink():
        # a Gradescope export's submission_<id>/ folder: its files, links kept as links
        shutil.copytree(submission, ag / "submission", symlinks=True, dirs_exist_ok=True)
    elif Path(submission).suffix == ".zip" and zipfile.is_zipfile(submission):
        with zipfile.ZipFile(submission) as zf:
            size = sum(info.file_size for info in zf.infolist())  # what extracting writes
            if size > MAX_UNZIPPED:  # a zip bomb would fill the disk, as root
                raise ValueError(f"the zip holds {size} bytes unpacked, over "
                                 f"{MAX_UNZIPPED}")
            zf.extractall(ag / "submission")
    else:
        shutil.copy(submission, ag / "submission", follow_symlinks=False)
    env = {**(os.environ if base is None else base), **(env or {}),
           "BACKPROP_AUTOGRADER_DIR": str(ag)}
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


def gradescope_metadata(submitters: list[dict[str, Any]] | None) -> dict[str, Any]:
    """``submission_metadata.json`` as Gradescope writes it, with the parts grading reads:
    ``users``, one per submitter (none for a plain folder's submission)."""
    return {"users": [{"email": p.get("email"), "name": p.get("name"), "id": p.get("sid")}
                      for p in submitters or []]}


def digest(path: str | Path) -> str:
    """SHA-256 of a file, or of a folder's files (names and bytes, links not followed);
    a path that cannot be read gets a digest naming the error, never an exception."""
    path = Path(path)
    h = hashlib.sha256()
    try:
        if path.is_dir() and not path.is_symlink():
            for f in sorted(path.rglob("*")):
                h.update(str(f.relative_to(path)).encode("utf-8", "surrogateescape") + b"\0")
                if f.is_symlink():
                    h.update(b"link:" + os.readlink(f).encode("utf-8", "surrogateescape"))
                elif f.is_file():
                    h.update(f.read_bytes())
        elif path.is_symlink():
            h.update(b"link:" + os.readlink(path).encode("utf-8", "surrogateescape"))
        elif path.is_file():
            h.update(path.read_bytes())
        else:  # a FIFO or a device: never read (it could block)
            h.update(b"special")
    except OSError as e:
        return f"unreadable: {type(e).__name__}"
    return h.hexdigest()


def not_gradable(submission: Path) -> str | None:
    """Why ``submission`` (an entry of a plain folder) cannot be graded, or None."""
    if submission.is_symlink():
        return "a symbolic link (links are not followed)"
    if submission.is_dir():
        return "a folder, not a notebook or a zip"
    if not submission.is_file():
        return "not a regular file"
    if submission.suffix not in SUFFIXES:
        return f"not a notebook or a zip ({submission.suffix or 'no suffix'})"
    try:
        with open(submission, "rb") as f:
            f.read(1)
    except OSError as e:
        return f"the file cannot be read ({type(e).__name__}: {e.strerror})"
    return None


def special_entry(folder: Path) -> str | None:
    """Why an export's submission folder cannot be copied for grading (it holds a FIFO, a
    socket or a device, which could block or never end), or None. Links are not followed."""
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            mode = os.lstat(os.path.join(root, name)).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
                shown = os.path.relpath(os.path.join(root, name), folder)
                return f"it holds {shown!r}, which is not a file, a folder or a link"
    return None


REASON_LENGTH = 300  # characters of a reason in grades.csv (results/*.json keep it whole)


def shortened(text: str, limit: int = REASON_LENGTH) -> str:
    """``text``, or its first words up to ``limit`` characters and "…" (never a cut word)."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "…"


def grade_one(zip_path: Path, submission: Path, out_dir: Path,
              info: dict[str, Any] | None = None, worker: Any = None) -> dict[str, Any]:
    """Grade one submission (a file, or an export's submission folder; in a fork of
    ``worker`` if given); write
    results/<name>.json atomically; return its record. ``info`` (submitters, submission
    id) is stored in the record."""
    record_path = out_dir / "results" / f"{submission.name}.json"
    start = time.monotonic()
    # inside the output folder: a run killed midway leaves nothing in the shared /tmp
    work = Path(tempfile.mkdtemp(prefix=".grading-", dir=out_dir))
    # graded by this zip: a rebuilt zip (a fixed hidden test) regrades everything
    record = {"file": submission.name, "sha256": digest(submission),
              "autograder_sha256": digest(zip_path), **(info or {})}
    try:
        if (info or {}).get("submission_id"):  # an export's folder goes to the grader
            problem = ("a symbolic link (links are not followed)" if submission.is_symlink()
                       else special_entry(submission) if submission.is_dir()
                       else "not a submission folder")
        else:
            problem = not_gradable(submission)
        if problem:
            raise ValueError(problem)
        results, _ = gradescope_run(zip_path, submission, work, worker=worker,
                                    submitters=(info or {}).get("submitters"))
        # an upload the grader could not read (a corrupt notebook) has results, all at 0,
        # and says so as data: its row is an error, with the grader's reason
        not_graded = (results.get("extra_data") or {}).get("not_graded")
        record.update(status="error" if not_graded else "graded", results=results,
                      reason=shortened((not_graded or results.get("output") or "").strip()
                                       .split("\n")[0]))
    except subprocess.TimeoutExpired:
        record.update(status="error", results=None,
                      reason=f"the grader did not finish within {GRADER_TIMEOUT} s")
    except ValueError as e:  # not a submission: the reason alone
        record.update(status="error", results=None, reason=shortened(str(e)))
    except Exception as e:  # any other failure: a row with the reason, and the run goes on
        record.update(status="error", results=None, reason=shortened(f"{type(e).__name__}: {e}"))
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


ID_COLUMNS = ["name", "email", "sid", "submission_id"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as a formula


def text_cell(value: Any) -> str:
    """Text for grades.csv that a spreadsheet shows and never runs: one a student chose (a
    Gradescope name like ``=HYPERLINK(...)``) that would start a formula gets a leading
    ``'``, as a spreadsheet writes such text itself."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_csv(records: list[dict[str, Any]], path: Path, questions: list[str]) -> None:
    """One row per submitter (one row per submission outside an export): who, the total
    (extra credit included), the required maximum, the points earned on optional and
    extra-credit questions, then points per question. Name, email and student id come
    first, for a gradebook import (Gradescope's, an LMS's)."""
    with open(path, "w", newline="", encoding="utf-8", errors="replace") as f:
        writer = csv.writer(f)
        writer.writerow([*ID_COLUMNS, "file", "status", "total", "max", "extra", *questions,
                         "variant", "variant_from", "notebook_email", "reason"])
        for r in sorted(records, key=lambda r: r["file"]):
            results = r["results"] or {}
            scores = question_scores(results)
            maximum = sum(t.get("max_score", 0) for t in results.get("tests", [])
                          if "score" in t)
            extra = sum(scores.get(q, 0) for q in credit_points(results))
            row = [text_cell(r["file"]), r["status"], points(sum(scores.values())),
                   points(maximum), points(extra),
                   *[points(scores.get(q, 0)) for q in questions],
                   *map(text_cell, graded_variant(results)),
                   text_cell(r.get("reason"))]
            for person in r.get("submitters") or [{}]:
                writer.writerow([text_cell(person.get("name")), text_cell(person.get("email")),
                                 text_cell(person.get("sid")),
                                 text_cell(r.get("submission_id")), *row])


def variant_warnings(records: list[dict[str, Any]]) -> list[str]:
    """What a grader should look at in grades.csv's variant columns: submissions whose
    numbers their own notebook chose (no Gradescope metadata named a submitter), when those
    are the handout's (``student_email = "handout"``: the handout works out its answers) or
    those of another such submission too (one student's answers, copied)."""
    chosen: dict[str, list[str]] = {}
    for r in sorted(records, key=lambda r: r["file"]):
        variant, source, _ = graded_variant(r.get("results") or {})
        if variant and source == VARIANT_FROM["notebook"]:
            chosen.setdefault(variant, []).append(str(r["file"]))
    warnings = [f"{file}: graded on the handout's numbers (its student_email is "
                '"handout"), whose answers the handout works out'
                for file in chosen.pop("handout", [])]  # variants.HANDOUT
    return warnings + [f"{', '.join(files)}: graded on the same numbers, those of {who} "
                       "(the email each notebook gives)"
                       for who, files in sorted(chosen.items()) if len(files) > 1]


def progress(done: int, total: int, failed: int, stream: TextIO = sys.stderr) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} graded, "
                 f"{failed} failed")
    stream.flush()


def submission_entries(folder: Path) -> dict[Path, dict[str, Any]]:
    """{entry: what the record stores about it} of a submissions folder. A Gradescope
    export (:mod:`autograder.instructor.gradescope_export`) gives its submission folders with
    their submitters and id; a plain folder gives every entry but hidden ones (a stray
    file, a folder or a link gets an error row, never silence)."""
    from autograder.instructor import gradescope_export
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder")
    if gradescope_export.is_export(folder):
        return {s.folder: {"submission_id": s.submission_id,
                           "submitters": [vars(p) for p in s.submitters]}
                for s in gradescope_export.read_export(folder)}
    return {p: {} for p in sorted(folder.iterdir()) if not p.name.startswith(".")}


class Workers:
    """One preloaded grading worker per job (:mod:`autograder.instructor.preload`), lent to
    one submission at a time. The workers start side by side, and a job begins as soon as
    one of them is ready, not when all are (each takes over a second of imports). A worker
    that cannot start, or dies, is replaced by a plain new Python for the submissions it
    would have graded."""

    def __init__(self, count: int, env: dict[str, str] | None = None):
        import queue
        self.idle: Any = queue.Queue()
        self.all: list[preload.Worker | None] = []
        self.starting = [threading.Thread(target=self._start, args=(env,), daemon=True)
                         for _ in range(count)]
        for thread in self.starting:
            thread.start()

    def _start(self, env: dict[str, str] | None) -> None:
        try:
            worker = preload.Worker(env)
        except Exception:  # noqa: BLE001 - whatever stops it, a job waits for a worker:
            worker = None  # it grades in a new Python instead
        self.all.append(worker)
        self.idle.put(worker)

    @contextlib.contextmanager
    def lend(self) -> Iterator[preload.Worker | None]:
        """A worker for one grading (None: grade in a new Python), returned afterwards."""
        if not self.starting:  # no worker will ever come
            yield None
            return
        worker = self.idle.get()
        try:
            if worker is not None and worker.proc.poll() is not None:
                worker = None  # gone: this job's later submissions start a new Python
            yield worker
        finally:
            self.idle.put(worker)

    def grade(self, zip_path: Path, submission: Path, out_dir: Path,
              info: dict[str, Any] | None = None) -> dict[str, Any]:
        with self.lend() as worker:
            return grade_one(zip_path, submission, out_dir, info, worker=worker)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for thread in self.starting:
            thread.join()
        for worker in self.all:
            if worker is not None:
                worker.close()


def grade_folder(assignment: str, submissions: str | Path, out_dir: str | Path | None = None,
                 jobs: int | None = None, regrade: bool = False, zip_path: Path | None = None,
                 quiet: bool = False) -> list[dict[str, Any]]:
    """Grade every submission in a folder; return the records of all graded submissions."""
    if zip_path is None and assignment not in assignment_names():
        raise FileNotFoundError(f"no assignment {assignment!r}: the assignments are "
                                + ", ".join(assignment_names()))
    zip_path = zip_path or built_paths(assignment)["zip"]
    if zip_path is None:
        raise FileNotFoundError(f"no autograder zip for {assignment}: run `make` first")
    # absolute: the grader runs in a folder inside it (a relative -o once doubled)
    out_dir = Path(out_dir or DIST / assignment / "graded").resolve()
    (out_dir / "results").mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob(".grading-*"):  # left by a run that was killed
        shutil.rmtree(stale, ignore_errors=True)
    entries = submission_entries(Path(submissions))
    files = list(entries)
    done = {r["file"]: r for r in load_records(out_dir)}
    grader = digest(zip_path)
    todo = [p for p in files if regrade or p.name not in done
            or done[p.name].get("sha256") != digest(p)
            or done[p.name].get("autograder_sha256") != grader
            or {k: done[p.name].get(k) for k in entries[p]} != entries[p]]
    failed = sum(1 for p in files if p not in todo and done[p.name]["status"] != "graded")
    count = len(files) - len(todo)
    if not quiet:
        progress(count, len(files), failed)
    jobs = min(jobs or os.cpu_count() or 1, max(len(todo), 1))
    # the report's imports (matplotlib: about 1.5 s) load while the submissions are graded
    threading.Thread(target=importlib.import_module, args=("autograder.instructor.report",),
                     daemon=True).start()
    interrupted = None
    try:
        with Workers(jobs if todo else 0) as workers, \
                concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            try:
                for record in pool.map(lambda p: workers.grade(zip_path, p, out_dir,
                                                               entries[p]), todo):
                    count += 1
                    failed += record["status"] != "graded"
                    if not quiet:
                        progress(count, len(files), failed)
            except KeyboardInterrupt:
                interrupted = time.time()
                raise
    except KeyboardInterrupt:
        # the gradings running at Ctrl-C were cut short (it reaches their graders too):
        # none of their records is kept, so that a restart grades them again
        for path in (out_dir / "results").glob("*.json"):
            with contextlib.suppress(OSError):
                if interrupted is not None and path.stat().st_mtime >= interrupted - 1:
                    path.unlink()
        raise
    if not quiet:
        sys.stderr.write("\n")
    names = {p.name for p in files}
    records = [r for r in load_records(out_dir) if r["file"] in names]
    questions = sorted({q for r in records for q in question_scores(r["results"] or {})})
    write_csv(records, out_dir / "grades.csv", questions)
    from autograder.instructor import report, written_pages
    written = written_pages.write_pages(records, out_dir, assignment)
    feedback = report.write_feedback_pages(records, out_dir, assignment)
    report.write_report(records, out_dir / "report.html", assignment, written, feedback)
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
    people = sum(len(r.get("submitters") or [{}]) for r in records)
    who = f" ({people} students, one row each)" if people != len(records) else ""
    print(f"{len(records)} submissions{who}, {len(bad)} could not be graded: "
          f"{out / 'grades.csv'}, {out / 'report.html'}")
    warnings = variant_warnings(records)
    if warnings:  # the notebooks chose their own numbers: worth a look before importing
        print("Variant questions graded on numbers the notebook chose (no Gradescope "
              "metadata), to look at:\n  " + "\n  ".join(warnings))
    return 0

