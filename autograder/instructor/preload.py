"""A grading worker that imports once and forks a fresh grader for each submission.

``grade_all`` grades each submission with the zip's ``run_otter.py`` (Gradescope's entry
point). Run as a new process each time, most of its CPU goes to importing the grading
modules (otter's test files, jupyter_client, zmq, nbformat, numpy: ~1.5 s of CPU), which
is what kept ``--jobs N`` from scaling with the cores. A :class:`Worker` is one process that
has done those imports; for each submission it forks a child that runs ``run_otter.py`` as
``__main__`` exactly as ``python run_otter.py`` would (its environment, working folder,
``sys.argv`` and ``sys.path[0]``), with its output in a file, and reports its exit status.

Nothing a submission can influence is shared: the child is a copy of a process that has
only imported modules (no socket, no kernel, no file open beyond the pipe to ``grade_all``),
everything the grading does stays in the child and goes with it, and each submission still
gets its own sandbox and kernel, started by the child. The worker itself never runs a
submission's grading, reads only ``grade_all``'s requests, and waits for its children.

Protocol (one JSON object per line): ``{"script", "env", "cwd", "output", "timeout"}`` in,
``{"status": exit status}`` or ``{"timeout": true}`` out.
"""

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from autograder.runtime.kernel_launch import PR_SET_PDEATHSIG, prctl

# what run_otter.py imports, in its light form (otter's package __init__ is not run)
PRELOAD = ("otter.test_files", "otter.test_files.exception_test",
           "otter.run.run_autograder.autograder_config", "nbformat", "numpy",
           "jupyter_client", "autograder.runtime.trusted", "autograder.runtime.written",
           "autograder.runtime.policy")


def preload() -> None:
    """Import what every grading imports (otter the light way, as run_otter.py does)."""
    import importlib

    from autograder.runtime.gradescope_run import import_otter_lightly
    import_otter_lightly()
    for name in PRELOAD:
        importlib.import_module(name)
    # nbformat builds its schema validator at the first read (~0.5 s): build it here, from
    # nbformat's own schema, so that each submission's read finds it ready
    import nbformat
    nbformat.reads(nbformat.writes(nbformat.v4.new_notebook()), as_version=4)


def _forget_shadowed(folder: str) -> None:
    """Drop the preloaded modules that ``folder`` (the script's, sys.path[0]) holds a copy
    of: ``python script`` would import the zip's ``autograder/`` and ``solutions/`` from
    there, not the checkout's that the worker preloaded."""
    for name in list(sys.modules):
        top = name.partition(".")[0]
        if top not in sys.stdlib_module_names and (
                os.path.isdir(os.path.join(folder, top))
                or os.path.isfile(os.path.join(folder, top + ".py"))):
            del sys.modules[name]


def _die_with(worker: int) -> None:
    """End this child when the worker ends (SIGKILL, as the kernel launcher ends with its
    grader): a worker that dies mid-run (a bug, the OOM killer, a kill) must not leave its
    grading going on, unseen, in the folder grade_all then grades again in a new Python."""
    try:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux
        pass
    if os.getppid() != worker:  # the worker died before the line above
        os._exit(1)


def _child(request: dict[str, Any], worker: int) -> None:
    """In the forked child: become ``python run_otter.py`` and run it; never return."""
    code = 1
    try:
        _die_with(worker)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        import tempfile
        tempfile.tempdir = None  # the temporary folder from this environment, as a new Python
        fd = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        os.close(null)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        script = request["script"]
        sys.argv = [script]
        sys.path[0] = os.path.dirname(script)  # for -m it was our working folder
        _forget_shadowed(sys.path[0])
        import runpy
        try:
            runpy.run_path(script, run_name="__main__")
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:  # noqa: BLE001 - reported as the exit status, as Python would
        import traceback
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _wait(pid: int, timeout: float) -> int | None:
    """The child's exit status, or None if it ran out of time (it is then killed)."""
    deadline = time.monotonic() + timeout
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return None
            if pidfd is not None:
                select.select([pidfd], [], [], left)
            else:
                time.sleep(min(left, 0.05))
    finally:
        if pidfd is not None:
            os.close(pidfd)


def serve() -> None:
    """The worker's loop: one request per line on stdin, one reply per line on stdout."""
    # Ctrl-C reaches the whole process group: it interrupts the grading child (which
    # restores Python's handler), while the worker lives on to report it; a worker killed by
    # it would have its job grade the submission again, from the start, in a new Python
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    preload()
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        request = json.loads(line)
        out.flush()
        worker = os.getpid()
        pid = os.fork()
        if pid == 0:
            _child(request, worker)
        status = _wait(pid, float(request["timeout"]))
        out.write(json.dumps({"timeout": True} if status is None else {"status": status})
                  + "\n")
        out.flush()


# seconds a worker may take to say "ready" (its imports take a second or two of CPU): one
# whose imports hang is killed, and its job grades in a new Python, rather than waiting
START_TIMEOUT = 120


class WorkerGone(RuntimeError):
    """The worker process has ended: its submission must be graded some other way."""


class Worker:
    """A preloaded worker process; :meth:`run` grades one submission in a fresh fork."""

    def __init__(self, env: dict[str, str] | None = None):
        """``env``: the worker's own environment (default: this process's); each script it
        runs gets the environment its request names."""
        self.proc = subprocess.Popen([sys.executable, "-m", "autograder.instructor.preload"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=env)
        import threading
        give_up = threading.Timer(START_TIMEOUT, self.proc.kill)
        give_up.daemon = True
        give_up.start()
        try:
            ready = self.proc.stdout.readline().strip() == "ready"
        finally:
            give_up.cancel()
        if not ready:
            self.close()
            raise RuntimeError("the grading worker did not start")

    def run(self, script: str | Path, env: dict[str, str], cwd: str | Path,
            timeout: float) -> tuple[int, str]:
        """Run ``script`` as ``python script`` would, in a fork; return (exit status, its
        output). Raises ``subprocess.TimeoutExpired`` after ``timeout`` seconds (the child
        is killed) and :class:`WorkerGone` if the worker is gone."""
        output = Path(cwd) / ".grader-output"
        request = {"script": str(script), "env": dict(env), "cwd": str(cwd),
                   "output": str(output), "timeout": timeout}
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            reply = self.proc.stdout.readline()
        except (BrokenPipeError, OSError) as e:
            raise WorkerGone(f"the grading worker is gone ({e})") from None
        if not reply:
            raise WorkerGone("the grading worker is gone")
        text = output.read_text(errors="replace") if output.exists() else ""
        answer = json.loads(reply)
        if answer.get("timeout"):
            raise subprocess.TimeoutExpired([str(script)], timeout, output=text)
        return answer["status"], text

    def close(self) -> None:
        """End the worker (it exits when its input closes)."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


if __name__ == "__main__":
    serve()
