"""Does a preloaded grading worker run a script as a new Python would, with nothing of one
submission's grading reaching the next?"""

import json
import os
import subprocess
import sys

import pytest

from autograder.instructor import preload

PROBE = r'''
import json, os, sys
import numpy
state = {"argv": sys.argv, "cwd": os.getcwd(), "path0": sys.path[0],
         "mark": os.environ.get("MARK"), "name": __name__,
         "leak": getattr(numpy, "LEAKED", None), "env_leak": os.environ.get("LEAKED")}
numpy.LEAKED = os.environ.get("MARK")  # a preloaded module changed by this run
os.environ["LEAKED"] = "yes"
print(json.dumps(state))
print("to stderr", file=sys.stderr)
sys.exit(int(os.environ.get("STATUS", "0")))
'''


@pytest.fixture(scope="module")
def worker():
    w = preload.Worker()
    yield w
    w.close()


def probe(tmp_path, name="probe.py"):
    script = tmp_path / "source" / name
    script.parent.mkdir(exist_ok=True)
    script.write_text(PROBE)
    return script


def run_alone(script, env, cwd):
    proc = subprocess.run([sys.executable, str(script)], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout + proc.stderr


def test_a_script_runs_as_in_a_new_python(worker, tmp_path):
    """Do argv, the working folder, sys.path[0], the environment, __name__, the output and
    the exit status match those of ``python script``?"""
    script = probe(tmp_path)
    env = {**os.environ, "MARK": "one", "STATUS": "3"}
    status, output = worker.run(script, env, tmp_path, timeout=60)
    alone_status, alone_output = run_alone(script, env, tmp_path)
    assert (status, output) == (alone_status, alone_output) == (3, output)
    state = json.loads(output.splitlines()[0])
    assert state["path0"] == str(script.parent) and state["name"] == "__main__"
    assert "to stderr" in output


def test_nothing_one_run_changes_reaches_the_next(worker, tmp_path):
    """A run that changes a preloaded module and the environment: does the next run in the
    same worker start from the untouched preloaded state?"""
    script = probe(tmp_path)
    for mark in ("first", "second"):
        _, output = worker.run(script, {**os.environ, "MARK": mark}, tmp_path, timeout=60)
        state = json.loads(output.splitlines()[0])
        assert state["mark"] == mark and state["leak"] is None and state["env_leak"] is None


def test_a_script_past_its_time_is_killed_and_the_worker_goes_on(worker, tmp_path):
    script = tmp_path / "slow.py"
    script.write_text("import time\nprint('started', flush=True)\ntime.sleep(600)\n")
    with pytest.raises(subprocess.TimeoutExpired) as caught:
        worker.run(script, dict(os.environ), tmp_path, timeout=1)
    assert "started" in caught.value.output
    status, output = worker.run(probe(tmp_path), {**os.environ, "MARK": "after"}, tmp_path,
                                timeout=60)
    assert status == 0 and json.loads(output.splitlines()[0])["mark"] == "after"


def test_a_worker_that_is_gone_says_so(tmp_path):
    """Is a dead worker reported as WorkerGone (grade_all then starts a new Python)?"""
    w = preload.Worker()
    w.proc.kill()
    w.proc.wait()
    with pytest.raises(preload.WorkerGone):
        w.run(probe(tmp_path), dict(os.environ), tmp_path, timeout=60)
    w.close()


def test_the_worker_preloads_what_grading_imports_and_otter_lightly():
    """Has the worker imported what grading needs, and otter the light way (no API)?"""
    code = ("import sys; from autograder.instructor import preload; preload.preload(); "
            "print(all(m in sys.modules for m in preload.PRELOAD), "
            "'otter.api' in sys.modules, 'otter.assign' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120).stdout.split()
    assert out == ["True", "False", "False"]


SHADOW = r'''
import json, autograder.runtime.trusted, autograder.runtime.policy
print(json.dumps([autograder.runtime.trusted.__file__, autograder.runtime.policy.__file__,
                  getattr(autograder.runtime.trusted, "FROM_ZIP", None)]))
'''


def test_the_zips_grading_code_runs_not_the_workers_preloaded_copy(worker, tmp_path):
    """run_otter.py in a new Python imports the grading code shipped in the zip (source/
    is sys.path[0]); does a worker's fork import that same code, and not the copy the
    worker preloaded from the checkout (a zip built from other code would grade otherwise
    than on Gradescope, and than its autograder_sha256 says)?"""
    import shutil

    import autograder
    source = tmp_path / "source"
    shutil.copytree(os.path.dirname(autograder.__file__), source / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__"))
    trusted = source / "autograder" / "runtime" / "trusted.py"
    trusted.write_text(trusted.read_text() + "\nFROM_ZIP = True\n")
    script = source / "run.py"
    script.write_text(SHADOW)
    env = dict(os.environ)
    status, output = worker.run(script, env, tmp_path, timeout=60)
    alone_status, alone_output = run_alone(script, env, tmp_path)
    assert alone_status == 0 and json.loads(alone_output)[2] is True  # the premise
    assert (status, json.loads(output)) == (0, json.loads(alone_output))


def test_a_worker_that_dies_takes_its_grading_child_with_it(tmp_path):
    """A worker killed mid-run (by a bug, the OOM killer or an instructor's kill): does
    its grading child end too, rather than go on grading, unseen, into the folder that
    grade_all then grades again in a new Python?"""
    import threading
    import time
    script = tmp_path / "source" / "slow.py"
    script.parent.mkdir()
    script.write_text("import os, time\n"
                      "open('child.pid', 'w').write(str(os.getpid()))\n"
                      "time.sleep(20)\n"
                      "open('late', 'w').write('still grading')\n")
    w = preload.Worker()
    gone = []

    def run():
        try:
            w.run(script, dict(os.environ), tmp_path, timeout=60)
        except preload.WorkerGone:
            gone.append(True)
    thread = threading.Thread(target=run)
    thread.start()
    pid_file = tmp_path / "child.pid"
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    child = int(pid_file.read_text())
    w.proc.kill()
    thread.join(30)
    w.close()
    deadline = time.monotonic() + 5
    alive = True
    while alive and time.monotonic() < deadline:
        try:
            os.kill(child, 0)
            time.sleep(0.05)
        except ProcessLookupError:
            alive = False
    if alive:  # leave nothing behind
        os.kill(child, 9)
    assert gone == [True] and not alive
