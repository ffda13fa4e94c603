"""The tests' fast lane: grade a fixture submission in this process, without a kernel.

The slow lane (:func:`autograder.instructor.fixtures.grade_fixtures`) grades each fixture
through the real zip: the Gradescope entry point, a sandboxed kernel, the wire. Most
fixtures only check scores and feedback, and for those the kernel adds nothing but
seconds. Here a fixture's notebook runs cell by cell in a fresh namespace of this process,
and the zip's own otter test files run against it through the same pieces grading uses:

- every code cell runs in order, an error ends the cell and not the run, and ``import
  otter`` gives the same do-nothing ``grader`` the sandbox gives
  (:data:`autograder.runtime.sandbox.OTTER_STUB`), so the init, ``grader.check`` and export
  cells do nothing, as in grading;
- values and calls cross the kernel's own encoder (:mod:`autograder.runtime.wire_kernel`,
  imported here) and the grader's decoder, through
  :class:`~autograder.runtime.sandbox.RemoteEnvironment` and
  :class:`~autograder.runtime.sandbox.RemoteFunction`, so a test sees exactly the plain data
  it would see from the sandbox;
- the test cases run with :func:`autograder.runtime.trusted.run_test_file` and become
  results.json with otter's ``GradingResults.to_gradescope_dict`` and the entry point's
  :func:`~autograder.runtime.gradescope_run.apply_credit`.

Only fixtures that may run in process run here (:func:`fixtures.runs_in_process`: the
fast-lane ones, and the samples, which the slow lane grades through the zip as well);
attacks, limits and odd uploads never do.
Student code runs unconfined in this process: the fixtures are ours, never a student's.

The test files come from a zip that ``otter assign --no-run-tests`` builds
(:func:`quick_build`): otter's real test-file format without the build's solution check,
which grades through a kernel and is left to the slow lane.
"""

import builtins
import functools
import io
import json
import os
import shutil
import signal
import types
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import nbformat

from autograder.instructor import build, fixtures
from autograder.instructor.grade_all import question_scores
from autograder.runtime import (
    gradescope_run,
    policy,
    sandbox,
    trusted,
    variant_grading,
    wire,
    wire_kernel,
)

CELL_SECONDS = 20   # one cell or call here; a fixture that needs longer needs `lane: kernel`


class NeedsKernel(RuntimeError):
    """A fixture ran too long in process: it belongs in the slow lane."""


def quick_build(name: str) -> dict[str, Path]:
    """Build an assignment with otter assign's ``--no-run-tests`` in build.DIST/.quick/<name>;
    return its paths as :func:`paths.built_paths` does (student, solution, zip).

    Otter assign runs in this process (a tenth of the time of a new ``otter`` process, whose
    imports dominate), in the master notebook's folder: call this in a process of its own
    (the tests' fast lane runs it in its worker processes), never beside other threads.
    """
    import otter.assign
    master = build.stage(name)
    out = build.DIST / ".quick" / name
    shutil.rmtree(out, ignore_errors=True)
    cwd, said = os.getcwd(), io.StringIO()
    try:
        os.chdir(master.parent)
        with redirect_stdout(said), redirect_stderr(said):
            otter.assign.main(str(master), str(out), no_run_tests=True)
    except Exception as e:  # noqa: BLE001 - any failure of otter assign is the build's
        raise build.BuildError(f"otter assign failed for {name}:\n{said.getvalue()}\n"
                               f"{type(e).__name__}: {e}") from None
    finally:
        os.chdir(cwd)
    zips = sorted((out / "autograder").glob(f"{name}-autograder_*.zip"))
    return {"student": out / "student" / f"{name}.ipynb",
            "solution": out / "autograder" / f"{name}.ipynb",
            "zip": zips[-1]}


