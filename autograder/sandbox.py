"""Run a student's notebook in a kernel that cannot see the grader, with time and output limits.

:class:`Sandbox` starts an IPython kernel in a fresh directory that holds only a copy of the
notebook. Run as root (as on Gradescope), the kernel runs as a fresh unprivileged uid with a scrubbed environment, so it cannot read the hidden tests, the reference
solutions or the grader's results. Each cell and each call has a time limit; a cell that
runs out is interrupted (and, if it will not stop, the kernel is restarted and the cells
that had finished are replayed), and the grading goes on. Output is read and discarded
beyond a cap. When grading ends every process the kernel started is killed.

The kernel answers :class:`RemoteEnvironment` look-ups with plain data (:mod:`autograder.wire`).
"""

import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import zmq
from jupyter_client import KernelManager

from autograder import wire

DEFAULT_LIMITS = {
    "cell_timeout": 60,      # seconds for one cell of the notebook
    "call_timeout": 10,      # seconds for one call of a student function by a test
    "total_timeout": 600,    # seconds for the whole submission, tests included
    "output_limit": 100_000, # characters of output kept per cell (the rest is counted)
}
MAX_RESTARTS = 3
MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # a larger message from the kernel is dropped by zmq
SANDBOX_UID_BASE, SANDBOX_UID_SPAN = 200_000, 800_000  # uids no account uses

# A stand-in for otter in the kernel: the student's `grader.check(...)` and `grader.export()`
# calls do nothing during grading (the checks run here, in the grading process).
OTTER_STUB = r'''
import sys as _sys, types as _types
class _GraderStub:
    def __init__(self, *args, **kwargs): pass
    def __getattr__(self, name): return lambda *args, **kwargs: None
_otter = _types.ModuleType("otter")
_otter.Notebook = _GraderStub
_sys.modules["otter"] = _otter
del _sys, _types, _GraderStub, _otter
'''


class SandboxTimeout(Exception):
    """A cell or a call ran out of time."""


class StudentError(Exception):
    """The student's function raised; carries its type name and message (student text)."""

    def __init__(self, error, message):
        super().__init__(f"{error}: {message}" if message else error)
        self.error, self.message = error, message


class KernelGone(Exception):
    """The kernel died or could not be restarted."""


def _make_traversable(paths):
    """Let other users pass through (not list) the folders leading to the Python install.

    Only used as root, where the kernel runs as an unprivileged uid: a Python under /root (pyenv,
    Gradescope's miniforge) is otherwise out of its reach. Nothing becomes readable that
    was not already readable to anyone who knew its name.
    """
    for path in paths:
        path = Path(path).resolve()
        for folder in [path, *path.parents] if path.is_dir() else list(path.parents):
            mode = folder.stat().st_mode
            if not mode & 0o001:
                os.chmod(folder, (mode & 0o7777) | 0o001)


def _sandbox_ids():
    """(uid, gid) to run the kernel as, or None to run it as ourselves (when not root).

    As root, a fresh unprivileged uid of its own for each sandbox (no account needed), so
    that concurrent gradings cannot touch each other and every process the student started
    can be found by its uid and killed.
    """
    if os.geteuid() != 0:
        return None
    in_use = set()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                in_use.add(proc.stat().st_uid)
            except OSError:
                pass
    while True:
        uid = SANDBOX_UID_BASE + secrets.randbelow(SANDBOX_UID_SPAN)
        if uid not in in_use:
            return uid, uid


