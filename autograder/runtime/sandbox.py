"""Run a student's notebook in a kernel that cannot see the grader, with time and output limits.

:class:`Sandbox` runs the notebook's code cells in order in a contained kernel
(:class:`~autograder.runtime.kernel.KernelProcess`: a fresh unprivileged uid, a scrubbed
environment, a folder of its own), so it cannot read the hidden tests, the reference
solutions or the grader's results. Each cell and each call has a time limit
(:mod:`autograder.runtime.policy`); a cell that runs out is interrupted (and, if it will not
stop, the kernel is restarted and the cells that had finished are replayed), and the grading
goes on. Output is read and discarded beyond a cap (:mod:`autograder.runtime.execution`).
When grading ends every process the kernel started is killed.

The kernel answers :class:`RemoteEnvironment` look-ups with plain data
(:mod:`autograder.runtime.wire`).
"""

import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

import nbformat

from autograder.runtime import execution, policy, wire
from autograder.runtime.execution import SandboxTimeout, clean_text
from autograder.runtime.kernel import KernelGone, KernelProcess
from autograder.runtime.policy import limits_from

__all__ = ["Sandbox", "RemoteEnvironment", "RemoteFunction", "StudentError", "SandboxTimeout",
           "KernelGone", "OTTER_STUB", "clean_text", "limits_from", "student_modules",
           "wire_module"]

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


def wire_module() -> str:
    """Code that makes the kernel's side of the wire a module of its own, out of the
    student's namespace (the kernel cannot import the autograder package)."""
    return ("import sys as _sys, types as _types\n"
            "_wire = _types.ModuleType('__backprop_wire__')\n"
            f"exec({wire.kernel_source()!r}, _wire.__dict__)\n"
            "_sys.modules['__backprop_wire__'] = _wire\n"
            "del _sys, _types, _wire\n")


def student_modules() -> str:
    """Code that lets the kernel import the public-check modules (``autograder.student``:
    what students receive) from their source, sent by the grader.

    A notebook's cells import them to show a student's own numbers
    (:mod:`autograder.student.variants`); the kernel may not be able to read this package's
    files (a checkout under /tmp, hidden from it, or in a private home, installed in
    editable mode), and the numbers it shows should be the ones the grader checks against.
    Asked first, before any file on the kernel's paths; nothing but these modules is served.
    """
    import autograder
    import autograder.student
    folder = Path(autograder.student.__file__).parent
    sources = {"autograder": (Path(autograder.__file__).read_text(encoding="utf-8"), True),
               "autograder.student": ((folder / "__init__.py").read_text(encoding="utf-8"),
                                      True)}
    for path in sorted(folder.glob("*.py")):
        if path.stem != "__init__":
            sources[f"autograder.student.{path.stem}"] = (path.read_text(encoding="utf-8"),
                                                          False)
    return STUDENT_MODULES.replace("SOURCES", repr(sources))


STUDENT_MODULES = r'''
import sys as _sys, importlib.abc as _abc
class _StudentModules(_abc.MetaPathFinder, _abc.Loader):
    sources = SOURCES
    def find_spec(self, name, path=None, target=None):
        if name not in self.sources:
            return None
        import importlib.util
        return importlib.util.spec_from_loader(name, self, origin="<sent by the grader>",
                                               is_package=self.sources[name][1])
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        exec(compile(self.sources[module.__name__][0], f"<{module.__name__}>", "exec"),
             module.__dict__)
_sys.meta_path.insert(0, _StudentModules())
del _sys, _abc, _StudentModules
'''


class StudentError(Exception):
    """The student's function raised; carries its type name and message (student text)."""

    def __init__(self, error: str, message: str):
        super().__init__(f"{error}: {message}" if message else error)
        self.error, self.message = error, message


