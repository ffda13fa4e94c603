"""Does the kernel boundary hold: plain data only, limits enforced, nothing left running?"""

import ast
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.instructor import fixtures
from autograder.runtime import containment, wire
from autograder.runtime.sandbox import RemoteEnvironment, Sandbox, StudentError, limits_from

ROOT = Path(__file__).resolve().parents[1]


def notebook(tmp_path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("value", [
    None, ..., True, 3, -2.5, float("nan"), "text", [1, (2, 3)], {"a": {1, 2}},
    frozenset({"x"}), np.float64(0.5), np.int64(7), np.arange(6.0).reshape(2, 3),
    np.array([True, False]), np.zeros((0, 3)),
])
def test_wire_round_trip(value):
    """Does a test's value survive encode (here) and decode (here) unchanged?"""
    got = wire.decode(wire.encode(value))
    if isinstance(value, np.ndarray):
        assert got.shape == value.shape and np.array_equal(got, value)
    elif isinstance(value, float) and value != value:
        assert got != got
    else:
        assert got == value and type(got) is type(value)


@pytest.mark.parametrize("node", [
    {"t": "pickle", "v": "gASV"}, {"t": "array", "kind": "O", "shape": [1], "data": [1]},
    {"t": "array", "kind": "f", "shape": [3], "data": ["1.0"]}, {"x": 1}, [],
    {"t": "int", "v": True}, {"t": "int"}, {"t": "float"}, {"t": "str", "v": 3},
    {"t": "array", "kind": "f", "shape": [2**32, 2**32], "data": []},
    {"t": "array", "kind": "f", "shape": [-1], "data": [1.0]},
    {"t": "array", "kind": "f", "shape": "3", "data": [1.0]}, {"t": "array"},
    {"t": "list", "items": 3}, {"t": "dict", "items": [[1]]}, {"t": "dict", "items": [1, 2]},
    {"t": "set", "items": [{"t": "list", "items": []}]},
    {"t": "int", "v": "9" * 5000},
])
def test_wire_refuses_malformed_or_foreign_data(node):
    """Is anything but tagged plain data refused, always with WireError (never another
    exception that would crash the grader)?"""
    with pytest.raises(wire.WireError):
        wire.decode(node)


def test_wire_refuses_huge_sets_before_hashing_them():
    """Is a set of many (possibly hash-colliding) items refused without building it?"""
    node = {"t": "set", "items": [{"t": "int", "v": k * (2**61 - 1)} for k in range(3000)]}
    with pytest.raises(wire.WireError, match="too large"):
        wire.decode(node)


def test_limits_come_from_config_then_environment():
    """Do BACKPROP_* variables override the plugin config, and unknown keys get ignored?"""
    limits = limits_from({"cell_timeout": 60, "bogus": 1}, {"BACKPROP_CELL_TIMEOUT": "5"})
    assert limits == {"cell_timeout": 5.0}


@pytest.mark.slow
def test_values_and_calls_cross_as_plain_data(tmp_path):
    """Are globals read as data, functions called by name, and errors reported as text?"""
    path = notebook(tmp_path, "import numpy as np\nA = np.eye(2)\nclass C: pass\nobj = C()",
                    "def f(x):\n    return x * 2\ndef echo(*args):\n    return list(args)\n"
                    "def boom(x):\n    raise ValueError('no')")
    with Sandbox(path) as sandbox:
        assert [r["status"] for r in sandbox.run_notebook()] == ["ok", "ok"]
        env = RemoteEnvironment(sandbox)
        assert np.array_equal(env.get("A"), np.eye(2))
        assert isinstance(env.get("obj"), wire.Opaque) and env.get("obj")._student_type == "C"
        assert env.get("missing") is None
        assert np.array_equal(env.get("f")(np.arange(3)), [0, 2, 4])
        sent = {"W": np.eye(2), "name": "relu", "pair": (1, [2.5]), "tags": {"a"}}
        got = env.get("echo")(sent, None, ...)
        assert np.array_equal(got[0]["W"], sent["W"]) and got[0]["pair"] == (1, [2.5])
        assert got[0]["tags"] == {"a"} and got[1:] == [None, ...]
        with pytest.raises(StudentError, match="ValueError"):
            env.get("boom")(1)


@pytest.mark.slow
def test_a_batch_of_reads_in_a_real_kernel_gives_what_reads_one_by_one_give(tmp_path):
    """In a real kernel, does one get_many prefetch answer each name as its own get does
    (arrays, opaque objects, functions, missing names), with one request for all?"""
    path = notebook(tmp_path, "import numpy as np\nA = np.eye(2)\nclass C: pass\nobj = C()\n"
                    "def f(x):\n    return x * 2")
    with Sandbox(path) as sandbox:
        sandbox.run_notebook()
        names = ["A", "obj", "f", "missing"]
        alone = [RemoteEnvironment(sandbox).get(n) for n in names]
        env = RemoteEnvironment(sandbox)
        sent = []
        request = sandbox.request
        sandbox.request = lambda r: sent.append(r["op"]) or request(r)
        env.prefetch(names)
        batched = [env.get(n) for n in names]
        assert sent == ["get_many"]
        assert np.array_equal(batched[0], alone[0]) and batched[0].dtype == alone[0].dtype
        assert isinstance(batched[1], wire.Opaque) and batched[1]._student_type == "C"
        assert np.array_equal(batched[2](np.arange(3)), alone[2](np.arange(3)))
        assert batched[3] is alone[3] is None


@pytest.mark.slow
def test_a_batch_of_calls_in_a_real_kernel_gives_what_calls_one_by_one_give(tmp_path):
    """In a real kernel, does call_each give in one request what calls one by one give,
    stopping at the first error; and is a batch over the call time limit (a correct but
    slowish function) made again one call at a time, each within its own limit?"""
    path = notebook(tmp_path, "import time\n"
                    "def f(x):\n    if x == 3:\n        raise ValueError('three')\n"
                    "    return x * 2\n"
                    "def slow(x):\n    time.sleep(0.4)\n    return x + 1\n"
                    "def spin(x):\n    while x == 2:\n        pass\n    return x")
    with Sandbox(path, {"call_timeout": 1.5}) as sandbox:
        sandbox.run_notebook()
        env = RemoteEnvironment(sandbox)
        f, slow, spin = env.get("f"), env.get("slow"), env.get("spin")
        sent = []
        request = sandbox.request
        sandbox.request = lambda r: sent.append(r["op"]) or request(r)
        returned, error = f.call_each([(1,), (2,), (3,), (4,)])
        assert [value for value, _ in returned] == [2, 4] and str(error) == "ValueError: three"
        assert sent == ["call_each"]
        sent.clear()
        returned, error = slow.call_each([(i,) for i in range(5)])  # 2 s in all, 0.4 s each
        assert [value for value, _ in returned] == [1, 2, 3, 4, 5] and error is None
        assert sent == ["call_each"] + ["call"] * 5
        returned, error = spin.call_each([(1,), (2,), (3,)])
        assert [value for value, _ in returned] == [1]
        assert isinstance(error, StudentError) and error.error == "Timeout"
        assert f(5) == 10  # the kernel still answers


@pytest.mark.slow
def test_kernel_cannot_read_the_graders_files(tmp_path):
    """As root, does the kernel run as another uid that can read a world-readable file but
    not a root-only one beside it (so the refusal is the uid's, not a missing path)?"""
    if os.geteuid() != 0:
        pytest.skip("the kernel runs as this user when not root")
    # in the Python install, which the kernel always sees (a checkout under /tmp is hidden)
    folder = Path(tempfile.mkdtemp(prefix=".secret-test-", dir=sys.prefix))
    try:
        os.chmod(folder, 0o755)
        (folder / "public.txt").write_text("public")
        (folder / "secret.txt").write_text("hidden")
        os.chmod(folder / "secret.txt", 0o600)
        path = notebook(tmp_path, "import os\nuid = os.getuid()\ndef read(p):\n    try:\n"
                                  "        return open(p).read()\n    except OSError as e:\n"
                                  "        return type(e).__name__")
        with Sandbox(path) as sandbox:
            sandbox.run_notebook()
            env = RemoteEnvironment(sandbox)
            assert env.get("uid") != 0
            assert env.get("read")(str(folder / "public.txt")) == "public"
            assert env.get("read")(str(folder / "secret.txt")) == "PermissionError"
            assert sandbox.km.transport == "ipc"  # no TCP port another uid could listen to
    finally:
        shutil.rmtree(folder)


ESCAPES = """
import ctypes, os, signal, threading, time
mark = os.environ["BACKPROP_ATTACK_MARK"]
def forever():
    while True:
        time.sleep(0.1)
def child(body):
    if os.fork() == 0:
        try:
            body()
        finally:
            os._exit(0)
def zombie_leader():
    threading.Thread(target=forever).start()
    ctypes.CDLL(None).syscall(60, 0)
def odd_name():
    os.setsid()
    ctypes.CDLL(None).prctl(15, b"\\xff\\xfe", 0, 0, 0)
    forever()
def hopping():
    os.setsid()
    while True:
        try:
            if os.fork() > 0:
                os._exit(0)
        except OSError:
            pass
        time.sleep(0.002)
def daemon():
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, signal.SIG_IGN)
    forever()
for body in (zombie_leader, odd_name, hopping, daemon):
    child(body)
for folder in ("/tmp", "/var/tmp", "/dev/shm", os.path.expanduser("~")):
    open(f"{folder}/left-{mark}", "w").write("x")
    # and one deep in folders it locks (mode 000), that it alone could open up again
    os.makedirs(f"{folder}/locked-{mark}/inner-{mark}")
    open(f"{folder}/locked-{mark}/inner-{mark}/left-{mark}", "w").write("x")
    os.chmod(f"{folder}/locked-{mark}/inner-{mark}", 0)
    os.chmod(f"{folder}/locked-{mark}", 0)
"""


@pytest.mark.slow
@pytest.mark.parametrize("mechanism", ["pid-namespace", "cgroup-kill", "uid-kill"])
def test_every_escape_ends_with_the_grading_whatever_the_mechanism(tmp_path, monkeypatch,
                                                                    mechanism):
    """A zombie leader, a name that is not UTF-8, pid hopping, a double-forked daemon that
    ignores signals, and files in every shared folder: is nothing left once grading ends,
    with each mechanism on its own (the floor included), and the host's modes unchanged?"""
    if mechanism != "pid-namespace" and os.geteuid() != 0:
        pytest.skip("the cgroup and uid mechanisms are for gradings as root")
    if mechanism == "pid-namespace" and containment.choose_mechanism(os.geteuid() == 0) \
            != "pid-namespace":
        pytest.skip("this host refuses namespaces")
    mark = "attack" + os.urandom(8).hex()
    monkeypatch.setenv("BACKPROP_ATTACK_MARK", mark)
    monkeypatch.setenv("BACKPROP_CONTAINMENT", mechanism)
    # their own modes: a folder another grading has opened for now (a TraversalGrant of
    # the gradings running beside the tests) is left out at either end
    modes = {p: os.stat(p).st_mode for p in
             containment.blocked_ancestors([sys.prefix, sys.base_prefix])
             if p not in containment.TraversalGrant.granted()}
    path = notebook(tmp_path, ESCAPES, "x = 1")
    with Sandbox(path) as sandbox:
        assert [r["status"] for r in sandbox.run_notebook()] == ["ok", "ok"]
        time.sleep(0.5)
        assert len(fixtures.marked_tasks(mark)) >= 4  # they did start
        uid = sandbox.uid
    assert sandbox.containment["mechanism"] == mechanism
    assert sandbox.containment["survivors"] == 0
    assert fixtures.attack_leftovers(mark, wait=0) == []
    assert not sandbox.dir.exists()
    if uid is not None:
        assert containment.live_pids_of_uid(uid) == []
        assert containment.files_of_uid(uid) == []
    granted = containment.TraversalGrant.granted()
    assert {p: os.stat(p).st_mode for p in modes if p not in granted} == \
        {p: m for p, m in modes.items() if p not in granted}


@pytest.mark.slow
def test_the_kernel_cannot_write_more_than_its_disk_limit_to_its_own_folders(tmp_path,
                                                                             monkeypatch):
    """With namespaces, its home and IPython folder (in the sandbox folder, on the host's
    disk) are size-limited like its /tmp: can the kernel write more than the disk limit in
    files each under it?"""
    if containment.choose_mechanism(os.geteuid() == 0) != "pid-namespace":
        pytest.skip("only the namespace gives the kernel private folders")
    monkeypatch.setenv("BACKPROP_DISK_LIMIT_MB", "8")
    path = notebook(tmp_path, "import os\nwritten = 0\n"
                    "for d in (os.environ['HOME'], os.environ['IPYTHONDIR']):\n"
                    "    for k in range(3):\n"
                    "        try:\n"
                    "            with open(f'{d}/fill{k}', 'wb') as f:\n"
                    "                for _ in range(7):\n"
                    "                    f.write(b'x' * 2**20)\n"
                    "                    written += 1\n"
                    "        except OSError:\n"
                    "            pass\n")
    with Sandbox(path, limits_from(None, os.environ)) as sandbox:
        assert [r["status"] for r in sandbox.run_notebook()] == ["ok"]
        written = RemoteEnvironment(sandbox).get("written")
    assert 8 <= written <= 16  # at most the limit in each of the two folders


@pytest.mark.slow
def test_the_kernel_cannot_move_its_folder_or_plant_links_for_root(tmp_path):
    """Can the kernel rename its home away, or put a link where root will look? (Its folder
    sits in one that root owns, and the sockets root connects to are root's.)"""
    if os.geteuid() != 0:
        pytest.skip("only a grading as root has a root to trick")
    path = notebook(tmp_path, "import os\nhere = os.getcwd()\ndef attempt(f):\n    try:\n"
                              "        f()\n        return 'done'\n    except OSError as e:\n"
                              "        return type(e).__name__\n"
                              "moved = attempt(lambda: os.rename(here, here + '-moved'))\n"
                              "ipc = os.path.join(os.path.dirname(here), 'ipc-0')\n"
                              "listed = attempt(lambda: os.listdir(ipc))\n"
                              "swapped = attempt(lambda: os.rename(os.path.join(ipc, 'k-1'),"
                              " os.path.join(ipc, 'x')))")
    with Sandbox(path) as sandbox:
        sandbox.run_notebook()
        env = RemoteEnvironment(sandbox)
        assert env.get("moved") == "PermissionError"
        assert env.get("listed") == "PermissionError"
        assert env.get("swapped") == "PermissionError"


@pytest.mark.slow
def test_timeouts_stop_cells_and_calls_and_grading_goes_on(tmp_path):
    """Is a looping cell stopped, a looping call refused, and the next cell still run?"""
    path = notebook(tmp_path, "while True:\n    pass", "def spin():\n    while True:\n        pass",
                    "done = 1")
    limits = {"cell_timeout": 3, "call_timeout": 2}
    with Sandbox(path, limits) as sandbox:
        reports = sandbox.run_notebook()
        assert [r["status"] for r in reports] == ["timeout", "ok", "ok"]
        env = RemoteEnvironment(sandbox)
        with pytest.raises(StudentError, match="did not return within 2"):
            env.get("spin")()
        assert env.get("done") == 1
        assert "Code cell 1 was stopped" in sandbox.messages[0]


@pytest.mark.slow
def test_output_is_capped(tmp_path):
    """Is a flood of output counted but not kept?"""
    path = notebook(tmp_path, "print('x' * 1_000_000)")
    with Sandbox(path, {"output_limit": 1000}) as sandbox:
        report = sandbox.run_notebook()[0]
    assert len(report["output"]) == 1000 and report["dropped"] >= 999_000


@pytest.mark.slow
def test_total_time_limit_bounds_the_whole_grading(tmp_path):
    """With a 4 s budget, do three looping cells and later requests end within it, promptly?"""
    path = notebook(tmp_path, "while True:\n    pass", "while True:\n    pass", "x = 1")
    start = time.monotonic()
    with Sandbox(path, {"total_timeout": 4, "cell_timeout": 3}) as sandbox:
        reports = sandbox.run_notebook()
        assert reports[0]["status"] == "timeout"
        assert [r["status"] for r in reports][-1] in ("timeout", "skipped")
        assert RemoteEnvironment(sandbox).get("x") is None
    assert time.monotonic() - start < 20


@pytest.mark.slow
def test_a_replay_that_runs_out_of_time_ends_the_grading_cleanly(tmp_path):
    """If a cell that finished once loops when replayed after a restart, does grading stop
    with a note (not an exception), and the later cells count as not run?"""
    # a kernel's files do not outlive it (its home is a private tmpfs), so the cell knows it
    # is replayed by its fresh IPython folder: ipython-0 is the first start's
    path = notebook(tmp_path,
                    "import os\nif not os.environ['IPYTHONDIR'].endswith('ipython-0'):\n"
                    "    while True:\n        pass",
                    "import os\nos.kill(os.getpid(), 9)",
                    "x = 1")
    with Sandbox(path, {"cell_timeout": 3}) as sandbox:
        reports = sandbox.run_notebook()
        assert [r["status"] for r in reports] == ["ok", "error"]
        assert sandbox.dead and "replayed" in sandbox.dead
        assert RemoteEnvironment(sandbox).get("x") is None
    assert any("stopped at code cell 2" in m for m in sandbox.messages)


@pytest.mark.slow
def test_the_note_names_the_total_limit_when_that_stopped_a_cell(tmp_path):
    """Stopped by the notebook's total time, not the cell's, does the note say so?"""
    path = notebook(tmp_path, "while True:\n    pass")
    with Sandbox(path, {"total_timeout": 3, "cell_timeout": 30}) as sandbox:
        sandbox.run_notebook()
    assert any("used up its 3 s in total" in m for m in sandbox.messages), sandbox.messages


@pytest.mark.slow
def test_a_python_installed_under_tmp_still_runs_the_kernel(tmp_path):
    """With the grader's Python in a folder the namespace covers with a private /tmp (a
    clone under /tmp), does the kernel still start and run?"""
    import site
    import subprocess
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    packages = subprocess.run([str(venv / "bin" / "python"), "-c",
                               "import site; print(site.getsitepackages()[0])"],
                              capture_output=True, text=True, check=True).stdout.strip()
    # the new Python finds this one's packages through a .pth file (and this checkout as
    # its working folder)
    Path(packages, "outer.pth").write_text("\n".join(site.getsitepackages()))
    path = notebook(tmp_path, "import numpy\nx = 2")
    code = ("import sys\nfrom autograder.runtime.sandbox import Sandbox, RemoteEnvironment\n"
            f"with Sandbox({str(path)!r}) as s:\n    s.run_notebook()\n"
            "    print(RemoteEnvironment(s).get('x'), s.mechanism)")
    out = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True,
                         text=True, timeout=120, cwd=str(ROOT))
    assert out.stdout.split()[:1] == ["2"], out.stdout + out.stderr


