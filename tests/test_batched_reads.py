"""Does a test case that reads several values cost one request to the kernel, and grade
exactly as reading them one by one would?

In process, no kernel: a counting stand-in for the Sandbox answers with the kernel's own
wire module (autograder.runtime.wire_kernel), or with hostile replies."""

import json

import numpy as np
import pytest
from otter.test_files.exception_test import ExceptionTestFile

from autograder.runtime import trusted, wire, wire_kernel
from autograder.runtime.sandbox import RemoteEnvironment, RemoteFunction

TESTS = '''
from otter.test_files import test_case

OK_FORMAT = False

name = "q"
points = 3

@test_case(points=1, hidden=False)
def test_reads_three(W, X, step):
    assert W.shape == (2, 2) and X.sum() == 3 and step(1) == 2

@test_case(points=1, hidden=True)
def test_sees_what_a_call_changed(bump, counter):
    assert counter == 0
    bump()

@test_case(points=1, hidden=True)
def test_reads_again_after_the_change(counter, env):
    assert counter == 1
    env["bump"]()
    assert env.get("counter") == 2
'''


class CountingKernel:
    """What RemoteEnvironment needs of a Sandbox, answering from a dict of globals with
    the kernel's own wire module; ``hostile`` replaces get_many replies."""

    limits = {"call_timeout": 5}

    def __init__(self, hostile=None):
        self.requests = []
        self.hostile = hostile

        def step(x):
            return x + 1

        def bump():
            self.globals["counter"] += 1

        self.globals = {"W": np.eye(2), "X": np.arange(3), "step": step, "bump": bump,
                        "counter": 0}

    def request(self, request):
        self.requests.append(request["op"])
        if request["op"] == "get_many" and self.hostile is not None:
            reply = self.hostile(request)
            if isinstance(reply, Exception):
                raise reply
            return reply
        return json.loads(wire_kernel.reply_text(json.dumps(request), self.globals))


class Env(RemoteEnvironment):
    """The kernel's environment, also indexable (env["bump"]), as tests taking env use it."""

    def __getitem__(self, name):
        return self.get(name)


def grade(kernel):
    test_file = ExceptionTestFile.from_string(TESTS, path="q.py")
    return trusted.run_test_file(test_file, Env(kernel))


def verdicts(test_file):
    return [(r.passed, r.message) for r in test_file.test_case_results]


def test_a_test_case_reading_several_values_costs_one_request():
    """Are the three values a test case reads fetched by one get_many, not three gets?"""
    kernel = CountingKernel()
    test_file = grade(kernel)
    assert all(passed for passed, _ in verdicts(test_file)), verdicts(test_file)
    # case 1: one get_many, one call; case 2: one get_many, one call; case 3: one get
    # (env is not read from the kernel), then a get and a call, then a get
    assert kernel.requests == ["get_many", "call", "get_many", "call",
                               "get", "get", "call", "get"]


def test_a_value_changed_by_the_students_code_is_read_again():
    """A call that changes a global between (and within) test cases: does every later read
    see the new value, never a prefetched one?"""
    kernel = CountingKernel()
    grade(kernel)
    assert kernel.globals["counter"] == 2


def unbatched(kernel):
    """The same grading with every value read on its own (no prefetch)."""
    class OneByOne(Env):
        def prefetch(self, names):
            pass
    test_file = ExceptionTestFile.from_string(TESTS, path="q.py")
    return trusted.run_test_file(test_file, OneByOne(kernel))


@pytest.mark.parametrize("hostile", [
    lambda request: {"ok": False, "error": "ValueError", "message": "too large"},
    lambda request: {"ok": True, "values": "not a list"},
    lambda request: {"ok": True, "values": []},
    lambda request: {"ok": True, "values": [{"t": "int", "v": 1}] * 9},
    lambda request: {"ok": "yes", "values": [{"t": "none"}] * len(request["names"])},
    lambda request: {"ok": True},
    lambda request: wire.WireError("malformed reply"),
])
def test_an_unusable_batch_reply_falls_back_to_reading_one_by_one(hostile):
    """Does a get_many reply that is an error, of the wrong shape or not parseable leave
    the verdicts exactly as reading name by name gives them?"""
    kernel = CountingKernel(hostile)
    assert verdicts(grade(kernel)) == verdicts(unbatched(CountingKernel()))
    assert "get" in kernel.requests


@pytest.mark.parametrize("node", [
    {"t": "array", "kind": "f", "shape": [2, 2], "data": ["1.0"]},
    {"t": "nope"}, "text", None, {"t": "int", "v": "1"},
])
def test_a_malformed_value_in_a_batch_raises_wire_error_only(node):
    """A batched reply is hostile input too: is a malformed node in it refused by the
    strict decoder (WireError, as for a single get), and does the test case fail?"""
    kernel = CountingKernel(lambda request: {"ok": True, "values": [node] * len(
        request["names"])})
    env = Env(kernel)
    env.prefetch(["W", "X"])
    with pytest.raises(wire.WireError):
        env.get("W")
    [first, *_] = verdicts(grade(kernel))
    assert first[0] is False


def test_a_prefetched_value_answers_one_read_only():
    """Is a prefetched value used once, the next read of the same name asking the kernel?"""
    kernel = CountingKernel()
    env = Env(kernel)
    env.prefetch(["W", "step", "W"])
    assert kernel.requests == ["get_many"]
    assert np.array_equal(env.get("W"), np.eye(2))
    assert isinstance(env.get("step"), RemoteFunction)
    assert kernel.requests == ["get_many"]
    kernel.globals["W"] = 5
    assert env.get("W") == 5 and kernel.requests == ["get_many", "get"]


def test_prefetched_arrays_are_fresh_for_each_read():
    """Does each read decode its own array, so a test that changes one changes no other?"""
    kernel = CountingKernel()
    env = Env(kernel)
    env.prefetch(["W", "X"])
    W = env.get("W")
    W[0, 0] = 99
    assert env.get("W")[0, 0] == 1.0


def test_one_name_is_one_plain_get_and_too_many_are_cut():
    """Is a single name read by get (no batch), and a batch never over MAX_NAMES names?"""
    kernel = CountingKernel()
    env = Env(kernel)
    env.prefetch(["W"])
    assert kernel.requests == []
    asked = []
    kernel.hostile = lambda request: asked.append(request["names"]) or {"ok": False}
    env.prefetch([f"n{i}" for i in range(wire.MAX_NAMES + 10)])
    assert [len(names) for names in asked] == [wire.MAX_NAMES]