class Sandbox:
    """A student's notebook running in a contained kernel, under limits.

    Use as a context manager; :meth:`run_notebook` executes the code cells in order and
    returns a list of per-cell reports; :meth:`request` asks the kernel for plain data.
    ``containment`` says, for the results, which mechanism and limits held. ``limits``
    override the configured ones (:func:`autograder.runtime.policy.resolve_limits`).
    ``kernel``, a :class:`KernelProcess` already started (the Gradescope entry point starts
    it before its slower imports, so that it boots meanwhile), is taken over and closed.
    """

    def __init__(self, notebook_path: str | os.PathLike, limits: dict | None = None,
                 kernel: KernelProcess | None = None):
        self.limits = policy.resolve_limits(limits)
        self.deadline = time.monotonic() + self.limits["total_timeout"]
        self.nonce = secrets.token_hex(16)  # marks the wire's replies to our requests
        self.cells = [c.source for c in
                      nbformat.read(str(notebook_path), as_version=4).cells
                      if c.cell_type == "code"]
        self.finished = []     # indexes of cells that ran to the end (for replay)
        self.messages = []     # what a student should know about the run (timeouts...)
        self.restarts = 0
        self.dead = None       # why the sandbox gave up (then every request fails at once)
        self.batch_timed_out = False  # a call_each ran out of time: calls go one by one
        self.kernel = kernel or KernelProcess(self.limits)

    # the kernel's facts, as callers and tests know them
    mechanism = property(lambda self: self.kernel.mechanism)
    uid = property(lambda self: self.kernel.uid)
    dir = property(lambda self: self.kernel.dir)
    km = property(lambda self: self.kernel.km)
    containment = property(lambda self: self.kernel.containment)

    # ------------------------------------------------------------------ kernel life
    def __enter__(self):
        try:
            if self.kernel.km is None:
                self.kernel.start()  # connected at first use: the grader prepares meanwhile
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        """End the kernel and every process it started; remove everything it left."""
        self.kernel.close()

    def _connect(self) -> None:
        """Connect to the kernel just started, and prepare it: otter's stand-in, and the
        kernel's side of the wire (compiled once; each request is then a one-line call)."""
        self.kernel.connect(timeout=min(60, max(self._remaining(), 5)))
        self._execute(OTTER_STUB, timeout=30)
        self._execute(wire_module(), timeout=30)
        self._execute(student_modules(), timeout=30)

    def _give_up(self, reason: str) -> KernelGone:
        """Stop for good: every later request fails at once with ``reason``."""
        self.dead = reason
        self.kernel.stop()
        return KernelGone(reason)

    def _restart(self) -> None:
        """Replace a kernel that will not stop, and replay the cells that had finished.

        At most MAX_RESTARTS times, and never past the deadline: after that the sandbox is
        dead and every later request fails at once.
        """
        self.restarts += 1
        if self.restarts > policy.MAX_RESTARTS:
            raise self._give_up(f"the kernel had to be restarted {self.restarts - 1} times")
        if self._remaining() <= 0:
            raise self._give_up(
                f"the notebook used up its {self.limits['total_timeout']:g} s")
        self.kernel.stop()
        try:
            self.kernel.start()
            self._connect()
        except (KernelGone, SandboxTimeout) as e:
            raise self._give_up(str(e) or "the kernel could not be restarted") from None
        for i in list(self.finished):
            try:
                self._execute(self.cells[i], timeout=self.limits["cell_timeout"])
            except (SandboxTimeout, KernelGone):
                raise self._give_up(f"code cell {i + 1} did not finish again when the cells "
                                    "were replayed after a restart") from None

    def _interrupt(self) -> None:
        """Interrupt the running code; restart the kernel if it does not stop in 5 s."""
        if self.dead:
            return
        self.kernel.interrupt()
        try:
            self._execute("pass", timeout=5)
        except (SandboxTimeout, KernelGone):
            self._restart()

    # ------------------------------------------------------------------ execution
    def _remaining(self) -> float:
        return self.deadline - time.monotonic()

    def _execute(self, code: str, timeout: float, silent: bool = False) -> execution.Outcome:
        """Run code in the kernel within ``timeout`` and the notebook's deadline."""
        if self.dead:
            raise KernelGone(self.dead)
        if not self.kernel.connected and self.kernel.km is not None:
            self._connect()
        if self._remaining() <= 0:
            raise SandboxTimeout(0)
        return execution.execute(self.kernel.client, code, min(timeout, self._remaining()),
                                 nonce=self.nonce, output_limit=self.limits["output_limit"],
                                 is_alive=self.kernel.is_alive, silent=silent)

    def _run_cell(self, i: int) -> dict:
        """Run code cell ``i``; its report. A timeout or a dead kernel is noted, and handled
        (interrupt, restart), so that the next cell can run."""
        n = i + 1
        try:
            outcome = self._execute(self.cells[i], self.limits["cell_timeout"])
            self.finished.append(i)
            return {"cell": n, "status": outcome.status, "output": outcome.output,
                    "dropped": outcome.dropped}
        except SandboxTimeout:
            self.messages.append(self._timeout_note(n))
            recover, status = self._interrupt, "timeout"
        except KernelGone:
            self.messages.append(f"The kernel died while running code cell {n}; it was "
                                 "restarted and the cells before it replayed.")
            recover, status = self._restart, "error"
        try:
            recover()
        except KernelGone:
            pass
        return {"cell": n, "status": status, "output": "", "dropped": 0}

    def _timeout_note(self, n: int) -> str:
        if self._remaining() <= 0:
            return (f"Code cell {n} was stopped: the notebook used up its "
                    f"{self.limits['total_timeout']:g} s in total.")
        return (f"Code cell {n} was stopped after {self.limits['cell_timeout']:g} s (time "
                "limit); the cells after it still ran.")

    def run_notebook(self) -> list[dict]:
        """Execute every code cell in order under the limits; return one report per cell.

        A report: {"cell": n (1-based), "status": "ok" | "error" | "timeout" | "skipped",
        "output": kept text, "dropped": characters not kept}.
        """
        if not self.kernel.connected and self.kernel.km is not None:
            self._connect()  # a kernel that cannot start is the grader's failure: it raises
        reports = []
        for i in range(len(self.cells)):
            n = i + 1
            if self._remaining() <= 0:
                reports.append({"cell": n, "status": "skipped", "output": "", "dropped": 0})
                self.messages.append(f"Code cell {n} and later were not run: the notebook "
                                     f"used up its {self.limits['total_timeout']} s.")
                break
            reports.append(self._run_cell(i))
            if self.dead:
                self.messages.append(f"Grading of the notebook stopped at code cell {n}: "
                                     f"{self.dead}.")
                break
        return reports

    def request(self, request: dict) -> dict:
        """Ask the kernel for a value or a call (see :mod:`autograder.runtime.wire_kernel`);
        return its reply dict."""
        code = (f"__import__('sys').modules['__backprop_wire__'].serve("
                f"{json.dumps(json.dumps(request))}, {json.dumps(self.nonce)})")
        try:
            outcome = self._execute(code, self.limits["call_timeout"], silent=True)
        except SandboxTimeout:
            self._interrupt()
            raise
        except KernelGone:
            self._restart()
            raise
        if outcome.reply is None:
            raise KernelGone("the kernel sent no reply")
        reply = wire.loads_reply(outcome.reply)
        if not isinstance(reply, dict):
            raise wire.WireError("malformed reply")
        return reply


