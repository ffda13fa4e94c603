"""Do the process scans (psutil) see what must be killed: a zombie leader whose threads
run counts as alive, a process that vanishes mid-scan is skipped, never a crash?"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from autograder.runtime import containment

SYS_EXIT = 60  # x86-64: ends the calling thread only (exit_group ends the process)


def zombie_leader(mark):
    """Fork a child whose leader thread exits while another thread runs on; its pid."""
    pid = os.fork()
    if pid == 0:
        os.environ["BACKPROP_TEST_MARK"] = mark
        os.execv(sys.executable, [sys.executable, "-c",
                              "import ctypes, threading, time\n"
                              "def forever():\n    while True:\n        time.sleep(0.05)\n"
                              "threading.Thread(target=forever).start()\n"
                              f"ctypes.CDLL(None).syscall({SYS_EXIT}, 0)\n"])
    proc = psutil.Process(pid)
    for _ in range(200):
        if proc.status() == psutil.STATUS_ZOMBIE:
            return pid
        time.sleep(0.02)
    raise AssertionError("the child's leader did not become a zombie")


@pytest.fixture
def leader():
    if os.uname().machine != "x86_64":
        pytest.skip("the exit system call number is x86-64's")
    mark = os.urandom(8).hex()
    pid = zombie_leader(mark)
    yield pid, mark
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def test_a_zombie_leader_with_a_running_thread_is_alive(leader):
    """psutil calls the process a zombie (its leader's state): is it still seen alive, by
    uid, and found by its environment (read from its live thread)?"""
    pid, mark = leader
    proc = psutil.Process(pid)
    assert proc.status() == psutil.STATUS_ZOMBIE  # what psutil alone would say
    assert containment.is_alive(proc)
    assert pid in containment.live_pids_of_uid(os.getuid())
    assert containment.pids_with_environment("BACKPROP_TEST_MARK", mark) == {pid}


def test_once_killed_it_is_dead_and_found_nowhere(leader):
    pid, mark = leader
    os.kill(pid, signal.SIGKILL)
    for _ in range(100):  # the zombie stays until reaped: dead, though listed
        if not containment.is_alive(psutil.Process(pid)):
            break
        time.sleep(0.02)
    assert not containment.is_alive(psutil.Process(pid))
    assert pid not in containment.live_pids_of_uid(os.getuid())
    assert containment.pids_with_environment("BACKPROP_TEST_MARK", mark) == set()


def vanished_process():
    """A psutil.Process whose process has ended and been reaped."""
    pid = os.fork()
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    proc = psutil.Process(pid)
    proc.info = {"uids": proc.uids()}  # as process_iter would have prefetched it
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return proc


def test_a_process_that_vanishes_mid_scan_is_skipped(monkeypatch):
    """Does each scan skip a process that ended between listing and reading (NoSuchProcess)
    instead of crashing or counting it?"""
    gone = vanished_process()
    monkeypatch.setattr(containment.psutil, "process_iter", lambda *a, **k: iter([gone]))
    assert not containment.is_alive(gone)
    assert containment.live_pids_of_uid(os.getuid()) == []
    assert containment.live_pids_in_namespace(os.readlink("/proc/self/ns/pid")) == []
    assert containment.pids_with_environment("PATH", os.environ["PATH"]) == set()


def test_the_scans_find_a_live_process_by_uid_and_namespace():
    """The control: a plain sleeping child is found by uid, namespace and environment."""
    pid = os.fork()
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    try:
        assert pid in containment.live_pids_of_uid(os.getuid())
        assert pid in containment.live_pids_in_namespace(os.readlink("/proc/self/ns/pid"))
        assert pid in containment.pids_with_environment("PATH", os.environ["PATH"])
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root, to act as a fresh uid")
def test_files_under_a_folder_the_uid_locked_are_removed():
    """A submission's folder holding a folder of mode 000 (and one of 500 above it): is
    everything the uid left removed, not only what rmtree could list?"""
    base = Path(tempfile.mkdtemp(prefix="backprop-test-"))
    base.chmod(0o711)
    top = base / "shared"
    top.mkdir()
    top.chmod(0o1777)
    uid = containment.pick_sandbox_uid()

    def plant():
        os.makedirs(top / "a" / "b" / "c")
        (top / "a" / "b" / "c" / "f").write_text("left behind")
        os.chmod(top / "a" / "b" / "c", 0)
        os.chmod(top / "a" / "b", 0)
        os.chmod(top / "a", 0o500)

    try:
        assert containment._run_as_uid(uid, plant)
        assert containment.files_of_uid(uid, [str(top)])
        containment.remove_uid_files(uid, [str(top)])
        assert containment.files_of_uid(uid, [str(top)]) == []
    finally:  # as root, whatever the test found
        subprocess.run(["chmod", "-R", "u+rwx", str(base)], check=False)
        shutil.rmtree(base)


def test_a_folder_open_only_by_another_gradings_grant_counts_as_blocked(tmp_path, monkeypatch):
    """While a grading under uid-kill holds /root open (a TraversalGrant), is /root still a
    blocked ancestor for a kernel starting beside it? (Trusting the open mode, that kernel
    lost the Python install half-way through its imports when the grant ended.)"""
    if os.geteuid() != 0:
        pytest.skip("grants are made as root")
    from autograder.runtime import containment
    monkeypatch.setattr(containment.TraversalGrant, "STATE", str(tmp_path / "grants.json"))
    for folder in (tmp_path.parent, tmp_path):  # pytest's own folders: passable, as /
        os.chmod(folder, 0o711)
    closed = tmp_path / "closed"
    (closed / "python").mkdir(parents=True)
    os.chmod(closed, 0o700)
    assert containment.blocked_ancestors([closed / "python"]) == [str(closed)]
    with containment.TraversalGrant([str(closed)]):
        assert os.stat(closed).st_mode & 0o001  # open for now
        assert containment.blocked_ancestors([closed / "python"]) == [str(closed)]
    assert containment.TraversalGrant.granted() == set()
    assert not os.stat(closed).st_mode & 0o001


def test_a_launcher_whose_grader_already_ended_starts_no_kernel(tmp_path):
    """If the grading process is killed while the kernel's launcher starts, before the
    launcher asks to die with it (PR_SET_PDEATHSIG), does the launcher stop at once instead
    of starting a kernel no one will end? (Here its parent is not the grader it names.)"""
    import json

    from autograder.runtime import kernel_launch
    spec = tmp_path / "launch.json"
    spec.write_text(json.dumps({"uid": None, "cgroup_procs": [], "mechanism": "pid-namespace",
                                "grader_pid": 1}))  # never our pid: the grader "ended"
    proc = subprocess.run([sys.executable, "-I", kernel_launch.__file__, str(spec)],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert "the grader ended before the kernel started" in proc.stderr
