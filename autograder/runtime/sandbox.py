"""Run a student's notebook in a kernel that cannot see the grader, with time and output limits.

:class:`Sandbox` starts an IPython kernel in a fresh directory that holds only a copy of the
notebook. Run as root (as on Gradescope), the kernel runs as a fresh unprivileged uid with a scrubbed environment, so it cannot read the hidden tests, the reference
solutions or the grader's results. Each cell and each call has a time limit; a cell that
runs out is interrupted (and, if it will not stop, the kernel is restarted and the cells
that had finished are replayed), and the grading goes on. Output is read and discarded
beyond a cap. When grading ends every process the kernel started is killed.

The kernel answers :class:`RemoteEnvironment` look-ups with plain data (:mod:`autograder.runtime.wire`).
"""

import json
import os
import secrets
import signal
import stat
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import zmq
from jupyter_client import KernelManager

from autograder.runtime import containment, wire

DEFAULT_LIMITS = {
    "cell_timeout": 60,      # seconds for one cell of the notebook
    "call_timeout": 10,      # seconds for one call of a student function by a test
    "total_timeout": 600,    # seconds for the whole submission, tests included
    "output_limit": 100_000, # characters of output kept per cell (the rest is counted)
    "memory_limit_mb": 4096, # memory of the whole submission (cgroup), and per process
    "process_limit": 128,    # processes and threads of the whole submission
    "disk_limit_mb": 512,    # largest file; size of the private /tmp, /var/tmp, /dev/shm
    "cpu_limit": 1,          # cores the whole submission may use at once (cgroup)
}
def limits_from(plugin_config, environ):
    """Time and output limits: the plugin's config, overridden by BACKPROP_<NAME> variables.

    The variables are the grader's own environment (the kernel never sees them), so an
    instructor can shorten or lengthen limits for a local run without rebuilding the zip.
    """
    limits = {k: float(v) for k, v in (plugin_config or {}).items() if k in DEFAULT_LIMITS}
    for key in DEFAULT_LIMITS:
        value = environ.get(f"BACKPROP_{key.upper()}")
        if value:
            limits[key] = float(value)
    return limits


MAX_RESTARTS = 3
# What the grading process will hold of the kernel's messages: zmq queues up to RCVHWM
# messages per socket before anyone reads them, each up to MAXMSGSIZE (a larger one drops the
# connection). A kernel that floods its channels (faster than they are read and parsed) could
# otherwise make the root grading process hold 1000 x 64 MB per socket and be killed for it.
MAX_MESSAGE_BYTES = 4 * 1024 * 1024     # iopub: output and replies (wire.MAX_TEXT is less)
MAX_QUEUED_MESSAGES = 1000             # iopub: zmq's default; fewer would drop the "idle" that ends a cell
MAX_CONTROL_BYTES = 4 * 1024 * 1024    # shell, control, stdin, heartbeat: small replies
MAX_CONTROL_QUEUED = 4


class BoundedContext(zmq.Context):
    """A zmq context whose sockets to the kernel queue a bounded number of bounded messages:
    what a kernel sends beyond that is dropped (its own loss), never held by the grader."""

    def socket(self, socket_type, *args, **kwargs):
        sock = super().socket(socket_type, *args, **kwargs)
        iopub = socket_type == zmq.SUB
        sock.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES if iopub else MAX_CONTROL_BYTES)
        sock.setsockopt(zmq.RCVHWM, MAX_QUEUED_MESSAGES if iopub else MAX_CONTROL_QUEUED)
        return sock

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
def _in_pieces(flush_buffers):
    # one print of 30 MB would be one message, over what the grader accepts (it would drop
    # the connection): output goes out in pieces, and the grader's cap keeps what it keeps
    def flush_buffers_in_pieces(self, size=256 * 1024):
        for parent, data in flush_buffers(self):
            for start in range(0, max(len(data), 1), size):
                yield parent, data[start:start + size]
    return flush_buffers_in_pieces