class RemoteFunction:
    """A student's function living in the sandboxed kernel; calling it sends plain data.
    :meth:`call_each` calls it on several argument tuples in one request."""

    def __init__(self, sandbox: Sandbox, name: str):
        self._sandbox, self.__name__ = sandbox, name

    def call_recording_warnings(self, *args: Any) -> tuple[Any, list[str]]:
        """Call the function; return (decoded result, list of warning strings)."""
        try:
            reply = self._sandbox.request(
                {"op": "call", "name": self.__name__, "args": [wire.encode(a) for a in args]})
        except SandboxTimeout:
            raise StudentError("Timeout", f"it did not return within "
                               f"{self._sandbox.limits['call_timeout']} s") from None
        except KernelGone as e:
            raise StudentError("KernelDied", str(e)) from None
        return self._result(reply)

    @staticmethod
    def _result(reply: dict) -> tuple[Any, list[str]]:
        """One call's reply as (decoded result, warnings); StudentError if the call raised."""
        warnings = [clean_text(w) for w in reply.get("warnings", [])][:20]
        if not reply.get("ok"):
            raise StudentError(clean_text(reply.get("error", "Error"))[:100],
                               clean_text(reply.get("message", ""))[:500])
        return wire.decode(reply["value"]), warnings

    def call_each(self, args_list: list[tuple]) -> tuple[list[tuple[Any, list[str]]],
                                                          Exception | None]:
        """Call the function on each argument tuple of ``args_list`` in turn, stopping at the
        first call that raises, as calling one by one would.

        Returns ([(decoded result, warnings), ...] of the calls that returned, the error of
        the call that raised or None): the error is what :meth:`call_recording_warnings`
        raises for that call (a :class:`StudentError`, or a :class:`wire.WireError` for a
        value that cannot be read).

        One request (``call_each``) per MAX_CALLS calls, under one call_timeout. A batch
        that runs out of time, or whose reply cannot be used (too large, malformed), is
        made again one call at a time, each with its own call_timeout: a correct but
        slowish function never fails for being batched; after one such batch, the
        notebook's calls all go one by one (each timed-out batch costs a call_timeout of the
        notebook's total time). A kernel that dies during a batch is the error of the
        batch's first call, marked ``in_batch`` (which call killed it is not known): its
        calls are not made again, since every restart counts against the notebook's limit
        (``policy.MAX_RESTARTS``); :func:`autograder.student.checks.call_all` makes them
        one at a time.
        """
        args_list = [tuple(args) for args in args_list]
        returned = []
        for start in range(0, len(args_list), wire.MAX_CALLS):
            chunk = args_list[start:start + wire.MAX_CALLS]
            try:
                batch = len(chunk) > 1 and not getattr(self._sandbox, "batch_timed_out", False)
                outcomes = self._batch(chunk) if batch else None
            except KernelGone as e:
                died = StudentError("KernelDied", str(e))
                died.in_batch = True  # which of the batch's calls killed it is not known
                return returned, died
            for outcome in outcomes or self._one_by_one(chunk):
                if isinstance(outcome, Exception):
                    return returned, outcome
                returned.append(outcome)
        return returned, None

    def _one_by_one(self, args_list: list[tuple]):
        """Each call's (result, warnings), then the error of the first that raises."""
        for args in args_list:
            try:
                yield self.call_recording_warnings(*args)
            except Exception as e:  # what `checks.call` turns into the student's error
                yield e
                return

    def _batch(self, args_list: list[tuple]) -> list | None:
        """The outcomes of one ``call_each`` request: (result, warnings) per call, the last
        one a StudentError if a call raised; None if the batch timed out or its reply
        cannot be used (then the caller calls one by one). KernelGone goes through."""
        try:
            request = {"op": "call_each", "name": self.__name__,
                       "args_list": [[wire.encode(a) for a in args] for args in args_list]}
            reply = self._sandbox.request(request)
        except SandboxTimeout:
            # the notebook's time it used is lost: later calls go one by one, so that a
            # slowish function pays for one batch, not one per test
            self._sandbox.batch_timed_out = True
            return None
        except ValueError:  # WireError, or an argument the wire cannot send (the call says so)
            return None
        replies = reply.get("replies") if reply.get("ok") is True else None
        if not isinstance(replies, list) or not 0 < len(replies) <= len(args_list) or \
                not all(isinstance(r, dict) for r in replies):
            return None
        failed = [not r.get("ok") for r in replies]
        if any(failed[:-1]) or (len(replies) < len(args_list) and not failed[-1]):
            return None  # a reply after an error, or replies missing without one
        outcomes = []
        for r in replies:
            try:
                outcomes.append(self._result(r))
            except StudentError as e:
                outcomes.append(e)
            except Exception:  # a value that cannot be read: the single call says so
                return None
        return outcomes

    def __call__(self, *args: Any) -> Any:
        return self.call_recording_warnings(*args)[0]

    def __repr__(self):
        return f"<function {self.__name__} (in the student's kernel)>"


