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
EXPECTED = {"dist", "pytest", "early"}  # what the session folder may hold at the end


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
    """A test that uses the full build (``built``, itself or through its ``started_early``
    work: otter assign's solution check runs the notebook in a kernel) belongs in the slow
    lane; saying so keeps the fast lane fast."""
    unmarked = [item.nodeid for item in items if not item.get_closest_marker("slow") and (
                "built" in getattr(item, "fixturenames", ()) or any(
                    _needs_builds(m.kwargs["work"]) for m in item.iter_markers("started_early")))]
    if unmarked:
        raise pytest.UsageError("these tests use the full build but are not marked slow:\n  "
                                + "\n  ".join(unmarked))
    items.sort(key=_waits_for)


# What a test waits for, in the order the background work finishes it (see
# pytest_collection_finish): the tests that wait for nothing run first, while it works.
WAITS = (("built",), ("graded",), ("started_early",), ("fast_graded", "quick_built"),
         ("background_finished",))


def _waits_for(item):
    """The sort key of a test: 0 if it waits for no background work, else 1 + the index in
    WAITS of the last thing it waits for (a stable sort keeps the file order within)."""
    return max([0] + [i + 1 for i, names in enumerate(WAITS) if _uses(item, *names)])


def pytest_sessionfinish(session, exitstatus):
    """Remove the session folder; fail the run if it held leftovers (temporary files that
    would have stayed in /tmp) or if the instructor's dist/ changed."""
    _stop_background()
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


class _FullBuilds:
    """Every assignment's full build (``otter assign``: its solution check runs in a
    kernel), started in threads at collection when a test needs one, two at a time, so that
    the builds overlap the tests that need none. Built with the environment of that moment
    (a test may change os.environ for a while). ``names``: the assignments to start (default:
    all); ``assign``: what builds one (a test of this class gives a fake)."""

    def __init__(self, names=None, assign=build.assign):
        import concurrent.futures
        import threading
        env = dict(os.environ)
        self.assign, self.lock = assign, threading.Lock()
        pool = concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="build")
        self.futures = {name: pool.submit(assign, name, env) for name in _longest_first(
                            build.assignment_names() if names is None else names)}
        pool.shutdown(wait=False)

    def get(self, name):
        """The paths of the assignment ``name``, once built (now, if it was not asked for
        at collection, by the first to ask: the others, in other threads, wait for it, and
        get its error if it fails)."""
        import concurrent.futures
        with self.lock:
            mine = name not in self.futures
            if mine:
                self.futures[name] = concurrent.futures.Future()
        if mine:
            try:
                self.futures[name].set_result(self.assign(name))
            except BaseException as e:
                self.futures[name].set_exception(e)
        paths = self.futures[name].result()
        if not Path(paths["zip"]).is_relative_to(build.DIST):
            raise RuntimeError(f"{name} was built outside {build.DIST}: a test changed "
                               "build.DIST while the builds ran (give it `background_finished`)")
        return paths

    def all(self):
        with self.lock:  # another thread's get may add a build while this one waits
            names = list(self.futures)
        return {name: self.get(name) for name in names}


_FULL_BUILDS = []


def _background_futures():
    return [f for b in _FULL_BUILDS for f in b.futures.values()] + \
        [f for z in _ZIP_LANE for f in (*z.rows.values(), z.closed)] + \
        list(_EARLY.values()) + \
        [f for b in _BACKGROUND for f in (b.paths, b.graded)]


def _stop_background():
    """At the end (a run stopped early included): drop the background work not started,
    and wait for the rest, which cleans up after itself."""
    for future in _background_futures():
        future.cancel()
    for future in _background_futures():
        if not future.cancelled():
            future.exception()


@pytest.fixture
def background_finished():
    """For a test that changes module-level folders the background work reads (build.DIST,
    build.ASSIGNMENTS, fixtures.FIXTURES), or that times gradings against each other: it
    waits until the background builds and gradings are done (these tests run last)."""
    for future in _background_futures():
        future.exception()  # done, whether it worked or not


@pytest.fixture(scope="session")
def built():
    """get(name): the paths of an assignment's full build (made once)."""
    assert build.DIST != REPO_DIST
    return _built_getter()


def _quick_builds():
    """{assignment: paths} of every assignment built with otter assign's ``--no-run-tests``
    (:func:`inprocess.quick_build`), in processes forked from the forkserver (otter assign
    changes the working folder), two at a time."""
    import concurrent.futures
    import multiprocessing

    from autograder.instructor import inprocess
    names = build.assignment_names()
    with concurrent.futures.ProcessPoolExecutor(
            2, mp_context=multiprocessing.get_context("forkserver")) as pool:
        return dict(zip(names, pool.map(inprocess.quick_build, names), strict=True))