from ipykernel.iostream import OutStream as _OutStream
_OutStream._flush_buffers = _in_pieces(_OutStream._flush_buffers)
del _sys, _types, _GraderStub, _otter, _in_pieces, _OutStream
'''


WIRE_MODULE = (
    "import sys as _sys, types as _types\n"
    "_wire = _types.ModuleType('__backprop_wire__')\n"
    f"exec({wire.KERNEL_SOURCE!r}, _wire.__dict__)\n"
    "_sys.modules['__backprop_wire__'] = _wire\n"
    "del _sys, _types, _wire\n")


class SandboxTimeout(Exception):
    """A cell or a call ran out of time."""


class StudentError(Exception):
    """The student's function raised; carries its type name and message (student text)."""

    def __init__(self, error, message):
        super().__init__(f"{error}: {message}" if message else error)
        self.error, self.message = error, message


class KernelGone(Exception):
    """The kernel died or could not be restarted."""


def clean_text(text) -> str:
    """Student text made safe to store: valid UTF-8 (lone surrogates become U+FFFD)."""
    return str(text).encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _python_paths():
    """What the kernel must reach of the Python install (its interpreter and packages)."""
    import site
    import sysconfig
    paths = {sys.prefix, sys.base_prefix, *site.getsitepackages(),
             sysconfig.get_paths()["stdlib"], os.path.dirname(os.path.realpath(sys.executable)),
             # package folders a .pth file adds (never other sys.path entries, such as the
             # zip's files/ with the reference, or a checkout of this repository)
             *(p for p in sys.path
               if os.path.basename(p.rstrip("/")) in ("site-packages", "dist-packages"))}
    return sorted(p for p in paths if os.path.isdir(p))


class Sandbox:
    """An IPython kernel running a student's notebook under limits.

    Use as a context manager; :meth:`run_notebook` executes the code cells in order and
    returns a list of per-cell reports; :meth:`request` asks the kernel for plain data.
    ``containment`` says, for the results, which mechanism and limits held.

    The sandbox folder (``self.dir``) is root-owned (mode 711) and holds the kernel's home
    (the only folder the kernel may write), a fresh IPython folder and a fresh socket folder
    per kernel start, and the connection files. The kernel cannot rename or replace any of
    them, so root never acts on a path the submission can change.
    """

    def __init__(self, notebook_path, limits=None):
        self.limits = {**DEFAULT_LIMITS, **(limits or {})}
        self.deadline = time.monotonic() + self.limits["total_timeout"]
        self.as_root = os.geteuid() == 0
        self.mechanism = containment.choose_mechanism(self.as_root)
        self.uid = containment.pick_sandbox_uid() if self.as_root else None
        self.marker = secrets.token_hex(8)
        self.nonce = secrets.token_hex(16)
        self.cells = [c.source for c in
                      nbformat.read(str(notebook_path), as_version=4).cells
                      if c.cell_type == "code"]
        self.finished = []     # indexes of cells that ran to the end (for replay)
        self.km = self.kc = None
        self.init_pid = self.namespace = None
        self.messages = []     # what a student should know about the run (timeouts...)
        self.restarts = 0
        self.dead = None       # why the sandbox gave up (then every request fails at once)
        self.dir = Path(tempfile.mkdtemp(prefix="backprop-sandbox-"))
        os.chmod(self.dir, 0o711)
        self.home = self.dir / "home"
        self._make_dir(self.home, owner=self.uid)
        self.group = containment.ResourceGroup(self.limits, self.as_root)
        blocked = containment.blocked_ancestors(_python_paths()) if self.as_root else []
        # what the kernel needs of the Python install is bound back into its namespace even
        # where a private tmpfs covers it (a clone under /tmp) or a folder others may not pass
        self.expose = {"blocked": blocked, "paths": _python_paths()}
        self.grant = containment.TraversalGrant(
            blocked if self.mechanism != "pid-namespace" else [])
        self.grant.__enter__()
        self.zmq_context = BoundedContext()
        self.containment = {"mechanism": self.mechanism,
                            "limits": [*self.group.applied, "rlimits"],
                            "survivors": 0}

    def _make_dir(self, path, owner=None, mode=0o700):
        """A fresh folder inside our root-owned sandbox folder, optionally given to ``owner``."""
        os.mkdir(path, mode)
        os.chmod(path, mode)
        if owner is not None:
            os.chown(path, owner, owner, follow_symlinks=False)

    # ------------------------------------------------------------------ kernel life
    def __enter__(self):
        try:
            self._start(connect=False)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def _env(self):
        home = str(self.home)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": home, "IPYTHONDIR": str(self.dir / f"ipython-{self.restarts}"),
            "MPLCONFIGDIR": os.path.join(home, ".mpl"), "MPLBACKEND": "Agg",
            "JUPYTER_RUNTIME_DIR": os.path.join(home, ".runtime"),
            "LANG": "C.UTF-8", "PYTHONNOUSERSITE": "1",
            # one thread per library: a submission's CPU use stays its own kernel's
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "BACKPROP_SANDBOX": self.marker,
        }
        if os.environ.get("BACKPROP_ATTACK_MARK"):  # set only by the tests' attack fixtures
            env["BACKPROP_ATTACK_MARK"] = os.environ["BACKPROP_ATTACK_MARK"]
        return env

    def _launch_spec(self, connection_file):
        rlimits = {"RLIMIT_AS": int(self.limits["memory_limit_mb"]) * 1024 * 1024,
                   "RLIMIT_FSIZE": int(self.limits["disk_limit_mb"]) * 1024 * 1024,
                   "RLIMIT_CORE": 0}
        if self.as_root:  # counts every process and thread of the sandbox uid: the submission
            rlimits["RLIMIT_NPROC"] = int(self.limits["process_limit"])
        return {"uid": self.uid, "gid": self.uid, "home": str(self.home),
                "connection_file": str(connection_file), "mechanism": self.mechanism,
                "cgroup_procs": self.group.procs_files, "expose": self.expose,
                "tmpfs_mb": self.limits["disk_limit_mb"], "rlimits": rlimits,
                "writable": containment.shared_writable_dirs(),
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f",
                         str(connection_file)]}

    def _start(self, connect=True):
        """Launch a kernel; with ``connect=False`` the connection waits for the first use, so
        that the grader can prepare its tests while the kernel boots."""
        n = self.restarts
        ipc = self.dir / f"ipc-{n}"
        # root-owned and sticky: the kernel may create its sockets here, and once they are
        # ours it can neither rename nor replace them
        self._make_dir(ipc, mode=0o1733 if self.as_root else 0o700)
        self._make_dir(self.dir / f"ipython-{n}", owner=self.uid)  # no startup files planted
        connection_file = self.dir / f"kernel-{n}.json"
        spec_file = self.dir / f"launch-{n}.json"
        spec_file.write_text(json.dumps(self._launch_spec(connection_file)))
        os.chmod(spec_file, 0o600)
        km = KernelManager(kernel_name="python3", transport="ipc", ip=str(ipc / "k"),
                           connection_file=str(connection_file))
        launcher = str(Path(__file__).with_name("kernel_launch.py"))
        km.kernel_spec.argv = [sys.executable, "-I", launcher, str(spec_file)]
        km.start_kernel(cwd=str(self.dir), env=self._env(),
                        stdout=open(os.devnull, "wb"),
                        stderr=open(os.environ.get("BACKPROP_KERNEL_LOG", os.devnull), "ab"))
        self.km = km
        if connect:
            self._connect()

    def _connect(self):
        """Connect to the kernel just launched, once it is ready, and prepare it."""
        km = self.km
        self._find_init()
        if self.as_root:
            self._claim_sockets(self.dir / f"ipc-{self.restarts}", km)
        kc = km.client(context=self.zmq_context)
        kc.start_channels()
        self.kc = kc
        try:
            kc.wait_for_ready(timeout=min(60, max(self._remaining(), 5)))
        except RuntimeError as e:
            raise KernelGone(f"the Python kernel did not start: {e}") from None
        self._execute(OTTER_STUB, timeout=30)
        # the kernel's side of the wire, compiled once into a module of its own (out of the
        # student's namespace); each request is then a one-line call
        self._execute(WIRE_MODULE, timeout=30)

    def _find_init(self):
        """Remember the namespace's init (the launcher's child) and its PID namespace."""
        if self.mechanism != "pid-namespace":
            return
        outer = self.km.provisioner.process.pid
        for _ in range(500):
            try:
                children = Path(f"/proc/{outer}/task/{outer}/children").read_text().split()
                if children:
                    self.init_pid = int(children[0])
                    self.namespace = os.readlink(f"/proc/{self.init_pid}/ns/pid")
                    return
            except OSError:
                pass
            time.sleep(0.01)

    def _claim_sockets(self, ipc, km, timeout=30):
        """Take ownership of the kernel's sockets before connecting to them.

        Root connects only to sockets it owns, in a folder it owns: the kernel cannot swap one
        for a link once claimed, and a link planted before the claim is refused.
        """
        info = km.get_connection_info()
        names = [f"k-{info[key]}" for key in
                 ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")]
        fd = os.open(ipc, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            end = time.monotonic() + timeout
            while True:
                present = set(os.listdir(fd))
                if all(n in present for n in names):
                    break
                if time.monotonic() > end or not km.is_alive():
                    raise KernelGone("the Python kernel did not open its sockets")
                time.sleep(0.01)
            for name in names:
                os.chown(name, 0, 0, dir_fd=fd, follow_symlinks=False)
                st = os.stat(name, dir_fd=fd, follow_symlinks=False)
                if not stat.S_ISSOCK(st.st_mode) or st.st_uid != 0:
                    raise KernelGone("the kernel's sockets were tampered with")
        finally:
            os.close(fd)

    def close(self):
        """End the kernel and every process it started; remove everything it left."""
        self._shutdown()
        if self.uid is not None:
            containment.remove_uid_files(
                self.uid, (*containment.shared_writable_dirs(), str(self.home)))
        containment.remove_tree_by_fd(self.dir)
        self.group.remove()
        self.grant.__exit__(None, None, None)
        self.zmq_context.destroy(linger=0)

    def _shutdown(self):
        """Stop the kernel and end every process it started, by the strongest mechanism."""
        if self.kc is not None:
            self.kc.stop_channels()
        if self.init_pid is not None:
            try:
                os.kill(self.init_pid, signal.SIGKILL)  # the namespace dies with its init
            except OSError:
                pass
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:
                pass
        self.km = self.kc = None
        self.group.kill()
        self._wait_namespace_empty()
        if self.uid is not None:
            survivors = not containment.sweep_uid(self.uid)
        else:
            survivors = self._kill_marked()
        self.init_pid = self.namespace = None
        if survivors:
            self.containment["survivors"] += 1

    def _wait_namespace_empty(self, timeout=10):
        if self.namespace is None:
            return
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not any(self._in_namespace(p) for p in os.listdir(b"/proc") if p.isdigit()):
                return
            time.sleep(0.01)

    def _in_namespace(self, pid):
        """Whether a live process (a zombie is dead) belongs to our PID namespace."""
        try:
            if os.readlink(b"/proc/" + pid + b"/ns/pid").decode() != self.namespace:
                return False
            tasks = os.listdir(b"/proc/" + pid + b"/task")
        except OSError:
            return False
        return any(containment.task_alive(b"/proc/" + pid + b"/task/" + t) for t in tasks)

    def _kill_marked(self):
        """Not root, no namespace: kill every process carrying our marker (read as bytes).

        Passes repeat until one finds nothing. Returns whether any remained after 20 passes.
        """
        me, needle = os.getpid(), f"BACKPROP_SANDBOX={self.marker}".encode()
        for _ in range(20):
            found = 0
            for name in os.listdir(b"/proc"):
                if not name.isdigit() or int(name) == me:
                    continue
                try:
                    with open(b"/proc/" + name + b"/environ", "rb") as f:
                        if needle not in f.read():
                            continue
                    os.kill(int(name), signal.SIGKILL)
                    found += 1
                except OSError:
                    continue
            if not found:
                return False
            time.sleep(0.05)
        return True

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
        except (KernelGone, SandboxTimeout) as e:
            self.dead = str(e) or "the kernel could not be restarted"
            self._shutdown()
            raise KernelGone(self.dead) from None
        for i in list(self.finished):
            try:
                self._execute(self.cells[i], timeout=self.limits["cell_timeout"])
            except (SandboxTimeout, KernelGone):
                self.dead = (f"code cell {i + 1} did not finish again when the cells were "
                             "replayed after a restart")
                self._shutdown()
                raise KernelGone(self.dead) from None

    # ------------------------------------------------------------------ execution
    def _remaining(self):
        return self.deadline - time.monotonic()

    def _execute(self, code, timeout, silent=False):
        """Run code in the kernel; return (status, outputs, probe replies) or raise SandboxTimeout.

        Output beyond the cap is read and dropped, so a flood cannot exhaust memory.
        """
        if self.dead:
            raise KernelGone(self.dead)
        if self.kc is None and self.km is not None:
            self._connect()
        if self._remaining() <= 0:
            raise SandboxTimeout(0)
        timeout = min(timeout, self._remaining())
        msg_id = self.kc.execute(code, silent=silent, store_history=False, allow_stdin=False)
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
            text = clean_text(text)
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
        if self.kc is None and self.km is not None:
            self._connect()  # a kernel that cannot start is the grader's failure: it raises
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
                if self._remaining() <= 0:
                    self.messages.append(f"Code cell {n} was stopped: the notebook used up "
                                         f"its {self.limits['total_timeout']:g} s in total.")
                else:
                    self.messages.append(f"Code cell {n} was stopped after "
                                         f"{self.limits['cell_timeout']:g} s (time limit); "
                                         "the cells after it still ran.")
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
        code = (f"__import__('sys').modules['__backprop_wire__'].__backprop_wire__("
                f"{json.dumps(json.dumps(request))}, {json.dumps(self.nonce)})")
        timeout = self.limits["call_timeout"]
        try:
            _, _, _, replies = self._execute(code, timeout, silent=True)
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
        warnings = [clean_text(w) for w in reply.get("warnings", [])][:20]
        if not reply.get("ok"):
            raise StudentError(clean_text(reply.get("error", "Error"))[:100],
                               clean_text(reply.get("message", ""))[:500])
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
