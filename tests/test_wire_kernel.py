"""Does the kernel's side of the wire encode, call and reply as the grader expects?

Tested in process, no kernel: autograder.runtime.wire_kernel is imported directly, as the
kernel gets it (as source) only for the sandbox tests."""

import ast
import json
import subprocess
import sys
import types
import warnings

import numpy as np
import pytest

from autograder.runtime import wire, wire_kernel


class Sub(int):
    pass


@pytest.mark.parametrize("value", [
    None, ..., True, -3, 2.5, float("inf"), "tëxt", [1, (2, 3)], {"a": {1, 2}},
    frozenset({"x"}), np.float64(0.5), np.int32(-7), np.uint8(200), np.bool_(False),
    np.arange(6.0).reshape(2, 3), np.array([[1, 2]], dtype=np.int16), np.array([True]),
    np.zeros((0, 3)), np.float32(0.25),
])
def test_student_values_reach_the_grader_unchanged(value):
    """Does a student's value, encoded in the kernel, decode in the grader to an equal one
    (numpy scalars as float64/int64/bool_)?"""
    got = wire.decode(json.loads(json.dumps(wire_kernel.encode(value))))
    if isinstance(value, np.ndarray):
        assert got.shape == value.shape and np.array_equal(got, value)
    else:
        assert got == value


@pytest.mark.parametrize("value, type_name", [
    (object(), "object"), (Sub(3), "Sub"), (int, "type"), (np, "module"),
    (np.array([1j]), "array of complex128"), (np.complex128(1j), "numpy complex128"),
    (np.array([object()]), "array of object"),
])
def test_what_the_grader_does_not_read_is_opaque(value, type_name):
    """Are objects, subclasses of plain types, classes, modules and non-numeric arrays sent
    as opaque (by type name only)?"""
    assert wire_kernel.encode(value) == {"t": "opaque", "type": type_name}


def test_functions_are_sent_by_name():
    def forward(x):
        return x
    assert wire_kernel.encode(forward) == {"t": "function", "name": "forward"}


def test_values_nested_too_deeply_become_opaque():
    """Is a value nested past MAX_DEPTH cut there (opaque), not encoded without end?"""
    value = []
    for _ in range(wire_kernel.MAX_DEPTH + 5):
        value = [value]
    node = wire_kernel.encode(value)
    for _ in range(wire_kernel.MAX_DEPTH + 1):
        node = node["items"][0]
    assert node == {"t": "opaque", "type": "too deeply nested"}


def test_without_numpy_imported_plain_values_still_encode(monkeypatch):
    """A student who never imported numpy: do plain values encode (numpy is looked up in
    sys.modules, never imported)?"""
    monkeypatch.delitem(sys.modules, "numpy")
    assert wire_kernel.encode([1, 2.0]) == {"t": "list", "items": [
        {"t": "int", "v": 1}, {"t": "float", "v": "2.0"}]}
    assert "numpy" not in sys.modules


@pytest.mark.parametrize("value", [
    None, ..., False, 4, -0.5, "s", [1, [2]], (1,), {3}, frozenset({4}), {"k": (1, 2)},
    np.float64(1.5), np.int64(-2), np.bool_(True), np.eye(2), np.array([1, 2], dtype=np.int64),
    np.array([True, False]), np.zeros((2, 0)),
])
def test_test_arguments_reach_the_student_function_unchanged(value):
    """Does an argument encoded by the grader decode in the kernel to an equal value of the
    same type?"""
    got = wire_kernel.decode(json.loads(json.dumps(wire.encode(value))))
    assert type(got) is type(value)
    if isinstance(value, np.ndarray):
        assert got.dtype == value.dtype and np.array_equal(got, value)
    else:
        assert got == value


def student_globals():
    def double(x):
        return x * 2

    def noisy(x):
        warnings.warn("careful", RuntimeWarning, stacklevel=1)
        return x

    def boom(x):
        raise ValueError("no " * 400)

    def stop():
        raise KeyboardInterrupt

    def huge():
        return "x" * (wire_kernel.MAX_TEXT + 1)

    return {"A": np.eye(2), "double": double, "noisy": noisy, "boom": boom, "stop": stop,
            "huge": huge, "not_a_function": 3}


def ask(request):
    return json.loads(wire_kernel.reply_text(json.dumps(request), student_globals()))


