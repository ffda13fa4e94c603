"""Does the kernel boundary hold: plain data only, limits enforced, nothing left running?"""

import os
import time

import nbformat
import numpy as np
import pytest

from autograder import wire
from autograder.otter_plugin import limits_from
from autograder.sandbox import RemoteEnvironment, Sandbox, StudentError


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
    {"t": "int", "v": True},
])
def test_wire_refuses_malformed_or_foreign_data(node):
    """Is anything but tagged plain data refused by the grading process?"""
    with pytest.raises((wire.WireError, KeyError, TypeError, ValueError)):
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


def test_values_and_calls_cross_as_plain_data(tmp_path):
    """Are globals read as data, functions called by name, and errors reported as text?"""
    path = notebook(tmp_path, "import numpy as np\nA = np.eye(2)\nclass C: pass\nobj = C()",
                    "def f(x):\n    return x * 2\ndef echo(*args):\n    return list(args)\ndef boom(x):\n    raise ValueError('no')")
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


def test_kernel_cannot_read_the_graders_files(tmp_path):
    """As root, does the kernel run as another uid that cannot read a root-only file?"""
    if os.geteuid() != 0:
        pytest.skip("the kernel runs as this user when not root")
    secret = tmp_path / "secret.txt"
    secret.write_text("hidden")
    os.chmod(secret, 0o600)
    path = notebook(tmp_path, f"import os\nuid = os.getuid()\ntry:\n    s = open({str(secret)!r}).read()\n"
                              "except OSError as e:\n    s = type(e).__name__")
    with Sandbox(path) as sandbox:
        sandbox.run_notebook()
        env = RemoteEnvironment(sandbox)
        assert env.get("uid") != 0
        assert env.get("s") == "PermissionError"
        assert sandbox.km.transport == "ipc"  # no TCP port another uid could listen to


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


def test_output_is_capped(tmp_path):
    """Is a flood of output counted but not kept?"""
    path = notebook(tmp_path, "print('x' * 1_000_000)")
    with Sandbox(path, {"output_limit": 1000}) as sandbox:
        report = sandbox.run_notebook()[0]
    assert len(report["output"]) == 1000 and report["dropped"] >= 999_000


def test_processes_left_behind_are_killed(tmp_path):
    """Is a detached process started by the notebook gone once grading ends?"""
    path = notebook(tmp_path, "import subprocess, sys\n"
                              "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'],"
                              " start_new_session=True)\npid = p.pid")
    with Sandbox(path) as sandbox:
        sandbox.run_notebook()
        pid = RemoteEnvironment(sandbox).get("pid")
        assert alive(pid)
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid)


def alive(pid):
    """Whether a process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


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