@pytest.mark.slow  # a kernel: the full build's solution check, or a sandbox
def test_a_limit_changed_in_otter_config_reaches_the_kernel(tmp_path, monkeypatch):
    """Change the memory and cell limits in a zip's otter_config.json: does the kernel run
    under that address-space limit, and is a cell stopped after that cell time, both by the
    entry point's path (plugin_limits) and by a Sandbox given no limits at all?"""
    import json

    from autograder.runtime import gradescope_run, policy
    config = json.loads((ROOT / "otter_config.json").read_text())
    policy.plugin_config(config).update({"memory_limit_mb": 1536, "cell_timeout": 2})
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "otter_config.json").write_text(json.dumps(config))
    monkeypatch.setenv("BACKPROP_AUTOGRADER_DIR", str(tmp_path))
    for name in policy.LIMITS:  # the config's values, not a local run's overrides
        monkeypatch.delenv(f"BACKPROP_{name.upper()}", raising=False)
    path = notebook(tmp_path, "import resource\nsoft = resource.getrlimit(resource.RLIMIT_AS)[0]",
                    "import time\ntime.sleep(30)")
    for limits in (gradescope_run.plugin_limits(config), None):
        with Sandbox(path, limits) as sandbox:
            reports = sandbox.run_notebook()
            assert [r["status"] for r in reports] == ["ok", "timeout"]
            assert RemoteEnvironment(sandbox).get("soft") == 1536 * 2**20
        assert "after 2 s" in sandbox.messages[0]


