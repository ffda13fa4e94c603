"""Does the grader's side of the wire refuse, with WireError only, whatever the kernel sends?

The kernel is the student's: any JSON may arrive. An exception other than WireError would
crash the grading of a question instead of failing it, so every malformed node here must
raise WireError, and nothing else.
"""

import json

import numpy as np
import pytest

from autograder.runtime import wire

DEEP = {"t": "none"}
for _ in range(wire.MAX_DEPTH + 1):
    DEEP = {"t": "list", "items": [DEEP]}


def array(shape, data, kind="f"):
    return {"t": "array", "kind": kind, "shape": shape, "data": data}


MALFORMED = {
    # not a node at all
    "none": None, "number": 3, "text": "int", "list": [], "list of nodes": [{"t": "none"}],
    "no tag": {"v": 1}, "tag not a string": {"t": 3}, "tag unhashable": {"t": ["int"]},
    "tag None": {"t": None},
    # unknown tags (a pickle, the kernel-only "missing", look-alikes)
    "pickle": {"t": "pickle", "v": "gASV"}, "empty tag": {"t": ""},
    "missing": {"t": "missing"}, "dunder": {"t": "__class__"}, "upper case": {"t": "INT"},
    # missing keys
    "int without v": {"t": "int"}, "bool without v": {"t": "bool"},
    "float without v": {"t": "float"}, "str without v": {"t": "str"},
    "np without kind": {"t": "np", "v": 1}, "np without v": {"t": "np", "kind": "f"},
    "array without anything": {"t": "array"}, "array without data": {"t": "array", "kind": "f",
                                                                      "shape": [1]},
    "array without kind": {"t": "array", "shape": [1], "data": ["1.0"]},
    "array without shape": {"t": "array", "kind": "f", "data": ["1.0"]},
    "list without items": {"t": "list"}, "set without items": {"t": "set"},
    "dict without items": {"t": "dict"},
    # wrong types
    "int as bool": {"t": "int", "v": True}, "int as text": {"t": "int", "v": "3"},
    "int as float": {"t": "int", "v": 1.5}, "bool as int": {"t": "bool", "v": 1},
    "float as number": {"t": "float", "v": 1.5}, "float as junk": {"t": "float", "v": "abc"},
    "float as long text": {"t": "float", "v": "1" * 5000}, "float as list": {"t": "float",
                                                                            "v": ["1"]},
    "str as number": {"t": "str", "v": 3}, "str as None": {"t": "str", "v": None},
    "np int as text": {"t": "np", "kind": "i", "v": "3"},
    "np int beyond int64": {"t": "np", "kind": "u", "v": 2**64 - 1},
    "np float as None": {"t": "np", "kind": "f", "v": None},
    "np bool as text": {"t": "np", "kind": "b", "v": "yes"},
    "np complex": {"t": "np", "kind": "c", "v": 1}, "np kind unhashable": {"t": "np",
                                                                           "kind": ["f"], "v": 1},
    "array kind object": array([1], [1], kind="O"), "array kind unhashable": array([1], ["1"],
                                                                                   kind=["f"]),
    "array data text": array([2], "ab"), "array data dict": array([1], {"0": 1}),
    "int array of text": array([1], ["1"], kind="i"),
    "int array of bool": array([1], [True], kind="i"),
    "int array of float": array([1], [1.5], kind="u"),
    "int array beyond float": array([1], [10**400], kind="i"),
    "uint array beyond uint64": array([1], [2**64], kind="u"),
    "float array of None": array([1], [None]), "float array of numbers": array([1], [1.0]),
    "shape text": array("3", ["1.0"] * 3), "shape None": array(None, []),
    "shape of floats": array([1.0], ["1.0"]), "shape of bools": array([True], ["1.0"]),
    "shape of text": array(["1"], ["1.0"]), "shape dict": array({"a": 1}, []),
    # huge and negative sizes
    "shape 2^32 x 2^32": array([2**32, 2**32], []), "shape 2^62 cubed": array([2**62] * 3, []),
    "shape googol": array([10**100], []), "shape over the budget": array([3_000_000], []),
    "shape of 40 dimensions": array([1] * 40, ["1.0"]),
    "zero times 10^30": array([0, 10**30], []), "zero times 2^62 squared": array([0, 2**62, 2**62],
                                                                             []),
    "negative size": array([-1], ["1.0"]), "two negatives making 6": array([-2, -3],
                                                                         ["1.0"] * 6),
    "negative and zero": array([0, -1], []),
    # data lengths that do not match the shape
    "one short": array([2, 3], ["1.0"] * 5), "one over": array([2, 3], ["1.0"] * 7),
    "empty shape, no data": array([], []), "zero size, some data": array([0], ["1.0"]),
    # containers
    "items a number": {"t": "list", "items": 3}, "items text": {"t": "tuple", "items": "ab"},
    "items a dict": {"t": "list", "items": {"a": 1}}, "item junk": {"t": "list", "items": [1]},
    "dict pair short": {"t": "dict", "items": [[1]]}, "dict items flat": {"t": "dict",
                                                                          "items": [1, 2]},
    "dict pair long": {"t": "dict", "items": [[{"t": "none"}] * 3]},
    "dict pair not a list": {"t": "dict", "items": [{"k": 1}]},
    "set of a list": {"t": "set", "items": [{"t": "list", "items": []}]},
    "frozenset of a dict": {"t": "frozenset", "items": [{"t": "dict", "items": []}]},
    "dict keyed by a list": {"t": "dict", "items": [[{"t": "list", "items": []},
                                                     {"t": "none"}]]},
    "set too large": {"t": "set", "items": [{"t": "int", "v": k} for k in range(3000)]},
    "dict too large": {"t": "dict", "items": [[{"t": "int", "v": k}, {"t": "none"}]
                                              for k in range(3000)]},
    # nesting
    "nested too deeply": DEEP,
    "bad node deep inside": {"t": "list", "items": [{"t": "tuple", "items": [{"t": "int"}]}]},
}


