"""Fixture submissions, named by outcome, built from the solution notebook and graded for real.

A catalogue ``tests/fixtures/<assignment>.yaml`` lists submissions by name. Each starts
from the built solution notebook (``base: solution``, the default) or the blank student
notebook (``base: student``) and applies text edits to its cells (``edits``: a ``find``
that must occur exactly once in the notebook's code, and its ``replace``), or replaces the
whole file (``raw``: bytes that are not a notebook). ``expect`` gives the points per
question where they differ from full marks (``scores``; ``other_scores`` for every
question not listed, e.g. 0 for a blank notebook), substrings that must appear in a
question's feedback (``messages``), and ``sample: true`` marks the bundled samples that
``make`` grades. ``submitters`` (emails) are who Gradescope's submission metadata names:
the variant questions are graded against their numbers
(:mod:`autograder.runtime.variant_grading`). Notebooks are read and written with nbformat only.

The zip lane grades a submission with the assignment's zip as ``backprop grade`` does: the
zip's ``run_otter.py`` in a fork of a preloaded worker (:mod:`autograder.instructor.preload`);
``via: gradescope`` runs it in a new Python, as Gradescope does, and ``via: otter`` through
``otter run``. Its results.json is compared with the expectation.
"""

import concurrent.futures
import contextlib
import copy
import functools
import json
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import nbformat
import yaml

from autograder.instructor import grade_all
from autograder.instructor.coverage import full_marks
from autograder.instructor.grade_all import gradescope_run, question_scores
from autograder.instructor.paths import DIST, FIXTURES, ROOT, otter_command

# how the zip lane runs the grader: as `backprop grade` does, as Gradescope does, `otter run`
VIAS = ("worker", "gradescope", "otter")
DEFAULT_MAX_SECONDS = 180  # a fixture's grading must end within this, unless it says otherwise


def load_catalogue(name: str) -> dict[str, dict[str, Any]]:
    """The fixture catalogue of an assignment: dict from fixture name to its spec.

    Parsed once per version of the file (the fast lane asks for it per fixture, and a
    catalogue is thousands of lines); each caller gets its own copy to change.
    """
    path = FIXTURES / f"{name}.yaml"
    return copy.deepcopy(_parsed_catalogue(path, path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=16)
def _parsed_catalogue(path: Path, mtime_ns: int) -> dict[str, dict[str, Any]]:
    # libyaml's safe loader where pyyaml was built with it: the same data, parsed in C
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path) as f:
        return yaml.load(f, Loader=loader)["fixtures"]


# What only a kernel shows: a fixture with any of these keys must say `lane: kernel`.
KERNEL_KEYS = ("attack", "raw", "link_to", "zip_with", "pickle_marker", "env", "via",
               "recheck_after")
KERNEL_EXPECT_KEYS = ("max_seconds", "output")  # time limits, notes about the run
# Names of fixtures that act on processes, files or the sandbox, or loop: never in process.
KERNEL_NAME_PREFIXES = ("escape-", "attack-", "infinite-loop", "loop-", "function-never-returns",
                        "huge-output")


def lane(spec) -> str:
    """Which lane grades a fixture: "kernel" (the real zip, a sandboxed kernel) if its spec
    says ``lane: kernel``, else "fast" (in process, :mod:`autograder.instructor.inprocess`).

    A fixture that only a kernel can grade (see :data:`KERNEL_KEYS`) and does not say so is
    an error, so that no attack ever runs in the test process.
    """
    declared = spec.get("lane", "fast")
    if declared not in ("fast", "kernel"):
        raise ValueError(f"lane must be fast or kernel, not {declared!r}")
    needs = [k for k in KERNEL_KEYS if k in spec] + \
        [k for k in KERNEL_EXPECT_KEYS if k in spec.get("expect", {})]
    if needs and declared != "kernel":
        raise ValueError(f"a fixture with {', '.join(needs)} needs `lane: kernel`")
    return declared


def zip_lane(name: str) -> list[str]:
    """The fixtures the tests grade through the zip: every `lane: kernel` one."""
    catalogue = load_catalogue(name)
    return [f for f in catalogue if lane(catalogue[f]) == "kernel"]


def in_both_lanes(name: str) -> list[str]:
    """The fixtures graded both through the zip and in process (the samples, a first cell
    that raises, ...): the lanes must agree on each."""
    catalogue = load_catalogue(name)
    return [f for f in zip_lane(name) if runs_in_process(f, catalogue[f])]


