"""Shared fixtures. The session builds into a temporary folder (never the instructor's
dist/); that folder is also the session's TMPDIR (every temporary file of the tests, of
otter and of the grading processes they start) and pytest's basetemp, and is removed at
the end. The session fails if anything but the build and pytest's folders is left in it
(a temporary folder someone forgot to remove), or if dist/ changed."""

import os
import shutil
import tempfile
from pathlib import Path

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


@pytest.fixture(scope="session")
def fast_graded():
    """Every fast-lane fixture of every assignment, graded in process once per session
    (quick builds in parallel, then fixtures over all cores): {assignment: {fixture: row}}."""
    import concurrent.futures

    from autograder.instructor import inprocess
    names = build.assignment_names()
    with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:
        paths = dict(zip(names, pool.map(inprocess.quick_build, names), strict=True))
    rows = inprocess.grade_many({n: (paths[n], None) for n in names})
    return {n: {r["name"]: r for r in rows[n]} for n in names}


# Short limits for the fixtures that loop forever, set in the grader's environment (the
# plugin reads them; the student's kernel never sees them).
os.environ.setdefault("BACKPROP_CELL_TIMEOUT", "15")
os.environ.setdefault("BACKPROP_CALL_TIMEOUT", "5")
