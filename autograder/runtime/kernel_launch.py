"""Start the sandboxed kernel (run by the grader, in isolated mode:
``python -I kernel_launch.py SPEC``).

SPEC is the path of a JSON file the grader wrote in the sandbox's root-owned folder:
``uid``/``gid`` (null: keep ours), ``home``, ``connection_file``, ``mechanism``,
``cgroup_procs`` (files to join), ``writable`` (the folders any uid may write in),
``private`` (the kernel's own writable folders, given a tmpfs in the namespace),
``expose`` (``blocked`` folders and the ``paths`` under them the kernel needs: the Python
install), ``tmpfs_mb``, ``rlimits`` and ``argv`` (the kernel).

With ``mechanism == "pid-namespace"`` this process unshares new PID, mount, network, IPC and
UTS namespaces and forks their init. The init mounts a private /proc, size-limited tmpfs on
/tmp, /var/tmp and /dev/shm (the sandbox folder is bound back into /tmp), hides folders other
users cannot pass through behind a tmpfs holding only the Python install, drops every
privilege, forks the kernel and waits for it. When the kernel ends, the init ends; when this
process is killed, the init dies with it (parent-death signal); and when the init dies the
operating system kills every process left in the namespace.

Otherwise it joins the cgroups, drops privileges and becomes the kernel.
"""

import ctypes
import json
import os
import resource
import select
import signal
import sys
from typing import Any, NoReturn

Spec = dict[str, Any]  # the launch spec the grader wrote (see the module docstring)

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = 2, 4, 8, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38

libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def mount(source: str | None, target: str, fstype: str | None, flags: int,
          data: str | None = None) -> None:
    _check(libc.mount(source.encode() if source else None, target.encode(),
                      fstype.encode() if fstype else None, ctypes.c_ulong(flags),
                      data.encode() if data else None), f"mount {target}")


def prctl(option: int, value: int) -> None:
    _check(libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0), f"prctl {option}")


def join_cgroups(procs_files: list[str]) -> None:
    for path in procs_files:
        with open(path, "w") as f:
            f.write(str(os.getpid()))


def apply_rlimits(rlimits: dict[str, int]) -> None:
    for name, value in rlimits.items():
        limit = getattr(resource, name)
        soft, hard = resource.getrlimit(limit)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(limit, (value, value))


def drop_privileges(spec: Spec) -> None:
    """Become the sandbox uid for good: no groups, no way back, no set-uid escalation."""
    if spec["uid"] is not None:
        os.setgroups([])
        os.setgid(spec["gid"])
        os.setuid(spec["uid"])
        if os.getuid() != spec["uid"] or os.geteuid() != spec["uid"]:
            raise SystemExit("could not drop privileges")
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def become_kernel(spec: Spec) -> NoReturn:
    """Drop privileges, apply limits, and exec the kernel in the sandbox's home."""
    drop_privileges(spec)
    apply_rlimits(spec["rlimits"])
    os.chdir(spec["home"])
    os.umask(0o077)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execv(spec["argv"][0], spec["argv"])


def private_mounts(spec: Spec) -> None:
    """In the new mount namespace: a private /proc, /tmp, /var/tmp, /dev/shm, and a /root
    (or any folder others cannot pass through) that holds only the Python install."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    sandbox_dir = os.path.dirname(spec["home"])
    # parents before children: a bound folder brings its subfolders with it
    keep = {p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in
            sorted({sandbox_dir, *spec["expose"]["paths"]}, key=len)}
    size = f"size={int(spec['tmpfs_mb'])}m"
    # every folder any uid may write in (not only /tmp: /run/lock...) is private, and empty
    for shared in spec.get("writable") or ("/tmp", "/var/tmp", "/dev/shm"):
        if os.path.isdir(shared) and not os.path.islink(shared):
            mount("tmpfs", shared, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,{size}")
    for folder in spec["expose"]["blocked"]:
        if os.path.isdir(folder):  # else a private tmpfs above already hides it
            mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0711,size=1m")
    for path, fd in keep.items():  # bind back what the kernel needs, from descriptors
        # (a link into a hidden folder is left as it is: its target is bound back too)
        if not os.path.isdir(path) and not os.path.islink(path):
            os.makedirs(path, mode=0o711)
            mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        os.close(fd)
    # the folders the kernel may write in its sandbox folder (its home, its IPython folder)
    # are on the host's disk: each gets a size-limited tmpfs too, gone with the namespace
    uid, gid = (spec["uid"], spec["gid"]) if spec["uid"] is not None else spec["host_ids"]
    for folder in spec.get("private") or ():
        mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=0700,{size}")
        os.chown(folder, uid, gid)
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)


def namespace_init(spec: Spec, alive_fd: int) -> NoReturn:
    """PID 1 of the sandbox's namespace: start the kernel, reap orphans, end with it."""
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if select.select([alive_fd], [], [], 0)[0]:  # the launcher already died
        os._exit(1)
    if spec["uid"] is None:  # not root: a user namespace maps us onto ourselves
        uid, gid = spec["host_ids"]
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/uid_map", "w") as f:
            f.write(f"{uid} {uid} 1")
        with open("/proc/self/gid_map", "w") as f:
            f.write(f"{gid} {gid} 1")
    private_mounts(spec)
    kernel = os.fork()
    if kernel == 0:
        # the kernel's parent is PID 1 here: ipykernel must not take that for a dead parent
        os.environ.pop("JPY_PARENT_PID", None)
        become_kernel(spec)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # interrupts are for the kernel
    drop_privileges(spec)
    prctl(PR_SET_DUMPABLE, 0)                     # the kernel's uid may not trace us
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)       # a change of uid cleared it
    if select.select([alive_fd], [], [], 0)[0]:
        os._exit(1)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(0)
        if pid == kernel:
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def main(spec_path: str) -> NoReturn:
    with open(spec_path) as f:
        spec = json.load(f)
    if spec["uid"] is not None:  # the file is ours, in our folder: give it to the kernel
        os.chown(spec["connection_file"], spec["uid"], spec["gid"], follow_symlinks=False)
    join_cgroups(spec["cgroup_procs"])
    if spec["mechanism"] != "pid-namespace":
        become_kernel(spec)
    flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    if spec["uid"] is None:
        spec["host_ids"] = (os.getuid(), os.getgid())
        flags |= CLONE_NEWUSER
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # if the grader dies, so does the namespace
    if os.getppid() != spec["grader_pid"]:  # it died before that was set: no signal comes
        sys.stderr.write("kernel_launch: the grader ended before the kernel started\n")
        sys.exit(1)
    _check(libc.unshare(ctypes.c_int(flags)), "unshare")
    alive_r, alive_w = os.pipe()  # closes (readable, EOF) in the init when we die
    init = os.fork()
    if init == 0:
        os.close(alive_w)
        try:
            namespace_init(spec, alive_r)
        except BaseException:
            import traceback
            traceback.print_exc()  # to the grader's kernel log, if it keeps one
        finally:
            os._exit(1)
    os.close(alive_r)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # interrupts are for the kernel
    _, status = os.waitpid(init, 0)
    sys.exit(os.waitstatus_to_exitcode(status) & 0xFF)


if __name__ == "__main__":
    main(sys.argv[1])