def runs_in_process(name, spec) -> bool:
    """Whether the fast lane may grade a fixture in the test process: every fast-lane one,
    and the `lane: kernel` ones that are there only to be graded through the zip too (the
    samples, a first cell that raises), never one with a kernel-only key or name."""
    if lane(spec) == "fast":
        return True
    return not name.startswith(KERNEL_NAME_PREFIXES) and \
        not any(k in spec for k in KERNEL_KEYS) and \
        not any(k in spec.get("expect", {}) for k in KERNEL_EXPECT_KEYS)


def _malicious_pickle(marker):
    """A pickle that, if anyone loads it, creates the file ``marker`` (and nothing else)."""
    import pickle

    class Payload:
        def __reduce__(self):
            return (open, (marker, "w"))

    return pickle.dumps(Payload())


def build_submission(spec: dict[str, Any], paths: dict[str, Any], dest: str | Path) -> Path:
    """Write the submission a fixture spec describes to ``dest``; return its path.

    ``zip_with`` ({path in the zip: text}) makes a zip holding the notebook and those files;
    ``pickle_marker`` (a path) adds a ``.OTTER_LOG`` that would create that file if
    unpickled; :func:`grade_fixtures` replaces ``pickle_marker: true`` with a fresh path.
    """
    dest = Path(dest)
    if "link_to" in spec:  # the upload is a link (as an unpacked zip entry may be)
        dest.symlink_to(spec["link_to"])
        return dest
    if "raw" in spec:
        dest = dest.with_suffix(spec.get("suffix", ".ipynb"))
        dest.write_text(spec["raw"])
        return dest
    if "zip_with" in spec or "pickle_marker" in spec:
        import zipfile
        nb_path = build_submission({k: v for k, v in spec.items()
                                    if k not in ("zip_with", "pickle_marker")}, paths, dest)
        zip_path = dest.with_suffix(".zip")
        with zipfile.ZipFile(zip_path, "w") as zf:
            zf.write(nb_path, nb_path.name)
            for name, text in (spec.get("zip_with") or {}).items():
                zf.writestr(name, text)
            if "pickle_marker" in spec:
                zf.writestr(".OTTER_LOG", _malicious_pickle(spec["pickle_marker"]))
        nb_path.unlink()
        return zip_path
    base = Path(paths[spec.get("base", "solution")])
    nb = copy.deepcopy(_base_notebook(base, base.stat().st_mtime_ns))
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


@functools.lru_cache(maxsize=16)
def _base_notebook(path: Path, mtime_ns: int) -> nbformat.NotebookNode:
    """A built notebook fixtures start from, read once per version of the file (a fixture
    gets its own copy to edit)."""
    return nbformat.read(path, as_version=4)


def submitters(spec: dict[str, Any]) -> list[str] | None:
    """The emails Gradescope's submission metadata names for a fixture (``submitters``; none:
    a plain folder's submission, whose notebook's ``student_email`` chooses the variant)."""
    return spec.get("submitters")


def _via(spec: dict[str, Any]) -> str:
    """How the zip lane runs a fixture's grader (one of :data:`VIAS`; "worker" unless the
    spec says otherwise)."""
    via = spec.get("via", "worker")
    if via not in VIAS:
        raise ValueError(f"via must be one of {', '.join(VIAS)}, not {via!r}")
    return via


