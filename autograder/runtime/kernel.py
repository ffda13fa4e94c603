"""One sandboxed kernel process: its folder, launch, connection, and end.

:class:`KernelProcess` starts an IPython kernel through
:mod:`autograder.runtime.kernel_launch`, as a fresh unprivileged uid (when run as root) in
the strongest containment the host allows (:mod:`autograder.runtime.containment`), connects
to it only over sockets root owns, and at the end kills every process it started and removes
everything it left. It knows nothing of notebooks, cells or the wire: that is
:mod:`autograder.runtime.sandbox`'s.

The sandbox folder (``self.dir``) is root-owned (mode 711) and holds the kernel's home (the
only folder the kernel may write), a fresh IPython folder and a fresh socket folder per
kernel start, and the connection files. The kernel cannot rename or replace any of them, so
root never acts on a path the submission can change.
"""

import json
import os
import secrets
import signal
import stat
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import jupyter_client
import zmq
from jupyter_client import KernelManager

from autograder.runtime import containment, policy


class KernelGone(Exception):
    """The kernel died or could not be (re)started."""


class BoundedContext(zmq.Context):
    """A zmq context whose sockets to the kernel queue a bounded number of bounded messages:
    what a kernel sends beyond that is dropped (its own loss), never held by the grader."""

    def socket(self, socket_type: int, *args, **kwargs) -> zmq.Socket:
        sock = super().socket(socket_type, *args, **kwargs)
        iopub = socket_type == zmq.SUB
        sock.setsockopt(zmq.MAXMSGSIZE,
                        policy.MAX_MESSAGE_BYTES if iopub else policy.MAX_CONTROL_BYTES)
        sock.setsockopt(zmq.RCVHWM,
                        policy.MAX_QUEUED_MESSAGES if iopub else policy.MAX_CONTROL_QUEUED)
        return sock


def _make_dir(path: Path, owner: int | None = None, mode: int = 0o700) -> None:
    """A fresh folder inside our root-owned sandbox folder, optionally given to ``owner``."""
    os.mkdir(path, mode)
    os.chmod(path, mode)
    if owner is not None:
        os.chown(path, owner, owner, follow_symlinks=False)