class Sandbox:
    """An IPython kernel running a student's notebook under limits.

    Use as a context manager; :meth:`run_notebook` executes the code cells in order and
    returns a list of per-cell reports; :meth:`request` asks the kernel for plain data.
    """

    def __init__(self, notebook_path, limits=None):
        self.limits = {**DEFAULT_LIMITS, **(limits or {})}
        self.deadline = time.monotonic() + self.limits["total_timeout"]
        self.ids = _sandbox_ids()
        self.dir = Path(tempfile.mkdtemp(prefix="backprop-sandbox-"))
        self.marker = secrets.token_hex(8)
        self.nonce = secrets.token_hex(16)
        nb_copy = self.dir / "submission.ipynb"
        shutil.copyfile(notebook_path, nb_copy)
        self.cells = [c.source for c in
                      nbformat.read(str(nb_copy), as_version=4).cells if c.cell_type == "code"]
        self.finished = []     # indexes of cells that ran to the end (for replay)
        self.km = self.kc = None
        self.messages = []     # what a student should know about the run (timeouts...)
        self.restarts = 0
        self.dead = None       # why the sandbox gave up (then every request fails at once)
        # the connection file lives where the student cannot plant links: a folder of ours
        self.conn_dir = Path(tempfile.mkdtemp(prefix="backprop-conn-"))
        self.zmq_context = zmq.Context()
        self.zmq_context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        if self.ids:
            os.chmod(self.conn_dir, 0o711)  # the kernel may open its file, not list the folder
        if self.ids:  # before any student code runs: nothing here can be a planted link
            import site
            import sysconfig
            _make_traversable([sys.executable, sys.prefix, sys.base_prefix,
                               *site.getsitepackages(), sysconfig.get_paths()["stdlib"]])
            for p in (self.dir, nb_copy):
                os.chown(p, *self.ids, follow_symlinks=False)
            os.chmod(self.dir, 0o700)

    # ------------------------------------------------------------------ kernel life
    def __enter__(self):
        self._start()
        return self

    def __exit__(self, *exc):
        self.close()

    def _env(self):
        home = str(self.dir)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": home, "IPYTHONDIR": os.path.join(home, ".ipython"),
            "MPLCONFIGDIR": os.path.join(home, ".mpl"), "MPLBACKEND": "Agg",
            "JUPYTER_RUNTIME_DIR": os.path.join(home, ".runtime"),
            "LANG": "C.UTF-8", "PYTHONNOUSERSITE": "1",
            "BACKPROP_SANDBOX": self.marker,
        }
        return env

    def _start(self):
        shutil.rmtree(self.dir / ".ipython", ignore_errors=True)  # no startup files planted
        if (self.dir / ".ipython").is_symlink():
            (self.dir / ".ipython").unlink()
        connection_file = self.conn_dir / f"kernel-{self.restarts}.json"
        # ipc sockets inside the sandbox folder (mode 700): no other uid can reach the kernel
        km = KernelManager(kernel_name="python3", transport="ipc",
                           ip=str(self.dir / f".k{self.restarts}"),
                           connection_file=str(connection_file))
        kwargs = {"cwd": str(self.dir), "env": self._env(),
                  "stdout": open(os.devnull, "wb"), "stderr": open(os.devnull, "wb")}
        if self.ids:
            launcher = str(Path(__file__).with_name("kernel_launch.py"))
            km.kernel_spec.argv = [sys.executable, "-I", launcher, str(self.ids[0]),
                                   str(self.ids[1]), "{connection_file}"]
        km.start_kernel(**kwargs)
        kc = km.client(context=self.zmq_context)
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=min(60, max(self._remaining(), 5)))
        except RuntimeError as e:
            km.shutdown_kernel(now=True)
            raise KernelGone(f"the Python kernel did not start: {e}") from None
        self.km, self.kc = km, kc
        self._execute(OTTER_STUB, timeout=30)

    def close(self):
        """Stop the kernel and kill every process it started; remove its directory."""
        self._shutdown()
        shutil.rmtree(self.dir, ignore_errors=True)
        shutil.rmtree(self.conn_dir, ignore_errors=True)
        self.zmq_context.destroy(linger=0)

    def _shutdown(self):
        """Stop the kernel and kill every process it started."""
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:
                pass
        self.km = self.kc = None
        self._kill_strays()

    def _kill_strays(self):
        """Kill every process left by the kernel: same uid (when sandboxed) or our marker.

        Passes repeat until one finds nothing, so a process that forks while we kill it
        does not survive.
        """
        me = os.getpid()
        for _ in range(20):
            found = 0
            for proc in Path("/proc").iterdir():
                if not proc.name.isdigit() or int(proc.name) == me:
                    continue
                try:
                    ours = self.ids and proc.stat().st_uid == self.ids[0]
                    if not ours:
                        environ = (proc / "environ").read_bytes()
                        ours = f"BACKPROP_SANDBOX={self.marker}".encode() in environ
                    state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
                    if ours and state != "Z":
                        os.kill(int(proc.name), signal.SIGKILL)
                        found += 1
                except (OSError, ProcessLookupError, IndexError):
                    continue
            if not found:
                return
            time.sleep(0.05)

    def _restart(self):
        """Replace a kernel that will not stop, and replay the cells that had finished.

        At most MAX_RESTARTS times, and never past the deadline: after that the sandbox is
        dead and every later request fails at once.
        """
        self.restarts += 1
        if self.restarts > MAX_RESTARTS or self._remaining() <= 0:
            self.dead = (f"the kernel had to be restarted {self.restarts - 1} times"
                         if self.restarts > MAX_RESTARTS else
                         f"the notebook used up its {self.limits['total_timeout']:g} s")
            self._shutdown()
            raise KernelGone(self.dead)
        self._shutdown()
        try:
            self._start()
        except KernelGone as e:
            self.dead = str(e)
            raise
        for i in list(self.finished):
            self._execute(self.cells[i], timeout=self.limits["cell_timeout"])

    # ------------------------------------------------------------------ execution
    def _remaining(self):
        return self.deadline - time.monotonic()

    def _execute(self, code, timeout):
        """Run code in the kernel; return (status, outputs, probe replies) or raise SandboxTimeout.

        Output beyond the cap is read and dropped, so a flood cannot exhaust memory.
        """
        if self.dead:
            raise KernelGone(self.dead)
        if self._remaining() <= 0:
            raise SandboxTimeout(0)
        timeout = min(timeout, self._remaining())
        msg_id = self.kc.execute(code, store_history=False, allow_stdin=False)
        end = time.monotonic() + timeout
        kept, dropped, replies, status = [], 0, [], None
        cap = self.limits["output_limit"]
        size = 0
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise SandboxTimeout(timeout)
            try:
                msg = self.kc.get_iopub_msg(timeout=min(left, 1.0))
            except Exception:  # queue.Empty: nothing yet
                if not self.km.is_alive():
                    raise KernelGone("the kernel died") from None
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "status" and content.get("execution_state") == "idle":
                break
            if kind == "display_data" and wire.MIME in content.get("data", {}):
                data = content["data"][wire.MIME]
                if isinstance(data, dict) and data.get("nonce") == self.nonce:
                    reply = data.get("reply")
                    # keep one reply at most, and none too large to parse safely
                    replies[:] = [reply] if isinstance(reply, str) and \
                        len(reply) <= wire.MAX_TEXT else []
                continue
            if kind == "stream":
                text = content.get("text", "")
            elif kind == "error":
                status = "error"
                text = f"{content.get('ename')}: {content.get('evalue')}"
            elif kind in ("display_data", "execute_result"):
                text = str(content.get("data", {}).get("text/plain", ""))
            else:
                continue
            cap = int(cap)
            if size < cap:
                kept.append(text[:cap - size])
            size += len(text)
            dropped = max(0, size - cap)
        return status or "ok", "".join(kept), dropped, replies

    def _interrupt(self):
        """Interrupt the running code; restart the kernel if it does not stop in 5 s."""
        if self.dead:
            return
        self.km.interrupt_kernel()
        try:
            self._execute("pass", timeout=5)
        except (SandboxTimeout, KernelGone):
            self._restart()

    def run_notebook(self):
        """Execute every code cell in order under the limits; return one report per cell.

        A report: {"cell": n (1-based), "status": "ok" | "error" | "timeout" | "skipped",
        "output": kept text, "dropped": characters not kept}.
        """
        reports = []
        for i, source in enumerate(self.cells):
            n = i + 1
            if self._remaining() <= 0:
                reports.append({"cell": n, "status": "skipped", "output": "", "dropped": 0})
                self.messages.append(f"Code cell {n} and later were not run: the notebook "
                                     f"used up its {self.limits['total_timeout']} s.")
                break
            try:
                status, output, dropped, _ = self._execute(source, self.limits["cell_timeout"])
                self.finished.append(i)
            except SandboxTimeout:
                status, output, dropped = "timeout", "", 0
                self.messages.append(f"Code cell {n} was stopped after "
                                     f"{self.limits['cell_timeout']:g} s (time limit); the "
                                     "cells after it still ran.")
                try:
                    self._interrupt()
                except KernelGone:
                    pass
            except KernelGone:
                status, output, dropped = "error", "", 0
                self.messages.append(f"The kernel died while running code cell {n}; it was "
                                     "restarted and the cells before it replayed.")
                try:
                    self._restart()
                except KernelGone:
                    pass
            if self.dead:
                reports.append({"cell": n, "status": status, "output": output,
                                "dropped": dropped})
                self.messages.append(f"Grading of the notebook stopped at code cell {n}: "
                                     f"{self.dead}.")
                break
            reports.append({"cell": n, "status": status, "output": output, "dropped": dropped})
        return reports

    def request(self, request):
        """Ask the kernel for a value or a call (see wire.KERNEL_SOURCE); return its reply dict."""
        code = (wire.KERNEL_SOURCE + f"\n__backprop_wire__({json.dumps(json.dumps(request))}, "
                f"{json.dumps(self.nonce)})\ndel __backprop_wire__\n")
        timeout = self.limits["call_timeout"]
        try:
            _, _, _, replies = self._execute(code, timeout)
        except SandboxTimeout:
            self._interrupt()
            raise
        except KernelGone:
            self._restart()
            raise
        if not replies:
            raise KernelGone("the kernel sent no reply")
        reply = wire.loads_reply(replies[-1])
        if not isinstance(reply, dict):
            raise wire.WireError("malformed reply")
        return reply