def otter_run(zip_path: Path, submission: Path, out_dir: Path, timeout: float = 600,
              env: dict[str, str] | None = None) -> tuple[dict[str, Any], str]:
    """Grade one submission with ``otter run``; return (results.json as a dict, stdout).
    ``env``: otter's environment (default: this process's)."""
    cmd = [*otter_command(), "run", "-a", str(zip_path), "-o", str(out_dir), "--no-logo",
           str(submission)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    results = Path(out_dir) / "results.json"
    if not results.exists():
        raise RuntimeError(f"otter run wrote no results.json for {submission}:\n"
                           f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    with open(results) as f:
        return json.load(f), proc.stdout + proc.stderr


def leak_needles(zip_path: Path) -> list[str]:
    """Text that must never reach a student: hidden test source lines and reference values.

    From the zip itself: each line of a hidden test case longer than 24 characters, and
    the solution notebook's reference module values at 4 significant figures (those with
    at least 3 significant digits, so that 0.25 or 1.0 do not count).
    """
    import zipfile
    needles = set()
    with zipfile.ZipFile(zip_path) as zf:
        for name in zf.namelist():
            if name.startswith("tests/") and name.endswith(".py"):
                text = zf.read(name).decode()
                for block in text.split("@test_case(")[1:]:
                    if block.startswith("points=") and "hidden=True" in block.split("\n")[0]:
                        for line in block.split("\n")[1:]:
                            if len(line.strip()) > 24 and not line.strip().startswith(
                                    ("from autograder", "import ", '"""')):
                                needles.add(line.strip())
    return sorted(needles)


def reference_value_needles(module_name: str) -> list[str]:
    """The reference module's first docstring line and its arrays at 4 significant figures,
    and the right answers of the variant questions (at the handout's numbers and at those of
    every submitter the catalogue names) likewise."""
    import importlib

    import numpy as np
    if str(ROOT) not in sys.path:  # solutions/ is never installed: it is read from the repo
        sys.path.insert(0, str(ROOT))
    name = module_name.replace('-', '_')
    module = importlib.import_module(f"solutions.{name}")
    needles = {line.strip() for line in (module.__doc__ or "").splitlines()[:1] if line.strip()}
    values = [v for var, v in vars(module).items() if not var.startswith("_")]
    variants = getattr(importlib.import_module(f"autograder.student.{name}"), "VARIANTS", None)
    if variants is not None:
        questions = importlib.import_module(f"autograder.runtime.questions.{name}")
        catalogue = load_catalogue(module_name) if (FIXTURES / f"{module_name}.yaml").exists() \
            else {}
        people = {"handout", *(e.strip().lower() for spec in catalogue.values()
                               for e in submitters(spec) or [])}
        values += [np.asarray(right, dtype=float) for who in sorted(people)
                   for q in variants.generators
                   for right, _ in questions.variant_answers(
                       q, variants.numbers(q, who)).values()]
    for value in values:
        if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
            continue
        for v in value.reshape(-1)[:64]:
            text = f"{v:.4g}"
            if len(text.lstrip("-0.").replace(".", "")) >= 3:
                needles.add(text)
    return sorted(needles)


def question_outputs(results: dict[str, Any]) -> dict[str, str]:
    """Feedback text per question from a results.json dict."""
    return {t["name"]: t.get("output", "") for t in results["tests"]}


def compare(spec: dict[str, Any], results: dict[str, Any], full: dict[str, float],
            hidden: Iterable[str] = ()) -> list[str]:
    """Differences between a graded submission and its expectation (empty if as expected).

    Also a difference: any of ``hidden`` (hidden test text, reference values) appearing
    anywhere in results.json.
    """
    expect = spec.get("expect", {})
    others = expect.get("other_scores")  # e.g. 0: every question not listed scores 0
    want = {q: expect.get("scores", {}).get(q, pts if others is None else others)
            for q, pts in full.items()}
    got = question_scores(results)
    problems = [f"{q}: scored {got.get(q)}, expected {w}" for q, w in want.items()
                if got.get(q) is None or abs(got[q] - w) > 1e-9]
    outputs = question_outputs(results)
    for q, needles in expect.get("messages", {}).items():
        for needle in [needles] if isinstance(needles, str) else needles:
            if needle not in outputs.get(q, ""):
                problems.append(f"{q}: feedback lacks {needle!r}; it says: "
                                f"{outputs.get(q, '')[:600]!r}")
    for needle in expect.get("output", []):
        if needle not in results.get("output", ""):
            problems.append(f"results lack the note {needle!r}: {results.get('output', '')!r}")
    text = json.dumps(results, ensure_ascii=False)
    problems += [f"results.json shows hidden text: {n!r}" for n in hidden if n in text]
    return problems


class Graders:
    """``jobs`` gradings at a time, each lent one of ``workers`` preloaded workers: what
    :func:`grade_fixtures` grades with, made for one call or shared by several (the test
    suite grades every assignment's zip lane with one set, so that the workers start once
    and an assignment is graded as soon as it is built, beside the others)."""

    def __init__(self, jobs: int, environ: dict[str, str] | None = None,
                 workers: int | None = None):
        self.pool = concurrent.futures.ThreadPoolExecutor(jobs, thread_name_prefix="grading")
        self.workers = grade_all.Workers(jobs if workers is None else workers, environ)

    def close(self) -> None:
        self.pool.shutdown()
        self.workers.__exit__()


def grade_fixtures(name: str, paths: dict[str, Any], names: Iterable[str] | None = None,
                   jobs: int | None = None, environ: dict[str, str] | None = None,
                   graders: Graders | None = None) -> list[dict[str, Any]]:
    """Build and grade fixtures of an assignment in parallel; return one row per fixture.

    A row: {"name", "total", "possible", "scores", "problems", "as_expected", "results"}.
    Full marks per question come from the master notebook (:func:`coverage.full_marks`).
    ``environ``: the graders' environment, before each fixture's own variables (default:
    this process's, as each grading starts). ``graders``: shared ones (default: ``jobs``
    of its own, all cores, closed at the end).
    """
    catalogue = load_catalogue(name)
    names = list(catalogue) if names is None else list(names)
    work = Path(tempfile.mkdtemp(prefix=f"fixtures-{name}-"))

    def grade(fixture):
        import time
        spec = specs[fixture]
        d = work / fixture
        d.mkdir()
        sub = build_submission(spec, paths, d / f"{name}.ipynb")
        out = d / "out"
        out.mkdir()
        env = dict(spec.get("env", {}))
        if spec.get("attack"):  # payloads act only in a grading carrying this marker
            env["BACKPROP_ATTACK_MARK"] = marks[fixture]
        via = _via(spec)
        if via == "otter":
            start = time.monotonic()
            results, log = otter_run(paths["zip"], sub, out,
                                     env=None if environ is None else {**environ, **env})
            results_file = out / "results.json"
        else:  # as `backprop grade` does (a fork of a preloaded worker), or Gradescope
            with graders.workers.lend() if via == "worker" else contextlib.nullcontext() \
                    as worker:
                start = time.monotonic()
                results, log = gradescope_run(paths["zip"], sub, d, env=env, base=environ,
                                              worker=worker, submitters=[
                                                  {"email": e} for e in submitters(spec) or []])
            results_file = d / "autograder" / "results" / "results.json"
        elapsed = time.monotonic() - start
        if spec.get("recheck_after"):  # a process left behind must not rewrite the results
            time.sleep(spec["recheck_after"])
            with open(results_file) as f:
                if json.load(f) != results:
                    log += "\nresults.json CHANGED after grading ended"
                    results = {"tests": [], "rewritten": True}
        return fixture, results, log, elapsed

    if "solution" not in names:
        names = ["solution", *names]
    marks = {f: f"attack{secrets.token_hex(8)}" for f in names}
    # a file only an unpickled .OTTER_LOG would create: fresh per grading, so that two
    # runs never share it (the grading process may write anywhere: not in ``work``)
    specs = {f: {**catalogue[f], "pickle_marker": os.path.join(
                 tempfile.gettempdir(), f"backprop-unpickled-{secrets.token_hex(8)}")}
             if catalogue[f].get("pickle_marker") is True else catalogue[f] for f in names}
    own = graders is None
    if own:
        jobs = jobs or os.cpu_count() or 1
        graders = Graders(jobs, environ, min(jobs, sum(_via(specs[f]) == "worker" for f in names)))
    try:
        graded = {f: (r, log, t) for f, r, log, t in graders.pool.map(grade, names)}
    finally:  # the unpacked zips and submissions: nothing is left in the temporary folder
        if own:
            graders.close()
        import shutil
        shutil.rmtree(work, ignore_errors=True)
    full = full_marks(name)
    needles = leak_needles(paths["zip"]) + reference_value_needles(name)
    return [_row(fixture, specs[fixture], *graded[fixture], full, needles, marks[fixture])
            for fixture in names]


def _row(fixture: str, spec: dict[str, Any], results: dict[str, Any], log: str,
         elapsed: float, full: dict[str, float], needles: list[str], mark: str
         ) -> dict[str, Any]:
    """A graded fixture's row (see :func:`grade_fixtures`): what differs from its
    expectation, and what its grading left behind."""
    scores = question_scores(results)
    problems = compare(spec, results, full, needles)
    limit = spec.get("expect", {}).get("max_seconds", DEFAULT_MAX_SECONDS)
    if elapsed > limit:
        problems.append(f"grading took {elapsed:.0f} s, more than {limit} s")
    if spec.get("attack"):
        problems += attack_leftovers(mark)
    marker = spec.get("pickle_marker")
    if marker and os.path.exists(marker):
        problems.append(f"the .OTTER_LOG pickle was loaded: {marker} exists")
        os.unlink(marker)
    return {"name": fixture, "scores": scores, "total": sum(scores.values()),
            "possible": sum(full.values()), "problems": problems, "seconds": elapsed,
            "as_expected": not problems, "results": results, "log": log}


def marked_tasks(mark: str) -> set[int]:
    """pids of live processes whose environment carries ``mark`` (a process whose leader is
    a zombie is found through its other threads: see containment.pids_with_environment)."""
    from autograder.runtime.containment import pids_with_environment
    return pids_with_environment("BACKPROP_ATTACK_MARK", mark)


def attack_ipc_key(mark: str) -> int:
    """The System V IPC key an attack payload uses for what it creates (from its marker)."""
    import zlib
    return zlib.crc32(mark.encode()) & 0x7FFFFFFF


def attack_leftovers(mark: str, wait: float = 2.0) -> list[str]:
    """What an attack fixture left behind: live processes carrying its marker, and files
    named with it in any folder every uid may write in, and System V IPC objects keyed with
    it (:func:`attack_ipc_key`). All are removed, and reported."""
    return (_leftover_processes(mark, wait) + _leftover_ipc(attack_ipc_key(mark))
            + _leftover_files(mark))


def _leftover_processes(mark, wait):
    """Processes carrying ``mark`` still alive ``wait`` seconds on: killed, and reported."""
    import signal
    import time
    end = time.monotonic() + wait
    survivors = marked_tasks(mark)
    while survivors and time.monotonic() < end:
        time.sleep(0.1)
        survivors = marked_tasks(mark)
    if not survivors:
        return []
    for _ in range(50):  # a fork bomb may still be forking: kill until none is left
        for pid in marked_tasks(mark):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    return [f"{len(survivors)} process(es) outlived the grading"]


def _leftover_ipc(key):
    """System V shared memory, queues and semaphores keyed ``key``: removed, and reported."""
    problems = []
    for kind, flag in (("shm", "-m"), ("msg", "-q"), ("sem", "-s")):
        try:
            lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
        except OSError:
            continue
        for fields in (line.split() for line in lines):
            if fields and int(fields[0]) == key:
                problems.append(f"left behind: System V {kind} {fields[1]}")
                subprocess.run(["ipcrm", flag, fields[1]], capture_output=True)
    return problems


def _leftover_files(mark):
    """Files named with ``mark`` in folders every uid may write in: removed, and reported."""
    import shutil

    from autograder.runtime.containment import shared_writable_dirs
    problems = []
    for top in shared_writable_dirs():  # /tmp, /var/tmp, /dev/shm, /run/lock...
        for root, dirs, files in os.walk(top):
            for entry in (e for e in dirs + files if mark in e):
                path = os.path.join(root, entry)
                problems.append(f"left behind: {path}")
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    os.unlink(path)
    return problems


def grade_samples(name: str, paths: dict[str, Any]) -> list[dict[str, Any]]:
    """Grade the fixtures marked ``sample: true`` as an instructor would: with grade_all.

    The samples are written to dist/<name>/samples/ and graded into
    dist/<name>/graded-samples/ (results, grades.csv, report.html); returns one row each.
    """
    import shutil

    catalogue = load_catalogue(name)
    samples = DIST / name / "samples"
    shutil.rmtree(samples, ignore_errors=True)
    samples.mkdir(parents=True)
    names = [f for f, s in catalogue.items() if s.get("sample")]
    named = [f for f in names if submitters(catalogue[f])]
    if named:  # graded as a plain folder: nothing would say who submitted them
        raise ValueError(f"samples cannot have submitters: {', '.join(named)}")
    for fixture in names:
        build_submission(catalogue[fixture], paths, samples / f"{fixture}.ipynb")
    records = grade_all.grade_folder(name, samples, DIST / name / "graded-samples",
                                     regrade=True, zip_path=paths["zip"], quiet=True)
    by_name = {Path(r["file"]).stem: r for r in records}
    full = full_marks(name)
    rows = []
    for fixture in names:
        results = by_name[fixture]["results"] or {"tests": []}
        scores = question_scores(results)
        problems = compare(catalogue[fixture], results, full)
        rows.append({"name": fixture, "scores": scores, "total": sum(scores.values()),
                     "possible": sum(full.values()), "problems": problems,
                     "as_expected": not problems, "results": results})
    return rows


def score_table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table: one row per submission, one column per question, then the total."""
    questions = sorted({q for r in rows for q in r["scores"]})
    width = max(len(r["name"]) for r in rows)
    head = f"{'submission':<{width}}  " + "  ".join(f"{q:>5}" for q in questions) \
        + "  total   expected?"
    lines = [head, "-" * len(head)]
    for r in rows:
        cells = "  ".join(f"{r['scores'].get(q, float('nan')):>5g}" for q in questions)
        credit = grade_all.credit_points(r["results"])
        bonus = sum(points for _, points in credit.values())
        possible = f"{r['possible'] - bonus:g}" + (f" (+{bonus:g})" if bonus else "")
        lines.append(f"{r['name']:<{width}}  {cells}  {r['total']:>5g}/{possible} "
                     f"{'yes' if r['as_expected'] else 'NO: ' + '; '.join(r['problems'])}")
    return "\n".join(lines)