def _grade_fast_fixtures(paths, nice):
    """Every fast-lane fixture of every assignment, graded in process over all cores:
    {assignment: {fixture: row}}."""
    from autograder.instructor import inprocess
    # forkserver, not fork: this runs in a thread beside the tests (see below)
    rows = inprocess.grade_many({n: (p, None) for n, p in paths.items()}, context="forkserver",
                                nice=nice)
    return {n: {r["name"]: r for r in rows[n]} for n in paths}


class _Background:
    """The fast-lane fixture grading, started in a thread as soon as the tests are
    collected (its worker processes do the work), so that it overlaps the tests that do not
    need it; those that wait for it run last (see pytest_collection_modifyitems).

    Everything the workers inherit is fixed here, in the main thread, before any test runs
    (a test may change os.environ or the working folder for a while): the forkserver the
    workers fork from is started now (the fast lane alone makes its quick builds in
    processes forked from it, beside the first tests).

    Beside the slow lane (``full_builds`` given) it grades the full builds, once they are
    made, and its workers run at niceness 19: they take only the CPU the slow tests leave
    idle while they wait for kernels, so that kernels under time limits and the test that
    measures a CPU hog's effect on its neighbour keep the cores.
    """

    def __init__(self, full_builds=None):
        import concurrent.futures
        import multiprocessing.forkserver
        # what every worker imports anyway (notebooks plot), imported once
        os.environ.setdefault("MPLBACKEND", "Agg")
        multiprocessing.forkserver.set_forkserver_preload(["autograder.instructor.inprocess",
                                                           "matplotlib.pyplot"])
        multiprocessing.forkserver.ensure_running()
        pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="fast-lane")
        self.paths = pool.submit(lambda: _quick_builds() if full_builds is None
                                 else full_builds.all())
        self.graded = pool.submit(lambda: _grade_fast_fixtures(
            self.paths.result(), 19 if full_builds else 0))
        pool.shutdown(wait=False)


_BACKGROUND = []


class _ZipLane:
    """Every zip-lane fixture (:func:`fixtures.zip_lane`) of every assignment, graded
    through the real zip, started at collection: each assignment as soon as its full build
    is made, all with one set of graders (:class:`fixtures.Graders`, ``JOBS`` gradings at a
    time), so that it overlaps the tests that need none of it. ``get(name, fixture)`` waits
    for that assignment's rows. The graders get the environment of collection time (a test
    may change os.environ for a while)."""

    # gradings at a time: each mostly waits for its kernel, so two leave a core idle
    JOBS = 3

    def __init__(self, full_builds, names=None):
        import concurrent.futures

        from autograder.instructor import fixtures
        self.builds, self.environ = full_builds, dict(os.environ)
        names = _longest_first(names or build.assignment_names())
        self.graders = fixtures.Graders(self.JOBS, self.environ)
        # a thread per assignment waits for its build; one more closes the graders
        pool = concurrent.futures.ThreadPoolExecutor(len(names) + 1,
                                                     thread_name_prefix="zip-lane")
        self.rows = {name: pool.submit(self._grade, fixtures, name) for name in names}
        self.closed = pool.submit(self._close)
        pool.shutdown(wait=False)

    def _grade(self, fixtures, name):
        rows = fixtures.grade_fixtures(name, self.builds.get(name), fixtures.zip_lane(name),
                                       environ=self.environ, graders=self.graders)
        return {row["name"]: row for row in rows}

    def _close(self):
        import concurrent.futures
        concurrent.futures.wait(self.rows.values())
        self.graders.close()

    def get(self, name, fixture):
        return self.rows[name].result()[fixture]


_ZIP_LANE = []


@pytest.fixture(scope="session")
def graded(built):
    """get(name, fixture): the row of a zip-lane fixture graded through the zip."""
    if not _ZIP_LANE:
        _ZIP_LANE.append(_ZipLane(_FULL_BUILDS[0]))
    return _ZIP_LANE[0].get


def _longest_first(names):
    """Assignments by the number of fixtures their zip lane grades, most first: the
    longest grading starts first (built first), the others fill in beside it."""
    from autograder.instructor import fixtures
    return sorted(names, key=lambda name: -len(fixtures.zip_lane(name)))


def _uses(item, *names):
    return any(n in getattr(item, "fixturenames", ()) for n in names)


