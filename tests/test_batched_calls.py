"""Does a test that calls one function on several inputs cost one request to the kernel,
and get exactly what calling one by one would give (results, errors, their order)?

In process, no kernel: a counting stand-in for the Sandbox answers with the kernel's own
wire module (autograder.runtime.wire_kernel), or with hostile replies, timeouts and a
dying kernel. The real kernel's side is in tests/test_sandbox.py (slow)."""

import json

import numpy as np
import pytest

from autograder.runtime import wire, wire_kernel
from autograder.runtime.sandbox import KernelGone, RemoteFunction, SandboxTimeout, StudentError
from autograder.student.checks import AnswerError, call, call_all, call_each


class CountingKernel:
    """What RemoteFunction needs of a Sandbox, answering from a dict of globals with the
    kernel's own wire module; ``batch`` replaces the handling of call_each requests (a
    reply, or an exception to raise)."""

    limits = {"call_timeout": 5}

    def __init__(self, batch=None):
        self.requests = []   # (op, number of calls)
        self.batch = batch
        self.calls = []      # the student's function's arguments, in the order it ran

        def square(x):
            self.calls.append(x)
            if isinstance(x, str) and x == "raise":
                raise ValueError("not a number")
            if isinstance(x, str) and x == "none":
                return None
            return x * x

        self.globals = {"square": square}

    def request(self, request):
        op = request["op"]
        self.requests.append((op, len(request.get("args_list", [()]))))
        if op == "call_each" and self.batch is not None:
            reply = self.batch(request)
            if isinstance(reply, BaseException):
                raise reply
            return reply
        return json.loads(wire_kernel.reply_text(json.dumps(request), self.globals))


def outcome(kernel, args_list):
    """What RemoteFunction.call_each gives, as comparable plain data."""
    returned, error = RemoteFunction(kernel, "square").call_each(args_list)
    return [value for value, _ in returned], error and str(error)


def one_by_one(args_list):
    """The same calls made one request each, stopping at the first error."""
    function = RemoteFunction(CountingKernel(), "square")
    values = []
    for args in args_list:
        try:
            values.append(function(*args))
        except StudentError as e:
            return values, str(e)
    return values, None


INPUTS = [[(1,), (2,), (3,)], [(1,), ("raise",), (3,)], [("raise",), (2,)], [(2,), ("none",)],
          [(np.arange(3.0),), (1.5,)]]


@pytest.mark.parametrize("args_list", INPUTS)
def test_a_batch_gives_what_calls_one_by_one_give_in_one_request(args_list):
    """Are the results, and the first error, those of calling one by one, from one request
    whose calls stop at the first that raises?"""
    kernel = CountingKernel()
    got = outcome(kernel, args_list)
    want = one_by_one(args_list)
    assert str(got[0]) == str(want[0]) and got[1] == want[1]
    assert kernel.requests == [("call_each", len(args_list))]
    stop = next((i for i, (x,) in enumerate(args_list) if isinstance(x, str) and x == "raise"),
                len(args_list) - 1)
    assert len(kernel.calls) == stop + 1


def test_one_call_is_one_plain_call_and_many_are_cut_at_max_calls():
    """Is a single call sent as `call`, and are more than MAX_CALLS calls sent in batches of
    at most MAX_CALLS, in order?"""
    kernel = CountingKernel()
    assert outcome(kernel, [(3,)]) == ([9], None) and kernel.requests == [("call", 1)]
    kernel = CountingKernel()
    count = 2 * wire.MAX_CALLS + 1
    assert outcome(kernel, [(i,) for i in range(count)]) == ([i * i for i in range(count)],
                                                              None)
    assert kernel.requests == [("call_each", wire.MAX_CALLS), ("call_each", wire.MAX_CALLS),
                               ("call", 1)]


def test_a_batch_that_times_out_is_called_again_one_by_one():
    """A batch over the call time limit (a correct but slowish function): is each call then
    made on its own, with its own limit, so the answer still passes?"""
    kernel = CountingKernel(batch=lambda request: SandboxTimeout(5))
    assert outcome(kernel, [(1,), (2,), (3,)]) == ([1, 4, 9], None)
    assert kernel.requests == [("call_each", 3), ("call", 1), ("call", 1), ("call", 1)]


def test_a_call_that_times_out_alone_too_is_the_timeout_error():
    """If a call also runs out of time on its own, is the error the single call's timeout,
    after the results of the calls before it?"""
    class Slow(CountingKernel):
        def request(self, request):
            if request["op"] == "call_each" or request["args"][0] == wire.encode(2):
                self.requests.append((request["op"], 0))
                raise SandboxTimeout(5)
            return super().request(request)
    assert outcome(Slow(), [(1,), (2,), (3,)]) == ([1], "Timeout: it did not return within 5 s")


