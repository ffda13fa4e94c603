"""Shared fixtures. The session builds into a temporary folder (never the instructor's
dist/); that folder is also the session's TMPDIR (every temporary file of the tests, of
otter and of the grading processes they start) and pytest's basetemp, and is removed at
the end. The session fails if anything but the build and pytest's folders is left in it
(a temporary folder someone forgot to remove), or if dist/ changed."""

import multiprocessing.util
import os
import shutil
import tempfile
from pathlib import Path

# multiprocessing's own folder (the forkserver's socket, see _Background) outside the
# session folder: multiprocessing removes it at exit, after the session folder is gone.
multiprocessing.util.get_temp_dir()
# Before anything imports autograder.instructor.paths, which reads BACKPROP_DIST once.
_SESSION = Path(tempfile.mkdtemp(prefix="backprop-tests-"))
os.chmod(_SESSION, 0o711)  # a kernel running as another uid may pass through, not list
os.environ["BACKPROP_DIST"] = str(_SESSION / "dist")
os.environ["TMPDIR"] = str(_SESSION)  # for the processes the tests start, too
tempfile.tempdir = str(_SESSION)

import pytest  # noqa: E402

from autograder.instructor import build  # noqa: E402
from autograder.instructor.paths import ROOT  # noqa: E402

REPO_DIST = ROOT / "dist"
EXPECTED = {"dist", "pytest"}  # what the session folder may hold at the end


def _dist_state():
    if not REPO_DIST.exists():
        return None
    return sorted((str(p.relative_to(REPO_DIST)), p.stat().st_mtime_ns)
                  for p in REPO_DIST.rglob("*"))


_DIST_BEFORE = _dist_state()


def pytest_configure(config):
    if not config.option.basetemp:  # pytest's tmp_path folders, removed with the session
        config.option.basetemp = str(_SESSION / "pytest")


def pytest_collection_modifyitems(config, items):
    """A test that uses the full build (``built``: otter assign's solution check runs the
    notebook in a kernel) belongs in the slow lane; saying so keeps the fast lane fast."""
    unmarked = [item.nodeid for item in items if "built" in getattr(item, "fixturenames", ())
                and not item.get_closest_marker("slow")]
    if unmarked:
        raise pytest.UsageError("these tests use the full build but are not marked slow:\n  "
                                + "\n  ".join(unmarked))
    # the tests that wait for the background fixture grading last, so that it overlaps
    # the others
    items.sort(key=lambda item: "fast_graded" in getattr(item, "fixturenames", ()))


def pytest_sessionfinish(session, exitstatus):
    """Remove the session folder; fail the run if it held leftovers (temporary files that
    would have stayed in /tmp) or if the instructor's dist/ changed."""
    left = sorted(set(os.listdir(_SESSION)) - EXPECTED)
    shutil.rmtree(_SESSION, ignore_errors=True)
    problems = []
    if left:
        problems.append(f"the tests left these temporary files behind: {', '.join(left)}")
    if _dist_state() != _DIST_BEFORE:
        problems.append(f"the tests changed {REPO_DIST}")
    if problems:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        for p in problems:
            (reporter.write_line if reporter else print)(f"HYGIENE FAILURE: {p}")


@pytest.fixture(scope="session")
def built():
    """Build (once) and return {assignment: its paths} for every assignment."""
    assert build.DIST != REPO_DIST
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = build.assign(name)
        return cache[name]

    return get


def _quick_builds():
    """{assignment: paths} of every assignment built with ``otter assign --no-run-tests``
    (:func:`inprocess.quick_build`), in parallel."""
    import concurrent.futures

    from autograder.instructor import inprocess
    names = build.assignment_names()
    with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:
        return dict(zip(names, pool.map(inprocess.quick_build, names), strict=True))


def _grade_fast_fixtures(paths):
    """Every fast-lane fixture of every assignment, graded in process over all cores:
    {assignment: {fixture: row}}."""
    from autograder.instructor import inprocess
    # forkserver, not fork: this runs in a thread beside the tests (see below)
    rows = inprocess.grade_many({n: (p, None) for n, p in paths.items()}, context="forkserver")
    return {n: {r["name"]: r for r in rows[n]} for n in paths}


class _Background:
    """The fast-lane fixture grading, started in a thread as soon as the tests are
    collected (its worker processes do the work), so that it overlaps the tests that do not
    need it; those that wait for it run last (see pytest_collection_modifyitems).

    Everything the workers inherit is fixed here, in the main thread, before any test runs
    (a test may change os.environ or the working folder for a while): the quick builds are
    made now, and the forkserver the workers fork from is started now.
    """

    def __init__(self):
        import concurrent.futures
        import multiprocessing.forkserver
        self.paths = _quick_builds()
        multiprocessing.forkserver.set_forkserver_preload(["autograder.instructor.inprocess"])
        multiprocessing.forkserver.ensure_running()
        pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="fast-lane")
        self.graded = pool.submit(_grade_fast_fixtures, self.paths)
        pool.shutdown(wait=False)


_BACKGROUND = []


def pytest_collection_finish(session):
    """In the fast lane alone, start the background grading now. With slow tests in the
    session it waits until a test needs it: kernels under time limits, and a test that
    measures how much a CPU hog slows its neighbour, must not share the cores with it."""
    items = session.items
    if any(item.get_closest_marker("slow") for item in items):
        return
    if any(f in getattr(item, "fixturenames", ()) for item in items
           for f in ("fast_graded", "quick_built")):
        _BACKGROUND.append(_Background())


def _background():
    if not _BACKGROUND:
        _BACKGROUND.append(_Background())
    return _BACKGROUND[0]


@pytest.fixture(scope="session")
def quick_built():
    """{assignment: paths} of the quick builds (shared: never rebuild them in a test)."""
    return _background().paths


@pytest.fixture(scope="session")
def fast_graded():
    """{assignment: {fixture: row}}: every fast-lane fixture, graded in process."""
    return _background().graded.result()


# Short limits for the fixtures that loop forever, set in the grader's environment (the
# plugin reads them; the student's kernel never sees them).
os.environ.setdefault("BACKPROP_CELL_TIMEOUT", "15")
os.environ.setdefault("BACKPROP_CALL_TIMEOUT", "5")