def _assignments_of(items, fixture):
    """The assignments the tests using ``fixture`` are about (their ``name`` parameter, in
    the order of the assignments), or None (all) if one of them names none."""
    named = set()
    for item in items:
        if _uses(item, fixture):
            name = getattr(item, "callspec", None) and item.callspec.params.get("name")
            if name not in build.assignment_names():
                return None
            named.add(name)
    return [n for n in build.assignment_names() if n in named]


def pytest_collection_finish(session):
    """Start what the tests will need, in the background: the full builds if a test uses
    one, and the fast lane's grading if a test waits for it (see :class:`_Background`)."""
    items = session.items
    if session.config.option.collectonly:
        return
    if any(_uses(item, "built") for item in items):
        _FULL_BUILDS.append(_FullBuilds(_assignments_of(items, "built")))
    if _early_works(items):
        _EarlyWork(_early_works(items))
    if any(_uses(item, "graded") for item in items):
        _ZIP_LANE.append(_ZipLane(_FULL_BUILDS[0], _assignments_of(items, "graded")))
    if any(_uses(item, "fast_graded", "quick_built") for item in items):
        slow = any(item.get_closest_marker("slow") for item in items)
        _BACKGROUND.append(_Background(_FULL_BUILDS[0] if slow and _FULL_BUILDS else None))


# Work a test marked `started_early(work=...)` needs: {work: future of its result}.
_EARLY = {}


class _EarlyWork:
    """The work of the tests marked ``started_early(work=...)``: long runs of subprocesses and
    kernels that mostly wait, started in threads at collection (two at a time, in the
    order of the tests) so that they overlap the tests before, not run one after another.
    ``work`` takes, by the names of its parameters: ``folder``, its own, in the session
    folder (removed with it); ``built``, the full builds' getter; ``environ``, the
    environment of collection time, for what it starts (a test may change os.environ for
    a while). It runs beside tests that may replace a module's functions for a while (a
    fake grader): what it checks of the tools runs in a new Python."""

    def __init__(self, works):
        import concurrent.futures
        import inspect
        pool = concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="early")
        environ = dict(os.environ)
        for work in works:
            # named by module too: two test files may each have a work called `graded`
            folder = _SESSION / "early" / f"{work.__module__}.{work.__qualname__}"
            folder.mkdir(parents=True)
            given = {"folder": folder, "environ": environ}
            if _needs_builds(work):
                given["built"] = _built_getter()
            _EARLY[work] = pool.submit(work, **{name: given[name] for name in
                                                inspect.signature(work).parameters})
        pool.shutdown(wait=False)


def _needs_builds(work):
    import inspect
    return "built" in inspect.signature(work).parameters


def _early_works(items):
    """The works of the tests' ``started_early`` marks, in the order the tests run."""
    works = [m.kwargs["work"] for item in items for m in item.iter_markers("started_early")]
    return list(dict.fromkeys(works))


@pytest.fixture
def started_early(request):
    """The result of the work the test's ``started_early(work=...)`` mark names (waits for
    it)."""
    mark = request.node.get_closest_marker("started_early")
    if mark is None:
        raise pytest.UsageError(f"{request.node.nodeid} uses the started_early fixture "
                                "without a @pytest.mark.started_early(work=...) mark")
    work = mark.kwargs["work"]
    if work not in _EARLY:  # not seen at collection
        _EarlyWork([work])
    return _EARLY[work].result()


def _built_getter():
    if not _FULL_BUILDS:
        _FULL_BUILDS.append(_FullBuilds())
    return _FULL_BUILDS[0].get


def _background():
    if not _BACKGROUND:
        _BACKGROUND.append(_Background())
    return _BACKGROUND[0]


@pytest.fixture(scope="session")
def quick_built():
    """{assignment: paths} of the builds the fast lane grades (shared: never rebuild them
    in a test)."""
    return _background().paths.result()


@pytest.fixture(scope="session")
def fast_graded():
    """{assignment: {fixture: row}}: every fast-lane fixture, graded in process."""
    return _background().graded.result()


@pytest.fixture
def no_workers(monkeypatch):
    """For a test that fakes the grading: grade_all starts no preloaded worker (each imports
    the grading modules, a second of CPU, for nothing); its gradings run as without one."""
    from autograder.instructor import preload

    def refuse(env=None):
        raise OSError("no grading workers in this test")
    monkeypatch.setattr(preload, "Worker", refuse)


# Short limits for the fixtures that loop forever, set in the grader's environment (the
# plugin reads them; the student's kernel never sees them).
os.environ.setdefault("BACKPROP_CELL_TIMEOUT", "15")
os.environ.setdefault("BACKPROP_CALL_TIMEOUT", "5")