class _Stubs:
    """``__import__`` for code run here: ``otter`` is the sandbox's do-nothing stand-in, and
    ``sys``/``IPython.display`` are replaced for the kernel's wire code only (see
    :class:`InProcessKernel`)."""

    def __init__(self, replace):
        self.replace = replace

    def __call__(self, name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and name in self.replace:
            return self.replace[name]
        return builtins.__import__(name, globals, locals, fromlist, level)


def _otter_stub():
    """The sandbox's otter stand-in (OTTER_STUB's first lines), as a module."""
    class GraderStub:
        def __init__(self, *args, **kwargs):
            pass

        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    module = types.ModuleType("otter")
    module.Notebook = GraderStub
    return module


def _builtins_with(replace):
    table = dict(vars(builtins))
    table["__import__"] = _Stubs(replace)
    return table


class _Alarm(KeyboardInterrupt):
    """Raised by the timer: a KeyboardInterrupt, so that the wire code lets it through."""


def _on_alarm(signum, frame):
    raise _Alarm()


class InProcessKernel:
    """What :class:`~autograder.runtime.sandbox.RemoteEnvironment` needs of a Sandbox
    (``request`` and ``limits``), with the notebook run in this process."""

    def __init__(self, notebook_path, seconds=CELL_SECONDS):
        self.limits = {**policy.configured_limits(), "call_timeout": seconds}
        self.seconds = seconds
        self.cells = [c.source for c in nbformat.read(str(notebook_path), as_version=4).cells
                      if c.cell_type == "code"]
        self.main = types.ModuleType("__main__")  # the student's globals, as in a kernel
        self.main.__dict__["__builtins__"] = _builtins_with({"otter": _otter_stub()})

    def _timed(self, what, run):
        old = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        try:
            return run()
        except _Alarm:
            raise NeedsKernel(f"{what} ran over {self.seconds} s in process: give the "
                              "fixture `lane: kernel`") from None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)

    def run_notebook(self) -> None:
        """Run every code cell in order; an error ends its cell only. Output is dropped."""
        sink = io.StringIO()
        for n, source in enumerate(self.cells, 1):
            def run(source=source, n=n):
                try:
                    exec(_compiled(source, n), self.main.__dict__)
                except Exception:  # the student's error: the kernel reports it and goes on
                    pass
            with redirect_stdout(sink), redirect_stderr(sink):
                self._timed(f"code cell {n}", run)
            sink.seek(0)
            sink.truncate()

    def request(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer as the kernel would: the kernel's own wire module
        (:mod:`autograder.runtime.wire_kernel`) encodes the value or the call's result."""
        sink = io.StringIO()
        with redirect_stdout(sink), redirect_stderr(sink):
            text = self._timed(f"a {request.get('op')} request", lambda: wire_kernel.reply_text(
                json.dumps(request), self.main.__dict__))
        reply = wire.loads_reply(text)
        if not isinstance(reply, dict):
            raise wire.WireError("malformed reply")
        return reply


@functools.lru_cache(maxsize=4096)
def _compiled(source: str, n: int) -> types.CodeType:
    """Cell ``n``'s code, compiled once per text (most fixtures share most of their cells;
    code objects are immutable). A cell that does not compile raises each time."""
    return compile(source, f"<cell {n}>", "exec")


def zip_test_sources(zip_path) -> dict[str, str]:
    """{file name: source} of the zip's otter test files (tests/*.py)."""
    with zipfile.ZipFile(zip_path) as zf:
        return {n: zf.read(n).decode() for n in sorted(zf.namelist())
                if n.startswith("tests/") and n.endswith(".py")}


def zip_config(zip_path) -> dict[str, Any]:
    with zipfile.ZipFile(zip_path) as zf:
        return json.loads(zf.read("otter_config.json"))


def grade_notebook(notebook_path: Path, zip_path: Path, submitters: list[str] | None = None
                   ) -> tuple[dict[str, Any], list[Any], dict[str, Any]]:
    """Grade a notebook in process against the zip's tests; ``submitters``: the emails
    Gradescope's submission metadata would name (see
    :mod:`autograder.runtime.variant_grading`).

    Returns (results.json's dict as the entry point would write it, the graded otter test
    files, the student's namespace).
    """
    import sys

    from otter.run.run_autograder.autograder_config import AutograderConfig
    from otter.test_files import GradingResults
    from otter.test_files.exception_test import ExceptionTestFile
    if str(build.ROOT) not in sys.path:  # the reference the zip ships in files/, from the repo
        sys.path.insert(0, str(build.ROOT))
    variant_grading.start_grading(submitters)
    kernel = InProcessKernel(notebook_path)
    kernel.run_notebook()
    env = sandbox.RemoteEnvironment(kernel)
    test_files = [trusted.run_test_file(ExceptionTestFile.from_string(src, path=n), env)
                  for n, src in zip_test_sources(zip_path).items()]
    raw_config = zip_config(zip_path)
    output = GradingResults(test_files).to_gradescope_dict(AutograderConfig(raw_config))
    output["extra_data"] = {"sandbox": None, "variant": variant_grading.graded_against()}
    mismatch = variant_grading.mismatch_note()
    if mismatch:  # as the entry point adds it to the run's notes
        output["output"] = mismatch
    output = gradescope_run.apply_credit(
        output, gradescope_run.plugin_config(raw_config).get("credit", {}))
    output = gradescope_run.add_written(output, raw_config, Path(notebook_path).read_bytes())
    return gradescope_run.clean(output), test_files, kernel.main.__dict__


def case_outcomes(test_files, namespace) -> list[dict[str, Any]]:
    """Each test case as plain data: {"question", "case", "hidden", "passed"}, and for a
    public case also "passed_in_notebook": whether it passes run on the student's own
    objects, as ``grader.check`` runs it in the student's notebook."""
    rows = []
    for tf in test_files:
        for result in tf.test_case_results:
            row = {"question": tf.name, "case": result.test_case.body.test_func.__name__,
                   "hidden": result.test_case.hidden, "passed": result.passed}
            if not result.test_case.hidden:
                sink = io.StringIO()
                try:
                    with redirect_stdout(sink), redirect_stderr(sink):
                        result.test_case.body.call_func(namespace)
                    row["passed_in_notebook"] = True
                except Exception:
                    row["passed_in_notebook"] = False
            rows.append(row)
    return rows


def _grade_chunk(name, paths, names, work):
    """Grade some fixtures in this process, one after another; plain data only (it may
    come back from a worker process): [(fixture, results, cases, error)]."""
    import tempfile
    catalogue = fixtures.load_catalogue(name)
    os.environ.setdefault("MPLBACKEND", "Agg")
    out = []
    with tempfile.TemporaryDirectory(prefix=f"fast-{name}-", dir=work) as tmp:
        cwd = os.getcwd()
        for fixture in names:
            spec = catalogue[fixture]
            if not fixtures.runs_in_process(fixture, spec):
                raise ValueError(f"{name}/{fixture} must not run in process")
            folder = Path(tmp) / fixture
            folder.mkdir()
            sub = fixtures.build_submission(spec, paths, folder / f"{name}.ipynb")
            os.chdir(folder)  # the kernel's working folder holds the notebook alone
            try:
                results, test_files, namespace = grade_notebook(
                    sub, paths["zip"], fixtures.submitters(spec))
                out.append((fixture, results, case_outcomes(test_files, namespace), None))
            except NeedsKernel as e:
                out.append((fixture, {"tests": []}, [], str(e)))
            finally:
                os.chdir(cwd)
                _close_figures()
    return out


def fast_fixtures(name) -> list[str]:
    """The fixtures of an assignment that the fast lane grades (solution first): every one
    that may run in process (:func:`fixtures.runs_in_process`)."""
    catalogue = fixtures.load_catalogue(name)
    return ["solution", *[f for f in catalogue
                          if f != "solution" and fixtures.runs_in_process(f, catalogue[f])]]


def grade_many(jobs_by_name: dict[str, tuple[dict[str, Any], list[str] | None]],
               workers: int | None = None, work: Path | None = None, chunk: int = 6,
               context: str = "fork", nice: int = 0) -> dict[str, list[dict[str, Any]]]:
    """Grade fixtures of several assignments in process, split over ``workers`` processes.

    ``jobs_by_name``: {assignment: (paths, fixture names or None for every fast one)}.
    Returns {assignment: rows}; a row as :func:`fixtures.grade_fixtures` gives, plus
    ``cases`` (see :func:`case_outcomes`). ``context``: how the worker processes start
    ("forkserver" when called from a thread, where forking this process is unsafe).
    ``nice``: added to the workers' niceness (19: they use only the CPU nothing else wants).
    """
    import concurrent.futures
    import multiprocessing
    tasks = []
    for name, (paths, names) in jobs_by_name.items():
        names = fast_fixtures(name) if names is None else \
            ["solution", *[n for n in names if n != "solution"]]
        tasks += [(name, paths, names[i:i + chunk], work) for i in range(0, len(names), chunk)]
    workers = workers or os.cpu_count() or 1
    graded = {name: {} for name in jobs_by_name}
    with concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context(context),
            initializer=os.nice, initargs=(nice,)) as pool:
        for (name, *_), done in zip(tasks, pool.map(_grade_chunk_args, tasks), strict=True):
            for fixture, results, cases, error in done:
                graded[name][fixture] = (results, cases, error)
    return {name: _rows(name, paths, graded[name])
            for name, (paths, _) in jobs_by_name.items()}


def _grade_chunk_args(task):
    return _grade_chunk(*task)


def _rows(name, paths, graded):
    catalogue = fixtures.load_catalogue(name)
    full = question_scores(graded["solution"][0])
    needles = fixtures.leak_needles(paths["zip"]) + fixtures.reference_value_needles(name)
    rows = []
    for fixture, (results, cases, error) in graded.items():
        scores = question_scores(results)
        problems = fixtures.compare(catalogue[fixture], results, full, needles)
        if error:
            problems.insert(0, error)
        rows.append({"name": fixture, "scores": scores, "total": sum(scores.values()),
                     "possible": sum(full.values()), "problems": problems,
                     "as_expected": not problems, "results": results, "cases": cases})
    return rows


def grade_fixtures(name: str, paths: dict[str, Any], names: list[str] | None = None,
                   work: Path | None = None) -> list[dict[str, Any]]:
    """Grade fast-lane fixtures of one assignment in process (every one if ``names`` is
    None); rows as :func:`grade_many` gives."""
    return grade_many({name: (paths, names)}, work=work)[name]


def _close_figures():
    import sys
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
