"""Operating-system containment for a sandboxed kernel: who it runs as, what it may use, and
how everything it started is ended and cleaned away.

Three mechanisms end a submission's processes, the strongest the host allows chosen at run
time (:func:`choose_mechanism`):

- ``pid-namespace``: the kernel runs in new PID, mount, network, IPC and UTS namespaces whose
  init is our launcher (:mod:`autograder.runtime.kernel_launch`). Killing that init makes the
  operating system kill every process in the namespace, whatever it did (zombie leaders, odd
  names, new sessions, double forks, pid hopping). It also gives the kernel a private
  ``/proc``, private ``/tmp``, ``/var/tmp`` and ``/dev/shm`` (size-limited, gone with the
  namespace) and no network, not even the host's loopback.
- ``cgroup-kill``: a cgroup v2 of its own, ended by writing ``cgroup.kill``.
- ``uid-kill``: the floor, for a container that refuses both (Gradescope's Docker may):
  ``kill(-1, SIGKILL)`` issued *as the sandbox uid*, repeated until no process of that uid
  has a live thread (:func:`live_pids_of_uid`). A process cannot hide from it: whatever it
  calls itself,
  kill(-1) reaches every process whose real uid is the sandbox's, and ``no_new_privs`` stops it
  from changing that uid.

Whatever the mechanism, the sweep of the sandbox uid runs last, and resources are bounded per
submission: by cgroups (memory in total, process count, CPU cores) where the host lets us
create them, and always by rlimits (``RLIMIT_NPROC`` counts every process and thread of the
uid, so it bounds the whole submission; address space and file size per process).

Root never acts by path inside a folder the submission can write: files the sandbox uid left
in the shared temporary folders are removed by a process running *as that uid*, and the
sandbox's own folder is removed with file descriptors after every process of the uid is gone.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import grp
import json
import os
import pwd
import secrets
import stat
import tempfile
import time
from pathlib import Path

import psutil

SANDBOX_UID_BASE, SANDBOX_UID_SPAN = 200_000, 800_000  # uids no account uses
SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm")          # where any uid may leave files

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
SANDBOX_NAMESPACES = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS

_libc = ctypes.CDLL(None, use_errno=True)


_WRITABLE_CACHE: list[str] = []


def shared_writable_dirs(depth: int = 4) -> list[str]:
    """Every folder any uid may write in: the usual three, and whatever else the host has
    (``/run/lock``, ``/var/lib/php/sessions``...), found once per process by walking
    ``depth`` levels of the folders that others may pass through (not /proc, not /sys).

    A submission may leave files in each of them: the pid-namespace mechanism hides them
    behind private tmpfs, and every mechanism removes what the sandbox uid left there.
    """
    if _WRITABLE_CACHE:
        return list(_WRITABLE_CACHE)
    found = [t for t in SHARED_TMP if os.path.isdir(t)]

    def walk(path: str, levels: int) -> None:
        try:
            entries = list(os.scandir(path))
        except OSError:
            return
        for e in entries:
            try:
                if e.path in ("/proc", "/sys") or not e.is_dir(follow_symlinks=False):
                    continue
                mode = e.stat(follow_symlinks=False).st_mode
            except OSError:
                continue
            if mode & 0o002:
                if e.path not in found:
                    found.append(e.path)
            elif levels > 1 and mode & 0o001:
                walk(e.path, levels - 1)

    walk("/", depth)
    _WRITABLE_CACHE[:] = found
    return list(found)


# ---------------------------------------------------------------------------- mechanism
_MECHANISM_CACHE: dict[bool, str] = {}


def _namespaces_allowed(as_root: bool) -> bool:
    """Whether a child may unshare the sandbox's namespaces (probed in a forked child)."""
    flags = SANDBOX_NAMESPACES | (0 if as_root else CLONE_NEWUSER)
    pid = os.fork()
    if pid == 0:
        os._exit(0 if _libc.unshare(ctypes.c_int(flags)) == 0 else 1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def choose_mechanism(as_root: bool) -> str:
    """The strongest containment the host allows: pid-namespace, cgroup-kill or uid-kill.

    ``BACKPROP_CONTAINMENT`` in the grader's environment forces a weaker one (the tests use it
    to prove that the floor holds on its own).
    """
    forced = os.environ.get("BACKPROP_CONTAINMENT")
    if forced in ("pid-namespace", "cgroup-kill", "uid-kill"):
        return forced
    if as_root not in _MECHANISM_CACHE:
        if _namespaces_allowed(as_root):
            _MECHANISM_CACHE[as_root] = "pid-namespace"
        elif _cgroup2_own_dir() is not None:
            _MECHANISM_CACHE[as_root] = "cgroup-kill"
        else:
            _MECHANISM_CACHE[as_root] = "uid-kill" if as_root else "marker-kill"
    return _MECHANISM_CACHE[as_root]


# ---------------------------------------------------------------------------- cgroups
def _own_cgroups() -> dict[str, str]:
    """{controller or '' (v2): path} of this process, from /proc/self/cgroup."""
    out = {}
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for c in controllers.split(",") if controllers else [""]:
                out[c] = path
    except OSError:
        pass
    return out


def _cgroup_mounts() -> dict[str, str]:
    """{controller or '' (v2): mount point}, from /proc/self/mountinfo."""
    mounts = {}
    try:
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            left, right = line.split(" - ", 1)
            fstype, _, options = right.split()[:3]
            point = left.split()[4]
            if fstype == "cgroup2":
                mounts.setdefault("", point)
            elif fstype == "cgroup":
                for opt in options.split(","):
                    if opt in ("memory", "pids", "cpu", "freezer"):
                        mounts.setdefault(opt, point)
    except (OSError, ValueError, IndexError):
        pass
    return mounts


def _cgroup2_own_dir() -> Path | None:
    """Our own cgroup v2 folder, if we may create children in it (needed for cgroup.kill)."""
    mount, own = _cgroup_mounts().get(""), _own_cgroups().get("")
    if mount is None or own is None:
        return None
    d = Path(mount) / own.lstrip("/")
    return d if os.access(d, os.W_OK) and (d / "cgroup.procs").exists() else None


PERIOD_US = 100_000  # the CPU quota's period


class ResourceGroup:
    """Per-submission cgroups: memory in total, process count, CPU cores, and cgroup.kill.

    Uses cgroup v2 where a controller is delegated to us, v1 hierarchies otherwise, and
    nothing where the host refuses (then rlimits alone bound the submission). ``applied``
    lists what holds, for the results.
    """

    def __init__(self, limits: dict, as_root: bool):
        self.dirs: list[Path] = []
        self.kill_file: Path | None = None
        self.applied: list[str] = []
        if not as_root or os.environ.get("BACKPROP_CONTAINMENT") == "uid-kill":
            return  # the floor, forced: as on a host that refuses cgroups (no cgroup.kill)
        name = f"backprop-{secrets.token_hex(6)}"
        mounts, own = _cgroup_mounts(), _own_cgroups()
        memory = int(limits["memory_limit_mb"]) * 1024 * 1024
        pids = int(limits["process_limit"])
        # CPU time per period: however many processes it starts, a submission gets at most
        # cpu_limit cores, so a hog beside an honest submission leaves it the rest
        quota = int(float(limits["cpu_limit"]) * PERIOD_US)
        v2 = _cgroup2_own_dir()
        v2_controllers = set()
        if v2 is not None:
            try:
                v2_controllers = set((v2 / "cgroup.subtree_control").read_text().split())
            except OSError:
                pass
            d = self._make(v2 / name)
            if d is not None:
                self.kill_file = d / "cgroup.kill" if (d / "cgroup.kill").exists() else None
                settings = {"memory": ("memory.max", memory), "pids": ("pids.max", pids),
                            "cpu": ("cpu.max", f"{quota} {PERIOD_US}")}
                for controller, (knob, value) in settings.items():
                    if controller in v2_controllers and self._set(d / knob, value):
                        self.applied.append(f"{controller} (cgroup v2)")
                self.applied.append("cgroup.kill") if self.kill_file else None
        v1_settings = {"memory": ("memory.limit_in_bytes", memory), "pids": ("pids.max", pids),
                       "cpu": ("cpu.cfs_quota_us", quota)}
        for controller, (knob, value) in v1_settings.items():
            if controller in v2_controllers or controller not in mounts or controller not in own:
                continue
            d = self._make(Path(mounts[controller]) / own[controller].lstrip("/") / name)
            if controller == "cpu" and d is not None:
                self._set(d / "cpu.cfs_period_us", PERIOD_US)
            if d is not None and self._set(d / knob, value):
                if controller == "memory":  # no swap: the limit is the memory in total
                    self._set(d / "memory.memsw.limit_in_bytes", value)
                self.applied.append(f"{controller} (cgroup v1)")

    def _make(self, d: Path) -> Path | None:
        try:
            d.mkdir(mode=0o755)
        except OSError:
            return None
        self.dirs.append(d)
        return d

    @staticmethod
    def _set(knob: Path, value) -> bool:
        try:
            knob.write_text(str(value))
            return True
        except OSError:
            return False

    @property
    def procs_files(self) -> list[str]:
        """The ``cgroup.procs`` files the launcher joins before it drops privileges."""
        return [str(d / "cgroup.procs") for d in self.dirs]

    def kill(self) -> None:
        if self.kill_file is not None:
            self._set(self.kill_file, 1)

    def pids(self) -> set[int]:
        found = set()
        for d in self.dirs:
            try:
                found.update(int(p) for p in (d / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                pass
        return found

    def remove(self) -> None:
        """Remove the cgroups (each is empty once every process in it is gone)."""
        for d in reversed(self.dirs):
            for _ in range(50):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
        self.dirs = []


# ---------------------------------------------------------------------------- uids
def uid_is_free(uid: int) -> bool:
    """No account, no group, no process and no file in the shared temporary folders."""
    try:
        pwd.getpwuid(uid)
        return False
    except KeyError:
        pass
    try:
        grp.getgrgid(uid)
        return False
    except KeyError:
        pass
    if live_pids_of_uid(uid):
        return False
    for top in shared_writable_dirs():
        try:
            with os.scandir(top) as entries:
                if any(e.stat(follow_symlinks=False).st_uid == uid for e in entries):
                    return False
        except OSError:
            continue
    return True


def pick_sandbox_uid() -> int:
    while True:
        uid = SANDBOX_UID_BASE + secrets.randbelow(SANDBOX_UID_SPAN)
        if uid_is_free(uid):
            return uid


# ---------------------------------------------------------------------------- processes
# psutil reads /proc for us; a process that ends mid-scan raises psutil.NoSuchProcess (its
# ZombieProcess too) or AccessDenied, and is skipped, never a crash.
_GONE = (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD)


def _thread_alive(tid: int) -> bool:
    try:
        return psutil.Process(tid).status() not in _GONE
    except psutil.Error:
        return False


def is_alive(proc: psutil.Process) -> bool:
    """Whether a process still has a live thread.

    psutil reports a process's state as its thread-group leader's: a leader that called
    exit() while its other threads run is a "zombie" there, yet the process runs (and can
    fork). So a zombie's threads are looked at one by one (``Process.threads()``; on Linux
    psutil opens a thread id as a process, whose status is that thread's own).
    """
    try:
        if proc.status() not in _GONE:
            return True
        threads = proc.threads()
    except psutil.Error:
        return False
    return any(_thread_alive(t.id) for t in threads if t.id != proc.pid)


def live_pids_of_uid(uid: int, exclude: int = -1) -> list[int]:
    """Processes whose real uid is ``uid`` and that still have a live thread (a zombie
    leader whose other threads run counts)."""
    found = []
    for proc in psutil.process_iter(["uids"]):
        uids = proc.info["uids"]
        if proc.pid != exclude and uids is not None and uids.real == uid and is_alive(proc):
            found.append(proc.pid)
    return found


def live_pids_in_namespace(namespace: str) -> list[int]:
    """Live processes in the PID namespace ``namespace`` (``readlink /proc/PID/ns/pid``,
    read directly: psutil has no namespaces)."""
    found = []
    for proc in psutil.process_iter():
        try:
            if os.readlink(f"/proc/{proc.pid}/ns/pid") != namespace:
                continue
        except OSError:
            continue
        if is_alive(proc):
            found.append(proc.pid)
    return found


def _environment(proc: psutil.Process) -> dict[str, str]:
    """A live process's environment; a zombie leader has none left, its threads do."""
    try:
        return proc.environ()
    except psutil.ZombieProcess:
        pass
    except psutil.Error:
        return {}
    try:
        threads = proc.threads()
    except psutil.Error:
        return {}
    for t in threads:
        try:
            if t.id != proc.pid:
                return psutil.Process(t.id).environ()
        except psutil.Error:
            continue
    return {}


def pids_with_environment(name: str, value: str, exclude: int = -1) -> set[int]:
    """Live processes whose environment sets ``name`` to ``value`` (a zombie leader's is
    read from its threads); the variable may be anywhere, the process named anything."""
    return {proc.pid for proc in psutil.process_iter()
            if proc.pid != exclude and _environment(proc).get(name) == value}


def kill_by_environment(name: str, value: str, passes: int = 20) -> bool:
    """Kill every process whose environment sets ``name`` to ``value``; passes repeat until
    one finds nothing. Returns whether any remained after ``passes`` passes."""
    import signal
    for _ in range(passes):
        found = pids_with_environment(name, value, exclude=os.getpid())
        if not found:
            return False
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.05)
    return True


def _run_as_uid(uid: int, job, *args, timeout: float = 60, real: int | None = None) -> bool:
    """Run ``job(*args)`` in a forked child that has become ``uid`` (no groups); True if it
    exited 0 in time. A fork, not a new Python: the uid may not be able to reach the
    interpreter's folder (only the kernel's namespace is given a way there).

    With ``real``, the child's real and saved uid are ``real`` and only its effective uid is
    ``uid``: it may signal ``uid``'s processes, and they may not signal it back.
    """
    pid = os.fork()
    if pid == 0:  # the child: only plain system calls from here on, then _exit
        code = 1
        try:
            os.setgroups([])
            if real is None:
                os.setgid(uid)
                os.setuid(uid)
            else:
                os.setresgid(real, uid, real)
                os.setresuid(real, uid, real)
            code = 0 if job(*args) is not False else 1
        finally:
            os._exit(code)
    end = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status) == 0
        if time.monotonic() > end:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            return False
        time.sleep(0.005)


def _kill_all_of_my_uid() -> bool:
    """As the sandbox uid: kill(-1) reaches exactly the processes this uid may signal, i.e.
    every process whose real uid is the sandbox's. Repeated until none is left alive."""
    import signal
    # a forked child: psutil's cached Process objects (and their locks) are the parent's
    psutil.process_iter.cache_clear()
    uid, me = os.geteuid(), os.getpid()
    for attempt in range(600):
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if not live_pids_of_uid(uid, exclude=me):
            return True
        time.sleep(0.005 if attempt < 100 else 0.05)
    return False


def sweep_uid(uid: int) -> bool:
    """Kill every process of ``uid`` (the floor mechanism, and the last word of every other).

    Returns True when /proc holds no live task of the uid afterwards.
    """
    if live_pids_of_uid(uid):
        # a second fresh uid as the sweeper's real uid: the survivors cannot kill the sweeper
        _run_as_uid(uid, _kill_all_of_my_uid, real=pick_sandbox_uid())
    return not live_pids_of_uid(uid)


def _open_up(path: str) -> None:
    """Give every folder of a tree the uid owns u+rwx, parents first (a folder left mode 000
    deep inside could not be listed, so rmtree would leave it and all it holds)."""
    try:
        os.chmod(path, 0o700, follow_symlinks=False)
    except OSError:
        return
    for root, dirs, _ in os.walk(path, followlinks=False):
        for name in dirs:  # before the walk enters it
            try:
                os.chmod(os.path.join(root, name), 0o700, follow_symlinks=False)
            except OSError:
                pass


def _remove_my_files(tops) -> None:
    """As the sandbox uid, once its processes are gone: remove what it owns under ``tops``.
    As that uid, it can touch nothing of anyone else's."""
    import shutil
    uid = os.getuid()
    for top in tops:
        for root, dirs, files in os.walk(top, topdown=True, followlinks=False):
            for name in list(dirs) + files:
                path = os.path.join(root, name)
                try:
                    if os.lstat(path).st_uid != uid:
                        continue
                except OSError:
                    continue
                if name in dirs:
                    dirs.remove(name)
                    _open_up(path)
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    try:
                        os.unlink(path)
                    except OSError:
                        pass


def remove_uid_files(uid: int, tops=None) -> None:
    """Remove every file ``uid`` owns under ``tops`` (default: every folder any uid may write
    in) and every System V IPC object it owns, running as that uid."""
    tops = shared_writable_dirs() if tops is None else tops
    _run_as_uid(uid, _remove_my_files, [t for t in tops if os.path.isdir(t)])
    _run_as_uid(uid, _remove_my_ipc)


IPC_RMID = 0
_SYSV = {"shm": "shmctl", "msg": "msgctl", "sem": "semctl"}


def ipc_objects_of_uid(uid: int) -> list[tuple[str, int]]:
    """(kind, id) of the System V shared memory, message queues and semaphores that ``uid``
    owns or created, from /proc/sysvipc (they outlive every process, and hold memory)."""
    found = []
    for kind in _SYSV:
        try:
            with open(f"/proc/sysvipc/{kind}", "rb") as f:
                lines = f.read().split(b"\n")
        except OSError:
            continue
        head, ident = lines[0].split(), 1  # columns: key, id, perms, ... uid, gid, cuid
        try:
            owner, creator = head.index(b"uid"), head.index(b"cuid")
        except ValueError:
            continue
        for line in lines[1:]:
            cols = line.split()
            if len(cols) > max(ident, owner, creator) and \
                    str(uid).encode() in (cols[owner], cols[creator]):
                found.append((kind, int(cols[ident])))
    return found


def _remove_my_ipc() -> None:
    """As the sandbox uid: remove the System V IPC objects it owns (only its own)."""
    for kind, ident in ipc_objects_of_uid(os.getuid()):
        if kind == "sem":
            _libc.semctl(ctypes.c_int(ident), 0, ctypes.c_int(IPC_RMID))
        else:
            getattr(_libc, _SYSV[kind])(ctypes.c_int(ident), ctypes.c_int(IPC_RMID), None)


def files_of_uid(uid: int, tops=None) -> list[str]:
    """Paths under ``tops`` (default: every folder any uid may write in) owned by ``uid``."""
    found = []
    for top in shared_writable_dirs() if tops is None else tops:
        for root, dirs, files in os.walk(top, followlinks=False):
            for name in dirs + files:
                try:
                    if os.lstat(os.path.join(root, name)).st_uid == uid:
                        found.append(os.path.join(root, name))
                except OSError:
                    pass
    return found


def remove_tree_by_fd(path: str | os.PathLike) -> None:
    """Remove a folder with file descriptors only (links inside are removed, never followed).

    Only called once no process of the sandbox uid is left, so nothing changes under it.
    """
    path = os.fspath(path)
    parent, name = os.path.split(path.rstrip("/"))
    try:
        fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        import shutil
        try:
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            return
        if stat.S_ISDIR(st.st_mode):
            shutil.rmtree(name, dir_fd=fd, ignore_errors=True)
        else:
            os.unlink(name, dir_fd=fd)
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------- python access
def blocked_ancestors(paths) -> list[str]:
    """Folders on the way to ``paths`` that other users may not pass through (e.g. /root),
    by their own modes: a folder another grading's :class:`TraversalGrant` opens for a while
    counts as blocked (a kernel relying on that grant would lose the Python install when the
    other grading ends, half-way through its imports)."""
    granted = TraversalGrant.granted()
    blocked = []
    for p in paths:
        p = Path(p).resolve()
        for folder in reversed([p, *p.parents] if p.is_dir() else list(p.parents)):
            try:
                if not folder.stat().st_mode & 0o001 or str(folder) in granted:
                    if not any(str(folder).startswith(b.rstrip("/") + "/") or str(folder) == b
                               for b in blocked):
                        blocked.append(str(folder))
                    break
            except OSError:
                break
    return blocked


class TraversalGrant:
    """Let other users pass through (not list) ``folders``, and put their modes back after.

    The floor for hosts without mount namespaces (where the kernel sees the real /root):
    grants are counted in a root-owned state file under a lock, so concurrent gradings share
    one grant and the last one to finish restores the original modes.
    """

    STATE = "/run/backprop-traversal.json" if os.path.isdir("/run") else \
        os.path.join(tempfile.gettempdir(), "backprop-traversal.json")

    def __init__(self, folders):
        self.folders = sorted(folders)
        self.active = False

    @classmethod
    def granted(cls) -> set[str]:
        """The folders open for now only by a grant (their own modes let no one through)."""
        try:
            fd = os.open(cls.STATE, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:  # no grant was ever made here (or it is not ours to read)
            return set()
        try:
            st = os.fstat(fd)
            if st.st_uid != 0 or not stat.S_ISREG(st.st_mode):
                return set()
            fcntl.flock(fd, fcntl.LOCK_SH)
            state = json.loads(os.read(fd, 1 << 20) or b"{}")
        except (OSError, ValueError):
            return set()
        finally:
            os.close(fd)
        return {folder for folder, entry in state.items() if isinstance(entry, dict)
                and isinstance(entry.get("mode"), int) and not entry["mode"] & 0o001}

    def _locked_state(self):
        fd = os.open(self.STATE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        st = os.fstat(fd)
        if st.st_uid != 0 or not stat.S_ISREG(st.st_mode):
            os.close(fd)
            raise OSError(errno.EPERM, f"{self.STATE} is not root's own file")
        fcntl.flock(fd, fcntl.LOCK_EX)
        raw = os.read(fd, 1 << 20)
        try:
            state = json.loads(raw) if raw else {}
        except ValueError:
            state = {}
        return fd, state

    @staticmethod
    def _save(fd, state):
        data = json.dumps(state).encode()
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, data)
        os.close(fd)  # releases the lock

    def __enter__(self):
        if not self.folders:
            return self
        fd, state = self._locked_state()
        for folder in self.folders:
            entry = state.get(folder)
            if entry is None:
                mode = os.stat(folder, follow_symlinks=False).st_mode & 0o7777
                entry = state[folder] = {"mode": mode, "users": 0}
                os.chmod(folder, mode | 0o001, follow_symlinks=False)
            entry["users"] += 1
        self._save(fd, state)
        self.active = True
        return self

    def __exit__(self, *exc):
        if not self.active:
            return
        fd, state = self._locked_state()
        for folder in self.folders:
            entry = state.get(folder)
            if entry is None:
                continue
            entry["users"] -= 1
            if entry["users"] <= 0:
                os.chmod(folder, entry["mode"], follow_symlinks=False)
                del state[folder]
        self._save(fd, state)
        self.active = False