class RemoteFunction:
    """A student's function living in the sandboxed kernel; calling it sends plain data."""

    def __init__(self, sandbox, name):
        self._sandbox, self.__name__ = sandbox, name

    def call_recording_warnings(self, *args):
        """Call the function; return (decoded result, list of warning strings)."""
        try:
            reply = self._sandbox.request(
                {"op": "call", "name": self.__name__, "args": [wire.encode(a) for a in args]})
        except SandboxTimeout:
            raise StudentError("Timeout", f"it did not return within "
                               f"{self._sandbox.limits['call_timeout']} s") from None
        except KernelGone as e:
            raise StudentError("KernelDied", str(e)) from None
        warnings = [str(w) for w in reply.get("warnings", [])][:20]
        if not reply.get("ok"):
            raise StudentError(str(reply.get("error", "Error"))[:100],
                               str(reply.get("message", ""))[:500])
        return wire.decode(reply["value"]), warnings

    def __call__(self, *args):
        return self.call_recording_warnings(*args)[0]

    def __repr__(self):
        return f"<function {self.__name__} (in the student's kernel)>"


class RemoteEnvironment:
    """The student's global namespace, read through the kernel as plain data.

    Only ``get`` exists (it is all otter's test runner uses); a function comes back as a
    :class:`RemoteFunction`, a missing name as the default.
    """

    def __init__(self, sandbox):
        self.sandbox = sandbox

    def get(self, name, default=None):
        try:
            reply = self.sandbox.request({"op": "get", "name": name})
        except (SandboxTimeout, KernelGone):
            return default
        if not reply.get("ok"):
            return default
        node = reply.get("value")
        if isinstance(node, dict) and node.get("t") == "missing":
            return default
        value = wire.decode(node)
        if isinstance(value, wire.FunctionName):
            return RemoteFunction(self.sandbox, name)
        return value
