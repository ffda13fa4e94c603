"""Plain data across the kernel boundary: the only thing the grading process accepts from it.

The student's kernel encodes values (its globals, and what its functions return) as JSON
made of tagged nodes; the trusted grading process decodes them into numbers, strings,
lists, tuples, dicts, sets and float/int/bool arrays. Nothing is unpickled and no object
of the student's crosses: a value of any other type arrives as an :class:`Opaque` that no
check accepts, and a function arrives as its name.

The kernel's side (encoder and call wrapper) is :mod:`autograder.runtime.wire_kernel`, sent
to the kernel as source (:func:`kernel_source`). The kernel is the student's: it may lie
about the student's own values, which gains nothing, since every verdict is computed here
from what it reports; and whatever it sends, :func:`decode` raises only :class:`WireError`.
"""

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from autograder.runtime.wire_kernel import MAX_CALLS, MAX_DEPTH, MAX_NAMES, MAX_TEXT, MIME

__all__ = ["MAX_CALLS", "MAX_DEPTH", "MAX_NAMES", "MAX_TEXT", "MIME", "MAX_ELEMENTS",
           "MAX_HASHED", "Opaque", "FunctionName", "WireError", "decode", "encode",
           "loads_reply", "kernel_source"]

MAX_ELEMENTS = 2_000_000   # numbers in one value
MAX_HASHED = 2_000         # items in one set or dict (colliding hashes make building quadratic)
MAX_DIMENSIONS = 32        # of one array (numpy's own maximum is 64)
MAX_FLOAT_TEXT = 64        # characters of one float's repr (the longest is 24)
INT64 = (-2**63, 2**63 - 1)


def kernel_source() -> str:
    """The source of :mod:`autograder.runtime.wire_kernel`, to run in the kernel."""
    return Path(__file__).with_name("wire_kernel.py").read_text(encoding="utf-8")


class Opaque:
    """A student value of a type the grader does not read (an object, a class, a module...)."""

    def __init__(self, type_name: str, note: str = ""):
        self._student_type = type_name
        self.note = note

    def __repr__(self):
        return f"<{self._student_type} object>"


class WireError(ValueError):
    """The kernel's reply is not well-formed plain data."""


class _Budget:
    """How many more numbers and nodes one value may hold (shared by its whole tree)."""

    def __init__(self, elements: int = MAX_ELEMENTS):
        self.left = elements

    def take(self, count: int) -> None:
        self.left -= count
        if self.left < 0:
            raise WireError("value too large")


def _field(node: dict, key: str, kind: type):
    """``node[key]``, which must be of ``kind`` (a bool is not an int here)."""
    value = node.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise WireError(f"malformed {node['t'][:40]} ({key})")
    return value


def _float(text: Any) -> float:
    """A float from its repr ("nan", "inf", "-inf" included)."""
    if not isinstance(text, str) or len(text) > MAX_FLOAT_TEXT:
        raise WireError("malformed float")
    try:
        return float(text)
    except ValueError:
        raise WireError("malformed float") from None