def claim_sockets(ipc: Path, names: list[str], is_alive: Callable[[], bool],
                  timeout: float = 30) -> None:
    """Take ownership of the kernel's sockets ``names`` in ``ipc`` before connecting.

    Root connects only to sockets it owns, in a folder it owns: the kernel cannot swap one
    for a link once claimed, and a link planted before the claim is refused.
    """
    fd = os.open(ipc, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        end = time.monotonic() + timeout
        while not set(names) <= set(os.listdir(fd)):
            if time.monotonic() > end or not is_alive():
                raise KernelGone("the Python kernel did not open its sockets")
            time.sleep(0.01)
        for name in names:
            os.chown(name, 0, 0, dir_fd=fd, follow_symlinks=False)
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if not stat.S_ISSOCK(st.st_mode) or st.st_uid != 0:
                raise KernelGone("the kernel's sockets were tampered with")
    finally:
        os.close(fd)


def wait_namespace_empty(namespace: str, timeout: float = 10) -> None:
    """Wait (at most ``timeout`` s) until no live process is left in a PID namespace."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and containment.live_pids_in_namespace(namespace):
        time.sleep(0.01)


class KernelProcess:
    """A kernel under containment; :meth:`start` it (again after :meth:`stop`), :meth:`connect`
    to it, and :meth:`close` it once. ``containment`` says, for the results, which mechanism
    and limits held and how many stops left survivors."""

    def __init__(self, limits: dict):
        self.limits = limits
        self.as_root = os.geteuid() == 0
        self.mechanism = containment.choose_mechanism(self.as_root)
        self.uid = containment.pick_sandbox_uid() if self.as_root else None
        self.marker = secrets.token_hex(8)  # in the kernel's environment (the floor's kill)
        self.starts = 0
        self.closed = False
        self.km = self.client = None
        self.init_pid = self.namespace = None
        self.dir = Path(tempfile.mkdtemp(prefix="backprop-sandbox-"))
        os.chmod(self.dir, 0o711)
        self.home = self.dir / "home"
        _make_dir(self.home, owner=self.uid)
        self.group = containment.ResourceGroup(limits, self.as_root)
        paths = policy.python_paths()
        blocked = containment.blocked_ancestors(paths) if self.as_root else []
        # what the kernel needs of the Python install is bound back into its namespace even
        # where a private tmpfs covers it (a clone under /tmp) or a folder others may not pass;
        # a checkout the grader runs from is hidden too (its reference and hidden tests), its
        # virtual environment bound back (only a mount namespace can hide a readable folder)
        private = policy.private_folders() if self.mechanism == "pid-namespace" else []
        self.expose = {"blocked": blocked + private, "paths": paths}
        self.grant = containment.TraversalGrant(
            blocked if self.mechanism != "pid-namespace" else [])
        self.grant.__enter__()
        self.zmq_context = BoundedContext()
        self.containment = {"mechanism": self.mechanism,
                            "limits": [*self.group.applied, "rlimits"], "survivors": 0}

    def launch_spec(self, connection_file: Path, ipython: Path | None = None) -> dict:
        """What :mod:`autograder.runtime.kernel_launch` needs to start the kernel."""
        return {"uid": self.uid, "gid": self.uid, "home": str(self.home),
                "connection_file": str(connection_file), "mechanism": self.mechanism,
                "cgroup_procs": self.group.procs_files, "expose": self.expose,
                "tmpfs_mb": self.limits["disk_limit_mb"],
                "rlimits": policy.rlimits(self.limits, self.as_root),
                "grader_pid": os.getpid(),  # the launcher's parent (see kernel_launch.main)
                "writable": containment.shared_writable_dirs(),
                "private": [str(self.home), *([str(ipython)] if ipython else [])],
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f",
                         str(connection_file)]}

    def start(self) -> None:
        """Launch a kernel (in fresh folders); :meth:`connect` waits for it."""
        n = self.starts
        self.starts += 1
        ipc = self.dir / f"ipc-{n}"
        # root-owned and sticky: the kernel may create its sockets here, and once they are
        # ours it can neither rename nor replace them
        _make_dir(ipc, mode=0o1733 if self.as_root else 0o700)
        ipython = self.dir / f"ipython-{n}"
        _make_dir(ipython, owner=self.uid)  # no startup files planted
        connection_file = self.dir / f"kernel-{n}.json"
        spec_file = self.dir / f"launch-{n}.json"
        spec_file.write_text(json.dumps(self.launch_spec(connection_file, ipython)))
        os.chmod(spec_file, 0o600)
        km = KernelManager(kernel_name="python3", transport="ipc", ip=str(ipc / "k"),
                           connection_file=str(connection_file))
        launcher = str(Path(__file__).with_name("kernel_launch.py"))
        km.kernel_spec.argv = [sys.executable, "-I", launcher, str(spec_file)]
        env = policy.kernel_environment(str(self.home), str(ipython), self.marker)
        km.start_kernel(cwd=str(self.dir), env=env, stdout=open(os.devnull, "wb"),
                        stderr=open(os.environ.get("BACKPROP_KERNEL_LOG", os.devnull), "ab"))
        self.km = km

    def connect(self, timeout: float) -> jupyter_client.BlockingKernelClient:
        """Connect to the kernel last started, once it is ready; return its client."""
        self._find_init()
        if self.as_root:
            info = self.km.get_connection_info()
            names = [f"k-{info[key]}" for key in
                     ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")]
            ipc = self.dir / f"ipc-{self.starts - 1}"
            claim_sockets(ipc, names, self.km.is_alive)
            os.chmod(ipc, 0o711)  # its sockets are there: the kernel may add nothing more
        client = self.km.client(context=self.zmq_context)
        client.start_channels()
        self.client = client
        try:
            client.wait_for_ready(timeout=timeout)
        except RuntimeError as e:
            raise KernelGone(f"the Python kernel did not start: {e}") from None
        return client

    @property
    def connected(self) -> bool:
        return self.client is not None

    def is_alive(self) -> bool:
        return self.km is not None and self.km.is_alive()

    def interrupt(self) -> None:
        self.km.interrupt_kernel()

    def _find_init(self) -> None:
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

    def stop(self) -> None:
        """Stop the kernel and end every process it started, by the strongest mechanism."""
        if self.client is not None:
            self.client.stop_channels()
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
        self.km = self.client = None
        self.group.kill()
        if self.namespace is not None:
            wait_namespace_empty(self.namespace)
        if self.uid is not None:
            survivors = not containment.sweep_uid(self.uid)
        else:  # not root, no namespace: what carries our marker
            survivors = containment.kill_by_environment("BACKPROP_SANDBOX", self.marker)
        self.init_pid = self.namespace = None
        if survivors:
            self.containment["survivors"] += 1

    def close(self) -> None:
        """End the kernel and every process it started; remove everything it left. Once:
        a second call does nothing (the entry point and the sandbox may both close it)."""
        if self.closed:
            return
        self.closed = True
        self.stop()
        if self.uid is not None:
            containment.remove_uid_files(
                self.uid, (*containment.shared_writable_dirs(), str(self.home)))
        containment.remove_tree_by_fd(self.dir)
        self.group.remove()
        self.grant.__exit__(None, None, None)
        self.zmq_context.destroy(linger=0)