@pytest.mark.parametrize("node", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_nodes_raise_wire_error_only(node):
    """Is each malformed node refused with WireError (pytest.raises lets any other
    exception through, failing the test)?"""
    with pytest.raises(wire.WireError):
        wire.decode(node)


def test_one_budget_bounds_the_whole_value():
    """Do two arrays that each fit the element budget, but not together, get refused?"""
    half = wire.MAX_ELEMENTS * 3 // 4
    node = {"t": "list", "items": [array([half], [True] * half, kind="b")] * 2}
    with pytest.raises(wire.WireError, match="too large"):
        wire.decode(node)


def test_negative_dimensions_are_refused_even_when_their_product_fits():
    """Is a shape of (-2, -3) with 6 numbers refused (its product alone looks right)?"""
    with pytest.raises(wire.WireError, match="shape"):
        wire.decode(array([-2, -3], ["1.0"] * 6))


JUNK = [None, True, False, 0, -1, 2**70, 1.5, "", "x", "nan", [], [1], {}, {"t": "none"},
        {"t": "list", "items": []}, ["1.0"], [-1], [2**40]]


def mutations(node, rng, count):
    """``count`` copies of ``node`` with one key of one of its dicts dropped or replaced by
    junk (seeded)."""
    text = json.dumps(node)
    for _ in range(count):
        copy = json.loads(text)
        dicts = [copy]
        found = []
        while dicts:
            d = dicts.pop()
            found.append(d)
            for v in d.values():
                for item in (v if isinstance(v, list) else [v]):
                    for x in (item if isinstance(item, list) else [item]):
                        if isinstance(x, dict):
                            dicts.append(x)
        target = found[rng.integers(len(found))]
        key = sorted(target)[rng.integers(len(target))]
        if rng.random() < 0.2:
            del target[key]
        else:
            target[key] = JUNK[rng.integers(len(JUNK))]
        yield copy


def test_random_mutations_of_a_valid_value_decode_or_raise_wire_error():
    """Mutate a valid node 3000 ways (seeded): does each either decode or raise WireError,
    and do both outcomes occur (so the mutations are not all trivially fatal)?"""
    value = {"W": np.arange(6.0).reshape(2, 3), "b": np.array([1, 2]), "mask": np.array([True]),
             "pair": (1, [2.5, "x"]), "tags": frozenset({"a"}), "n": np.int64(3),
             "f": np.float64(0.5), "ok": np.bool_(True), "none": None, "more": ...}
    node = wire.encode(value)
    outcomes = {"decoded": 0, "refused": 0}
    for mutated in mutations(node, np.random.default_rng(0), 3000):
        try:
            wire.decode(mutated)
            outcomes["decoded"] += 1
        except wire.WireError:
            outcomes["refused"] += 1
    assert outcomes["decoded"] > 100 and outcomes["refused"] > 100, outcomes


@pytest.mark.parametrize("text", [
    "", "{", "nul", "[" * 100_000, "1" * 5000, '{"a": NaN', b"{}", None, 3,
    "x" * (wire.MAX_TEXT + 1),
], ids=["empty", "unclosed", "not JSON", "nested beyond the parser", "int of 5000 digits",
        "unclosed NaN", "bytes", "None", "number", "too long"])
def test_malformed_replies_raise_wire_error_only(text):
    """Is a reply that is not JSON, too deep for the parser, or too long refused with
    WireError only?"""
    with pytest.raises(wire.WireError):
        wire.loads_reply(text)


def test_the_kernel_source_is_the_kernel_module_file():
    """Is what the kernel runs the wire_kernel module's own file (one copy of the code)?"""
    from autograder.runtime import wire_kernel
    with open(wire_kernel.__file__, encoding="utf-8") as f:
        assert wire.kernel_source() == f.read()
    assert "def serve(" in wire.kernel_source()