def test_get_returns_a_global_or_missing():
    assert wire.decode(ask({"op": "get", "name": "A"})["value"]).tolist() == [[1, 0], [0, 1]]
    assert ask({"op": "get", "name": "nothing"}) == {"ok": True, "value": {"t": "missing"}}


def test_call_returns_the_value_and_the_warnings():
    reply = ask({"op": "call", "name": "noisy", "args": [wire.encode(np.arange(2))]})
    assert reply["ok"] and wire.decode(reply["value"]).tolist() == [0, 1]
    assert reply["warnings"] == ["RuntimeWarning: careful"]
    reply = ask({"op": "call", "name": "double", "args": [wire.encode(2.5)]})
    assert wire.decode(reply["value"]) == 5.0 and reply["warnings"] == []


def test_a_students_exception_is_a_reply_with_its_type_and_a_short_message():
    reply = ask({"op": "call", "name": "boom", "args": [wire.encode(1)]})
    assert reply["ok"] is False and reply["error"] == "ValueError"
    assert len(reply["message"]) == wire_kernel.MAX_MESSAGE


def test_an_interrupt_is_not_taken_for_the_students_answer():
    """Does KeyboardInterrupt (the grader's time limit) go through, not become a reply?"""
    with pytest.raises(KeyboardInterrupt):
        ask({"op": "call", "name": "stop", "args": []})


@pytest.mark.parametrize("request_, error", [
    ({"op": "call", "name": "not_a_function", "args": []}, "NameError"),
    ({"op": "call", "name": "absent", "args": []}, "NameError"),
    ({"op": "call", "name": "double", "args": [wire.encode(1), wire.encode(2)]}, "TypeError"),
    ({"op": "call", "name": "double"}, "KeyError"),
    ({"op": "delete", "name": "A"}, "ValueError"),
    ({"op": "get"}, "KeyError"),
])
def test_requests_that_cannot_be_answered_get_an_error_reply(request_, error):
    reply = ask(request_)
    assert reply["ok"] is False and reply["error"] == error


def test_a_reply_too_large_to_send_says_so():
    """Is a value whose JSON is over MAX_TEXT replaced by a short error reply?"""
    text = wire_kernel.reply_text(json.dumps({"op": "call", "name": "huge", "args": []}),
                                  student_globals())
    assert len(text) < 200 and "too large" in json.loads(text)["message"]


def test_serve_publishes_the_reply_with_the_nonce(monkeypatch):
    """Does serve() answer about __main__ and publish the reply under the wire's MIME type
    with the request's nonce?"""
    import IPython.display
    published = []
    monkeypatch.setattr(IPython.display, "publish_display_data", published.append)
    main = types.ModuleType("__main__")
    main.x = 7
    monkeypatch.setitem(sys.modules, "__main__", main)
    wire_kernel.serve(json.dumps({"op": "get", "name": "x"}), "n0nce")
    [data] = published
    assert data[wire.MIME]["nonce"] == "n0nce"
    assert json.loads(data[wire.MIME]["reply"]) == {"ok": True, "value": {"t": "int", "v": 7}}


def test_the_kernel_module_imports_only_what_every_kernel_has():
    """Does wire_kernel import only the standard library and IPython (never the autograder
    package, which the kernel cannot import)?"""
    tree = ast.parse(wire.kernel_source())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"json", "sys", "warnings", "IPython.display"}