@pytest.mark.slow
def test_the_kernel_sees_the_public_checks_but_not_the_checkout_it_is_graded_from(tmp_path):
    """Grading from a checkout (local grading, `make`'s editable install): can the kernel
    import the public checks a notebook's numbers cell needs (sent by the grader), but
    neither read the reference nor import the hidden tests from the checkout, which it could
    find through the editable install?"""
    if containment.choose_mechanism(os.geteuid() == 0) != "pid-namespace":
        pytest.skip("only a mount namespace can hide a folder the kernel's uid may read")
    from autograder.runtime import policy
    checkout = policy.source_checkout()
    assert checkout == str(ROOT)  # these tests run from the checkout
    reference = ROOT / "solutions" / "matrix_backprop.py"
    assert reference.exists() and os.stat(reference).st_mode & 0o004  # readable by all
    path = notebook(tmp_path, "\n".join([
        "import importlib.util, os",
        "from autograder.student.matrix_backprop import VARIANTS",
        "numbers = VARIANTS.numbers('q1c', 'ada@example.edu')['W'].tolist()",
        "origin = VARIANTS.__class__.__module__",
        "def attempt(what):",
        "    try:",
        "        return str(what())[:200]",
        "    except Exception as e:",
        "        return type(e).__name__",
        f"read = attempt(lambda: open({str(reference)!r}).read())",
        f"listed = attempt(lambda: os.listdir({checkout!r}))",
        "hidden = attempt(lambda: importlib.util.find_spec("  # found, even if it fails
        "'autograder.runtime.questions.matrix_backprop'))"]))
    from autograder.student.matrix_backprop import VARIANTS
    with Sandbox(path) as sandbox:
        sandbox.run_notebook()
        env = RemoteEnvironment(sandbox)
        assert env.get("numbers") == VARIANTS.numbers("q1c", "ada@example.edu")["W"].tolist()
        assert env.get("read") in ("FileNotFoundError", "PermissionError"), env.get("read")
        # nothing of the checkout but the Python install bound back (a venv inside it)
        listed = env.get("listed")
        bound_back = {Path(p).relative_to(checkout).parts[0] for p in policy.python_paths()
                      if Path(p).is_relative_to(checkout) and p != checkout}
        assert listed in ("FileNotFoundError", "PermissionError") or \
            set(ast.literal_eval(listed)) <= bound_back, (listed, bound_back)
        assert env.get("hidden") in ("None", "ModuleNotFoundError"), env.get("hidden")