def _int64(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or \
            not INT64[0] <= value <= INT64[1]:
        raise WireError("malformed integer")
    return value


def decode(node: Any, depth: int = 0, budget: _Budget | None = None) -> Any:
    """Turn a tagged JSON node from the kernel into plain Python/numpy data.

    Raises only :class:`WireError`, whatever the node: a missing field, a wrong type or an
    impossible shape is a malformed value, not a crash of the grader. Each tag has its own
    small decoder (:data:`_DECODERS`).
    """
    budget = _Budget() if budget is None else budget
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if not isinstance(node, dict) or not isinstance(node.get("t"), str):
        raise WireError("malformed value")
    decoder = _DECODERS.get(node["t"])
    if decoder is None:
        raise WireError(f"unknown tag {node['t'][:40]!r}")
    budget.take(1)
    return decoder(node, depth, budget)


def _decode_numpy_scalar(node: dict, depth: int, budget: _Budget):
    kind = node.get("kind")
    if kind == "b":
        return np.bool_(_field(node, "v", bool))
    if kind in ("i", "u"):
        return np.int64(_int64(node.get("v")))
    if kind == "f":
        return np.float64(_float(node.get("v")))
    raise WireError("malformed numpy scalar")


def _shape(node: dict) -> tuple[int, ...]:
    shape = _field(node, "shape", list)
    if len(shape) > MAX_DIMENSIONS or not all(
            isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= MAX_ELEMENTS
            for s in shape):  # each dimension bounded too: (0, 10**30) holds no number,
        raise WireError("malformed shape")  # but numpy refuses to make it
    return tuple(shape)


def _bool_array(flat: list) -> np.ndarray:
    return np.array([x is True for x in flat], dtype=bool)


def _int_array(flat: list) -> np.ndarray:
    if not all(isinstance(x, int) and not isinstance(x, bool) and INT64[0] <= x < 2**64
               for x in flat):  # what an int64 or uint64 array holds, nothing larger
        raise WireError("malformed int array")
    # beyond int64 (a uint64 array), as floats: a value that large is no answer anyway
    big = any(abs(x) > 2**62 for x in flat)
    return np.array(flat, dtype=np.float64 if big else np.int64)


def _float_array(flat: list) -> np.ndarray:
    return np.array([_float(x) for x in flat], dtype=np.float64)


_ARRAY_KINDS = {"b": _bool_array, "i": _int_array, "u": _int_array, "f": _float_array}


def _decode_array(node: dict, depth: int, budget: _Budget) -> np.ndarray:
    shape = _shape(node)
    size = math.prod(shape)  # a Python int: no overflow, however large the shape
    budget.take(size)
    kind = node.get("kind")
    make = _ARRAY_KINDS.get(kind) if isinstance(kind, str) else None
    if make is None:
        raise WireError("malformed array kind")
    flat = _field(node, "data", list)
    if len(flat) != size:
        raise WireError("malformed array data")
    return make(flat).reshape(shape)


def _items(node: dict, depth: int, budget: _Budget) -> list:
    return [decode(x, depth + 1, budget) for x in _field(node, "items", list)]


def _hashable_items(node: dict, depth: int, budget: _Budget, build):
    if len(_field(node, "items", list)) > MAX_HASHED:
        raise WireError("set or dict too large")
    try:
        return build(_items(node, depth, budget))
    except TypeError:
        raise WireError("unhashable set item") from None


def _decode_dict(node: dict, depth: int, budget: _Budget) -> dict:
    pairs = _field(node, "items", list)
    if len(pairs) > MAX_HASHED:
        raise WireError("set or dict too large")
    out = {}
    for pair in pairs:
        if not isinstance(pair, list) or len(pair) != 2:
            raise WireError("malformed dict")
        key = decode(pair[0], depth + 1, budget)
        value = decode(pair[1], depth + 1, budget)
        try:
            out[key] = value
        except TypeError:
            raise WireError("unhashable dict key") from None
    return out


_DECODERS = {
    "none": lambda node, depth, budget: None,
    "ellipsis": lambda node, depth, budget: Ellipsis,
    "bool": lambda node, depth, budget: _field(node, "v", bool),
    "int": lambda node, depth, budget: _field(node, "v", int),
    "float": lambda node, depth, budget: _float(node.get("v")),
    "str": lambda node, depth, budget: _field(node, "v", str),
    "np": _decode_numpy_scalar,
    "array": _decode_array,
    "list": _items,
    "tuple": lambda node, depth, budget: tuple(_items(node, depth, budget)),
    "set": lambda node, depth, budget: _hashable_items(node, depth, budget, set),
    "frozenset": lambda node, depth, budget: _hashable_items(node, depth, budget, frozenset),
    "dict": _decode_dict,
    "function": lambda node, depth, budget: FunctionName(str(node.get("name", "?"))[:200]),
    "opaque": lambda node, depth, budget: Opaque(str(node.get("type", "object"))[:100],
                                                 str(node.get("note", ""))[:200]),
}


class FunctionName(str):
    """A function of the student's, known here only by name."""


def _encode_array(value: np.ndarray, depth: int) -> dict:
    kind = value.dtype.kind
    if kind not in "biuf":
        raise ValueError(f"cannot send an array of dtype {value.dtype}")
    flat = value.reshape(-1)
    data = [repr(float(x)) for x in flat] if kind == "f" else flat.tolist()
    return {"t": "array", "kind": kind, "shape": list(value.shape), "data": data}


def _encode_numpy_scalar(value: np.generic, depth: int) -> dict:
    kind = value.dtype.kind
    return {"t": "np", "kind": kind, "v": repr(float(value)) if kind == "f" else int(value)}


def _encode_items(tag: str):
    return lambda value, depth: {"t": tag, "items": [encode(v, depth + 1) for v in value]}


# in order: numpy's bool before bool, numpy scalars before int and float (np.float64 is a
# float), bool before int (a bool is an int)
_ENCODERS = (
    (type(None), lambda value, depth: {"t": "none"}),
    (type(Ellipsis), lambda value, depth: {"t": "ellipsis"}),
    (np.bool_, lambda value, depth: {"t": "np", "kind": "b", "v": bool(value)}),
    (bool, lambda value, depth: {"t": "bool", "v": value}),
    (np.generic, _encode_numpy_scalar),
    (int, lambda value, depth: {"t": "int", "v": value}),
    (float, lambda value, depth: {"t": "float", "v": repr(value)}),
    (str, lambda value, depth: {"t": "str", "v": value}),
    (np.ndarray, _encode_array),
    (list, _encode_items("list")),
    (tuple, _encode_items("tuple")),
    (set, _encode_items("set")),
    (frozenset, _encode_items("frozenset")),
    (dict, lambda value, depth: {"t": "dict", "items": [
        [encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}),
)


def encode(value: Any, depth: int = 0) -> dict:
    """Encode a value built by a test (arrays, numbers, containers) for the kernel."""
    if depth > MAX_DEPTH:
        raise ValueError("argument nested too deeply")
    for kind, encoder in _ENCODERS:
        if isinstance(value, kind):
            return encoder(value, depth)
    raise ValueError(f"cannot send a {type(value).__name__} to the kernel")


def loads_reply(text: str) -> Any:
    """Parse a reply from the kernel, refusing anything too large or not JSON (WireError)."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise WireError("reply too large")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # not JSON, nested beyond the parser, huge numbers
        raise WireError("malformed reply") from None