def test_the_source_runs_where_the_autograder_package_is_not_importable(tmp_path):
    """Executed as the kernel does (a fresh module, in a Python where importing the
    autograder package fails), does the source define a working encoder?"""
    code = ("import sys, types\n"
            "sys.modules['autograder'] = None  # any import of it now raises ImportError\n"
            "m = types.ModuleType('__backprop_wire__')\n"
            "exec(sys.stdin.read(), m.__dict__)\n"
            "print(m.encode([1, 'a']))")
    out = subprocess.run([sys.executable, "-I", "-c", code], input=wire.kernel_source(),
                         capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert out.stdout.strip() == str(wire_kernel.encode([1, "a"])), out.stderr


def test_get_many_returns_each_global_in_order_or_missing():
    """Does one get_many request answer every name, in the order asked, as get would?"""
    reply = ask({"op": "get_many", "names": ["double", "nothing", "A"]})
    assert reply["ok"] is True
    assert reply["values"] == [ask({"op": "get", "name": n})["value"]
                               for n in ("double", "nothing", "A")]


@pytest.mark.parametrize("names", [
    "A", None, {"A": 1}, ["A"] * (wire_kernel.MAX_NAMES + 1), [["A"]],
])
def test_a_malformed_get_many_gets_an_error_reply(names):
    """Is a get_many whose names are not a short list of names an error reply, not a crash?"""
    reply = ask({"op": "get_many", "names": names})
    assert reply["ok"] is False and reply["error"] in ("ValueError", "TypeError")


def test_a_get_many_reply_too_large_to_send_says_so():
    """Is a batch whose JSON together is over MAX_TEXT refused whole (the grader then asks
    name by name)?"""
    big = "x" * (wire_kernel.MAX_TEXT // 2)
    text = wire_kernel.reply_text(json.dumps({"op": "get_many", "names": ["a", "b"]}),
                                  {"a": big, "b": big})
    assert len(text) < 200 and "too large" in json.loads(text)["message"]


def call_each(name, args_list, namespace=None):
    request = {"op": "call_each", "name": name,
               "args_list": [[wire.encode(a) for a in args] for args in args_list]}
    return json.loads(wire_kernel.reply_text(json.dumps(request),
                                             namespace or student_globals()))


def test_call_each_replies_as_one_call_per_argument_list():
    """Does one call_each give, in order, exactly the replies of calling one by one (values
    and warnings)?"""
    reply = call_each("noisy", [(np.arange(2),), (2.5,), ([1, 2],)])
    assert reply["ok"] is True
    assert reply["replies"] == [
        ask({"op": "call", "name": "noisy", "args": [wire.encode(a)]})
        for a in (np.arange(2), 2.5, [1, 2])]
    assert [wire.decode(r["value"]) for r in reply["replies"][1:]] == [2.5, [1, 2]]


def test_call_each_stops_at_the_first_call_that_raises():
    """Is the first failing call the last reply (as calling one by one and stopping at the
    first failure would), the later calls never made?"""
    calls = []

    def picky(x):
        calls.append(x)
        if x == 2:
            raise ValueError("two")
        return x

    reply = call_each("picky", [(1,), (2,), (3,)], {"picky": picky})
    assert calls == [1, 2]
    assert [r["ok"] for r in reply["replies"]] == [True, False]
    assert reply["replies"][1]["error"] == "ValueError" and reply["replies"][1]["message"] == "two"


@pytest.mark.parametrize("name", ["absent", "not_a_function"])
def test_call_each_of_no_function_is_one_name_error(name):
    """A missing function: is the batch the single NameError reply a call would give?"""
    reply = call_each(name, [(1,), (2,)])
    assert reply["replies"] == [ask({"op": "call", "name": name, "args": [wire.encode(1)]})]


def test_call_each_lets_an_interrupt_through():
    """Does KeyboardInterrupt (the grader's time limit) end the whole batch?"""
    with pytest.raises(KeyboardInterrupt):
        call_each("stop", [(), ()])


@pytest.mark.parametrize("args_list", [
    None, "x", {"a": 1}, [[wire.encode(1)]] * (wire_kernel.MAX_CALLS + 1), [wire.encode(1)],
    [[{"t": "nope"}]],
])
def test_a_malformed_call_each_gets_an_error_reply(args_list):
    """Is a call_each whose argument lists are not a short list of lists of well-formed
    nodes an error reply (no reply per call), not a crash?"""
    reply = ask({"op": "call_each", "name": "double", "args_list": args_list})
    assert reply["ok"] is False and "replies" not in reply


def test_call_each_at_its_bound_is_answered():
    """Are MAX_CALLS calls, the most one request may ask, all made?"""
    reply = call_each("double", [(i,) for i in range(wire_kernel.MAX_CALLS)])
    assert [wire.decode(r["value"]) for r in reply["replies"]] == \
        [2 * i for i in range(wire_kernel.MAX_CALLS)]


def test_a_call_each_reply_too_large_to_send_says_so():
    """Is a batch whose JSON together is over MAX_TEXT refused whole (the grader then calls
    one by one), though each value alone would fit?"""
    def half():
        return "x" * (wire_kernel.MAX_TEXT // 2)
    reply = call_each("half", [(), ()], {"half": half})
    assert reply["ok"] is False and "too large" in reply["message"]