@pytest.mark.parametrize("hostile", [
    lambda request: {"ok": False, "error": "ValueError", "message": "too large"},
    lambda request: {"ok": True, "replies": "not a list"},
    lambda request: {"ok": True, "replies": []},
    lambda request: {"ok": True},
    lambda request: {"ok": "yes", "replies": [{"ok": True, "value": {"t": "int", "v": 1}}]},
    lambda request: {"ok": True, "replies": [{"ok": True, "value": {"t": "int", "v": 1}}] * 9},
    lambda request: {"ok": True, "replies": [{"ok": True, "value": {"t": "int", "v": 1}}]},
    lambda request: {"ok": True, "replies": [{"ok": False, "error": "E"},
                                             {"ok": True, "value": {"t": "int", "v": 1}}]},
    lambda request: {"ok": True, "replies": [3, 4, 5]},
    lambda request: {"ok": True, "replies": [{"ok": True, "value": {"t": "nope"}}] * 3},
    lambda request: {"ok": True, "replies": [{"ok": True}] * 3},
    lambda request: {"ok": True, "replies": [{"ok": True, "value": {"t": "int", "v": 1},
                                              "warnings": 7}] * 3},
    lambda request: wire.WireError("malformed reply"),
])
def test_an_unusable_batch_reply_falls_back_to_calling_one_by_one(hostile):
    """Does a call_each reply that is an error, of the wrong shape, holds a value that cannot
    be read or is not parseable give exactly what calling one by one gives?"""
    kernel = CountingKernel(hostile)
    args_list = [(1,), (2,), (3,)]
    got = outcome(kernel, args_list)
    assert got == one_by_one(args_list)
    assert [op for op, _ in kernel.requests] == ["call_each", "call", "call", "call"]


def test_a_kernel_that_dies_in_a_batch_is_the_first_calls_error_without_calling_again():
    """Does a kernel that dies during a batch end the calls with KernelDied, making no
    call again (each restart counts against the notebook's limit)?"""
    kernel = CountingKernel(batch=lambda request: KernelGone("the kernel died"))
    assert outcome(kernel, [(1,), (2,)]) == ([], "KernelDied: the kernel died")
    assert kernel.requests == [("call_each", 2)]


def test_an_argument_the_wire_cannot_send_fails_as_its_single_call_does():
    """A test's argument of a type the wire does not send: is it the single call's error?"""
    kernel = CountingKernel()
    returned, error = RemoteFunction(kernel, "square").call_each([(1,), (object(),)])
    assert [v for v, _ in returned] == [1] and isinstance(error, ValueError)


# ------------------------------------------------------------------ checks.call_each

def results(function, args_list, name=None):
    """What a loop over call_each meets: each result, then the error's message."""
    got = []
    try:
        for value in call_each(function, args_list, name=name):
            got.append(value.tolist() if isinstance(value, np.ndarray) else value)
    except AnswerError as e:
        return got, str(e)
    return got, None


def results_one_by_one(function, args_list, name=None):
    got = []
    for args in args_list:
        try:
            value = call(function, *args, name=name)
        except AnswerError as e:
            return got, str(e)
        got.append(value.tolist() if isinstance(value, np.ndarray) else value)
    return got, None


@pytest.mark.parametrize("args_list", INPUTS)
@pytest.mark.parametrize("remote", [True, False])
def test_call_each_meets_what_call_meets_at_the_same_item(args_list, remote):
    """Local or in the kernel: does a loop over call_each meet each result, then the error
    `call` gives (a raise, or a None result) at the same item?"""
    kernel = CountingKernel()
    function = RemoteFunction(kernel, "square") if remote else kernel.globals["square"]
    want = results_one_by_one(function, args_list)
    assert results(function, args_list) == want
    if want[1] is not None:
        assert want[1].startswith("square raise") or "returns None" in want[1]


def test_call_each_of_a_local_function_calls_as_results_are_asked_for():
    """A local function (a public check in the student's kernel): is each call made only
    when its result is asked for, so a loop that stops early calls no further?"""
    calls = []
    results_iter = call_each(lambda x: calls.append(x) or x, [(1,), (2,), (3,)], name="f")
    assert next(results_iter) == 1 and calls == [1]


def test_call_each_asks_the_kernel_once_when_the_first_result_is_asked_for():
    kernel = CountingKernel()
    results_iter = call_each(RemoteFunction(kernel, "square"), [(1,), (2,)])
    assert kernel.requests == []
    assert list(results_iter) == [1, 4] and kernel.requests == [("call_each", 2)]