class RemoteEnvironment:
    """The student's global namespace, read through the kernel as plain data.

    Only ``get`` exists (it is all otter's test runner uses); a function comes back as a
    :class:`RemoteFunction`, a missing name as the default. :meth:`prefetch` reads several
    names in one request (``get_many``); each prefetched value answers one ``get``, then
    the kernel is asked again, so a later read sees what the student's code changed since.
    """

    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        self._prefetched: dict[str, Any] = {}  # name -> the kernel's node, read once

    def prefetch(self, names: list[str]) -> None:
        """Read ``names`` in one request, for the next ``get`` of each. A reply that cannot
        be used (an error, a timeout, a malformed or too large reply) prefetches nothing:
        each ``get`` then asks on its own, as without prefetching."""
        names = list(dict.fromkeys(names))[:wire.MAX_NAMES]
        self._prefetched = {}
        if len(names) < 2:  # one name is one request either way
            return
        try:
            reply = self.sandbox.request({"op": "get_many", "names": names})
        except (SandboxTimeout, KernelGone, wire.WireError):
            return
        values = reply.get("values") if reply.get("ok") is True else None
        if isinstance(values, list) and len(values) == len(names):
            self._prefetched = dict(zip(names, values, strict=True))

    def forget(self) -> None:
        """Drop what was prefetched and not read."""
        self._prefetched = {}

    def get(self, name: str, default: Any = None) -> Any:
        if name in self._prefetched:
            reply = {"ok": True, "value": self._prefetched.pop(name)}
        else:
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