@pytest.mark.slow
def test_a_grader_running_the_zips_copy_still_hides_the_installed_checkout(tmp_path):
    """``backprop grade`` runs the zip's run_otter.py, which imports the zip's copy of
    ``autograder`` (its own folder comes first on sys.path), while the kernel's Python still
    finds this checkout through its editable install: is that checkout hidden from the
    kernel all the same (neither the hidden tests found nor the reference read), and so are
    the other checkouts of its git repository (``git worktree add``)?"""
    import json
    import subprocess
    if containment.choose_mechanism(os.geteuid() == 0) != "pid-namespace":
        pytest.skip("only a mount namespace can hide a folder the kernel's uid may read")
    # where the kernel's Python finds the package (not necessarily this checkout)
    installed = subprocess.run(
        [sys.executable, "-c", "import os, autograder.runtime.questions as q\n"
         "print(os.path.dirname(os.path.dirname(os.path.dirname(q.__path__[0]))))"],
        capture_output=True, text=True, cwd="/", check=True).stdout.strip()
    if not Path(installed, "solutions").is_dir():
        pytest.skip("the package is installed, not a checkout in editable mode")
    listed = subprocess.run(["git", "-C", installed, "worktree", "list", "--porcelain"],
                            capture_output=True, text=True).stdout.splitlines()
    checkouts = {installed, *(line.split(" ", 1)[1] for line in listed
                              if line.startswith("worktree "))}
    references = [str(Path(c, "solutions", "matrix_backprop.py")) for c in sorted(checkouts)
                  if Path(c, "solutions", "matrix_backprop.py").is_file()]
    source = tmp_path / "source"  # the zip's copy, as run_otter.py finds it
    shutil.copytree(ROOT / "autograder", source / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__", "instructor"))
    shutil.copy(ROOT / "otter_config.json", source)
    path = notebook(tmp_path, "\n".join([
        "import importlib.util",
        "def attempt(what):",
        "    try:",
        "        return str(what())[:200]",
        "    except Exception as e:",
        "        return type(e).__name__",
        "found = attempt(lambda: importlib.util.find_spec("
        "'autograder.runtime.questions.matrix_backprop'))",
        f"read = [attempt(lambda: open(r).read()) for r in {references!r}]"]))
    (source / "grade.py").write_text(
        "import json\nfrom autograder.runtime.sandbox import Sandbox, RemoteEnvironment\n"
        f"with Sandbox({str(path)!r}) as s:\n    s.run_notebook()\n"
        "    env = RemoteEnvironment(s)\n"
        "    print(json.dumps({'found': env.get('found'), 'read': env.get('read')}))")
    out = subprocess.run([sys.executable, str(source / "grade.py")], capture_output=True,
                         text=True, timeout=120, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.splitlines()[-1])
    assert seen["found"] in ("None", "ModuleNotFoundError"), seen["found"]
    assert seen["read"] == ["FileNotFoundError"] * len(references), seen["read"]


def test_the_private_folders_are_every_checkout_of_the_repository_and_the_build_output(
        tmp_path, monkeypatch):
    """Which folders does the kernel's namespace hide on an instructor's machine: the
    checkouts of the grader's git repository (the main one and a `git worktree add` one,
    each with the reference), the build output BACKPROP_DIST names, and never / ?"""
    from autograder.runtime import policy
    main, linked = tmp_path / "main", tmp_path / "linked"
    (main / ".git" / "worktrees" / "linked").mkdir(parents=True)
    (main / ".git" / "worktrees" / "linked" / "gitdir").write_text(f"{linked}/.git\n")
    (main / ".git" / "worktrees" / "linked" / "commondir").write_text("../..\n")
    linked.mkdir()
    (linked / ".git").write_text(f"gitdir: {main}/.git/worktrees/linked\n")
    dist = tmp_path / "dist"
    dist.mkdir()
    for checkout in (main, linked):
        assert set(policy.git_worktrees(str(checkout))) == {str(main / ".git"), str(main),
                                                            str(linked)}
    assert policy.git_worktrees(str(dist)) == []
    monkeypatch.setattr(policy, "source_checkout", lambda: str(linked))
    monkeypatch.setattr(policy, "editable_checkout", lambda: None)
    monkeypatch.setenv("BACKPROP_DIST", str(dist))
    assert set(policy.private_folders()) == {str(main / ".git"), str(main), str(linked),
                                             str(dist)}
    # a checkout that is the virtual environment itself, or /: what holds the reference
    (linked / "solutions").mkdir()
    (linked / "lib").mkdir()
    monkeypatch.setattr(policy, "python_paths", lambda: [str(linked), str(linked / "lib")])
    monkeypatch.setattr(policy, "editable_checkout", lambda: "/")
    hidden = policy.private_folders()
    assert str(linked / "solutions") in hidden and "/" not in hidden
    assert not {str(linked), str(linked / "lib")} & set(hidden)
