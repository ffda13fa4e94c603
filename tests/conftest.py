"""Shared fixtures. The session builds into a temporary folder (never the instructor's
dist/), pytest's own temporary folders live inside it, and the session fails if it leaves
anything in /tmp or touches dist/."""

import os
import shutil
import tempfile
from pathlib import Path

# Before anything imports autograder.instructor.paths, which reads BACKPROP_DIST once.
_SESSION = Path(tempfile.mkdtemp(prefix="backprop-tests-"))
os.chmod(_SESSION, 0o711)  # a kernel running as another uid may pass through, not list
os.environ["BACKPROP_DIST"] = str(_SESSION / "dist")

import pytest  # noqa: E402

from autograder.instructor import build  # noqa: E402
from autograder.instructor.paths import ROOT  # noqa: E402

REPO_DIST = ROOT / "dist"
# What our code names its temporary folders with: any of these new in /tmp is a leak.
OUR_PREFIXES = ("backprop-", "fixtures-", "fast-", "bench-", "pytest-of-", "attack")


def _tmp_entries():
    return {e for e in os.listdir("/tmp") if e.startswith(OUR_PREFIXES)}


def _dist_state():
    if not REPO_DIST.exists():
        return None
    return sorted((str(p.relative_to(REPO_DIST)), p.stat().st_mtime_ns)
                  for p in REPO_DIST.rglob("*"))


_BEFORE = {"tmp": _tmp_entries(), "dist": _dist_state()}


def pytest_configure(config):
    if not config.option.basetemp:  # pytest's tmp_path folders, removed with the session
        config.option.basetemp = str(_SESSION / "pytest")


def pytest_sessionfinish(session, exitstatus):
    """Fail the run if it left entries in /tmp (other than its own session folder, removed
    here) or changed the instructor's dist/."""
    shutil.rmtree(_SESSION, ignore_errors=True)
    problems = []
    left = sorted(_tmp_entries() - _BEFORE["tmp"])
    if left:
        problems.append(f"the tests left these in /tmp: {', '.join(left)}")
    if _dist_state() != _BEFORE["dist"]:
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
        paths = dict(zip(names, pool.map(inprocess.quick_build, names)))
    rows = inprocess.grade_many({n: (paths[n], None) for n in names})
    return {n: {r["name"]: r for r in rows[n]} for n in names}


# Short limits for the fixtures that loop forever, set in the grader's environment (the
# plugin reads them; the student's kernel never sees them).
os.environ.setdefault("BACKPROP_CELL_TIMEOUT", "15")
os.environ.setdefault("BACKPROP_CALL_TIMEOUT", "5")