@pytest.mark.parametrize("function, phrase", [
    (None, "is not defined"), (3, "should be a function"),
])
def test_call_each_of_no_function_says_so_as_call_does(function, phrase):
    with pytest.raises(AnswerError, match=phrase):
        next(call_each(function, [(1,)], name="f"))


def test_a_failing_batch_is_the_first_calls_error():
    """An exception from the batch itself (not from a call): is it said as `call` says a
    failed call, at the first item?"""
    class Broken:
        __name__ = "f"

        def __call__(self, *args):
            raise RuntimeError("down")

        def call_each(self, args_list):
            raise RuntimeError("down")

    assert results(Broken(), [(1,), (2,)]) == results_one_by_one(Broken(), [(1,)]) == \
        ([], "f raised RuntimeError: down")


def outcomes_text(outcomes):
    return [str(o) if isinstance(o, AnswerError) else
            (o.tolist() if isinstance(o, np.ndarray) else o) for o in outcomes]


@pytest.mark.parametrize("args_list", INPUTS + [
    [("raise",), (2,), ("raise",), ("none",), (3,)], [("raise",), ("raise",)]])
@pytest.mark.parametrize("remote", [True, False])
def test_call_all_gives_each_call_what_call_gives(args_list, remote):
    """Local or in the kernel: does call_all give, for every tuple, the result or the
    AnswerError `call` gives, calling on after an error, with one request more per raise?"""
    kernel = CountingKernel()
    function = RemoteFunction(kernel, "square") if remote else kernel.globals["square"]
    want = []
    for args in args_list:
        try:
            want.append(call(function, *args))
        except AnswerError as e:
            want.append(e)
    kernel.requests.clear()
    assert outcomes_text(list(call_all(function, args_list))) == outcomes_text(want)
    if remote:
        raises = sum(1 for (x,) in args_list[:-1] if isinstance(x, str) and x == "raise")
        assert len(kernel.requests) == 1 + raises


def test_call_all_of_no_function_is_the_same_error_for_every_call():
    assert outcomes_text(list(call_all(None, [(1,), (2,)], name="f"))) == [
        "f is not defined: did you run the cell that defines it?"] * 2


def test_call_all_calls_as_outcomes_are_asked_for():
    """Is a local function called only when its outcome is asked for, and a kernel's
    function in one request then?"""
    calls = []
    outcomes = call_all(lambda x: calls.append(x) or x, [(1,), (2,)], name="f")
    assert next(outcomes) == 1 and calls == [1]
    kernel = CountingKernel()
    outcomes = call_all(RemoteFunction(kernel, "square"), [(1,), (2,)])
    assert kernel.requests == []
    assert list(outcomes) == [1, 4] and kernel.requests == [("call_each", 2)]


# ------------------------------------------------------------------ hostile review (attack-2)

def test_a_notebook_pays_for_one_batch_timeout_at_most():
    """A correct but slowish function whose batches run out of time: is only the first batch
    tried (each timed-out batch costs a whole call_timeout of the notebook's total time, so a
    batch per test could use it up and fail later, correct answers)?"""
    kernel = CountingKernel(batch=lambda request: SandboxTimeout(5))
    for _ in range(3):
        assert outcome(kernel, [(1,), (2,), (3,)]) == ([1, 4, 9], None)
    assert [op for op, _ in kernel.requests].count("call_each") == 1


class DyingKernel(CountingKernel):
    """A kernel that dies (and is restarted) whenever the student's function gets "die"."""

    def __init__(self):
        super().__init__()
        self.deaths = 0

    def request(self, request):
        args = request.get("args_list", [request.get("args", [])])
        if any(wire.encode("die") in a for a in args):
            self.requests.append((request["op"], len(args)))
            self.deaths += 1
            raise KernelGone("the kernel died")
        return super().request(request)


def test_call_all_blames_a_dead_kernel_on_the_call_that_killed_it():
    """A function that kills the kernel on one input: does call_all give every other input
    its result, as one by one does, without a restart per remaining call (each counts
    against the notebook's MAX_RESTARTS)?"""
    args_list = [(1,), (2,), ("die",), (3,)]
    one = DyingKernel()
    want = outcomes_text(_outcome_each(RemoteFunction(one, "square"), args_list))
    kernel = DyingKernel()
    got = outcomes_text(list(call_all(RemoteFunction(kernel, "square"), args_list)))
    assert got == want == [1, 4, "square raised KernelDied: the kernel died", 9]
    assert kernel.deaths <= one.deaths + 1


def _outcome_each(function, args_list):
    found = []
    for args in args_list:
        try:
            found.append(call(function, *args))
        except AnswerError as e:
            found.append(e)
    return found
