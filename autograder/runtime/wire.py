"""Plain data across the kernel boundary: the only thing the grading process accepts from it.

The student's kernel encodes values (its globals, and what its functions return) as JSON
made of tagged nodes; the trusted grading process decodes them into numbers, strings,
lists, tuples, dicts, sets and float/int/bool arrays. Nothing is unpickled and no object
of the student's crosses: a value of any other type arrives as an :class:`Opaque` that no
check accepts, and a function arrives as its name.

``KERNEL_SOURCE`` is the encoder and call wrapper run inside the kernel. The kernel is the
student's: it may lie about the student's own values, which gains nothing, since every
verdict is computed here from what it reports.
"""

import json

import numpy as np

MAX_ELEMENTS = 2_000_000   # numbers in one value
MAX_DEPTH = 12
MAX_HASHED = 2_000         # items in one set or dict (colliding hashes make building quadratic)
MAX_TEXT = 3_000_000       # characters of JSON in one reply (fits one zmq message)
MIME = "application/x-backprop-probe+json"


class Opaque:
    """A student value of a type the grader does not read (an object, a class, a module...)."""

    def __init__(self, type_name, note=""):
        self._student_type = type_name
        self.note = note

    def __repr__(self):
        return f"<{self._student_type} object>"


class WireError(ValueError):
    """The kernel's reply is not well-formed plain data."""


def _float(text):
    return float(text)  # accepts "nan", "inf", "-inf" and repr() of any float


def decode(node, depth=0, budget=None):
    """Turn a tagged JSON node from the kernel into plain Python/numpy data.

    Raises only :class:`WireError`, whatever the node: a missing field, a wrong type or an
    impossible shape is a malformed value, not a crash of the grader.
    """
    if depth == 0:
        try:
            return _decode(node, 0, budget)
        except WireError:
            raise
        except (KeyError, IndexError, TypeError, ValueError, OverflowError, MemoryError,
                RecursionError, AttributeError) as e:
            raise WireError(f"malformed value ({type(e).__name__})") from None
    return _decode(node, depth, budget)


def _decode(node, depth=0, budget=None):
    budget = budget if budget is not None else [MAX_ELEMENTS]
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if not isinstance(node, dict) or not isinstance(node.get("t"), str):
        raise WireError("malformed value")
    t = node["t"]
    budget[0] -= 1
    if budget[0] < 0:
        raise WireError("value too large")
    if t == "none":
        return None
    if t == "ellipsis":
        return Ellipsis
    if t == "bool":
        return bool(node["v"] is True)
    if t == "int":
        v = node["v"]
        if not isinstance(v, int) or isinstance(v, bool):
            raise WireError("malformed int")
        return v
    if t == "float":
        return _float(str(node["v"]))
    if t == "str":
        if not isinstance(node["v"], str):
            raise WireError("malformed str")
        return node["v"]
    if t == "np":  # numpy scalar
        kind = node.get("kind")
        if kind == "b":
            return np.bool_(node["v"] is True)
        if kind in ("i", "u"):
            return np.int64(int(node["v"]))
        if kind == "f":
            return np.float64(_float(str(node["v"])))
        raise WireError("malformed numpy scalar")
    if t == "array":
        shape = tuple(int(s) for s in node["shape"])
        if any(s < 0 for s in shape):
            raise WireError("malformed shape")
        size = int(np.prod(shape, dtype=np.int64)) if shape else 1
        budget[0] -= size
        if budget[0] < 0:
            raise WireError("value too large")
        kind = node.get("kind")
        flat = node["data"]
        if not isinstance(flat, list) or len(flat) != size:
            raise WireError("malformed array data")
        if kind == "b":
            arr = np.array([x is True for x in flat], dtype=bool)
        elif kind in ("i", "u"):
            if not all(isinstance(x, int) and not isinstance(x, bool) for x in flat):
                raise WireError("malformed int array")
            arr = np.array(flat, dtype=np.float64 if any(abs(x) > 2**62 for x in flat)
                           else np.int64)
        elif kind == "f":
            arr = np.array([_float(str(x)) for x in flat], dtype=np.float64)
        else:
            raise WireError("malformed array kind")
        return arr.reshape(shape)
    if t in ("set", "frozenset", "dict") and len(node.get("items", ())) > MAX_HASHED:
        raise WireError("set or dict too large")
    if t in ("list", "tuple", "set", "frozenset"):
        items = [decode(x, depth + 1, budget) for x in node["items"]]
        if t == "list":
            return items
        if t == "tuple":
            return tuple(items)
        try:
            return set(items) if t == "set" else frozenset(items)
        except TypeError:
            raise WireError("unhashable set item") from None
    if t == "dict":
        out = {}
        for pair in node["items"]:
            if not isinstance(pair, list) or len(pair) != 2:
                raise WireError("malformed dict")
            key = decode(pair[0], depth + 1, budget)
            try:
                out[key] = decode(pair[1], depth + 1, budget)
            except TypeError:
                raise WireError("unhashable dict key") from None
        return out
    if t == "function":
        return FunctionName(str(node.get("name", "?")))
    if t == "opaque":
        return Opaque(str(node.get("type", "object"))[:100], str(node.get("note", ""))[:200])
    raise WireError(f"unknown tag {t!r}")


class FunctionName(str):
    """A function of the student's, known here only by name."""


def encode(value, depth=0):
    """Encode a value built by a test (arrays, numbers, containers) for the kernel."""
    if depth > MAX_DEPTH:
        raise ValueError("argument nested too deeply")
    if value is None:
        return {"t": "none"}
    if value is Ellipsis:
        return {"t": "ellipsis"}
    if isinstance(value, (bool, np.bool_)):
        return {"t": "np", "kind": "b", "v": bool(value)} if isinstance(value, np.bool_) \
            else {"t": "bool", "v": value}
    if isinstance(value, np.generic):
        kind = value.dtype.kind
        return {"t": "np", "kind": kind, "v": repr(float(value)) if kind == "f" else int(value)}
    if isinstance(value, int):
        return {"t": "int", "v": value}
    if isinstance(value, float):
        return {"t": "float", "v": repr(value)}
    if isinstance(value, str):
        return {"t": "str", "v": value}
    if isinstance(value, np.ndarray):
        kind = value.dtype.kind
        if kind not in "biuf":
            raise ValueError(f"cannot send an array of dtype {value.dtype}")
        data = [repr(float(x)) for x in value.reshape(-1)] if kind == "f" \
            else value.reshape(-1).tolist()
        return {"t": "array", "kind": kind, "shape": list(value.shape), "data": data}
    for typ, tag in ((list, "list"), (tuple, "tuple"), (set, "set"), (frozenset, "frozenset")):
        if isinstance(value, typ):
            return {"t": tag, "items": [encode(v, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {"t": "dict", "items": [[encode(k, depth + 1), encode(v, depth + 1)]
                                       for k, v in value.items()]}
    raise ValueError(f"cannot send a {type(value).__name__} to the kernel")


def loads_reply(text):
    """Parse a reply from the kernel, refusing anything too large."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise WireError("reply too large")
    return json.loads(text)


# The kernel side. Defined fresh before every request so that a student who replaced it
# only changes the report about their own answers. It relies only on the standard library
# and numpy (if the student imported it).
KERNEL_SOURCE = r'''
def __backprop_wire__(request_json, nonce):
    import json as _json, sys as _sys, warnings as _warnings, traceback as _tb
    from IPython.display import publish_display_data as _publish
    _np = _sys.modules.get("numpy")

    def enc(v, depth=0):
        if depth > 12:
            return {"t": "opaque", "type": "too deeply nested"}
        t = type(v)
        if v is None:
            return {"t": "none"}
        if v is Ellipsis:
            return {"t": "ellipsis"}
        if t is bool:
            return {"t": "bool", "v": v}
        if t is int:
            return {"t": "int", "v": v}
        if t is float:
            return {"t": "float", "v": repr(v)}
        if t is str:
            return {"t": "str", "v": v}
        if _np is not None and isinstance(v, _np.generic) and not isinstance(v, _np.ndarray):
            k = v.dtype.kind
            if k == "b":
                return {"t": "np", "kind": "b", "v": bool(v)}
            if k in "iu":
                return {"t": "np", "kind": k, "v": int(v)}
            if k == "f":
                return {"t": "np", "kind": "f", "v": repr(float(v))}
            return {"t": "opaque", "type": "numpy " + str(v.dtype)}
        if _np is not None and isinstance(v, _np.ndarray):
            a = _np.asarray(v).view(_np.ndarray)
            k = a.dtype.kind
            if k not in "biuf":
                return {"t": "opaque", "type": "array of " + str(a.dtype)}
            flat = a.reshape(-1)
            data = [repr(float(x)) for x in flat] if k == "f" else flat.tolist()
            return {"t": "array", "kind": k, "shape": list(a.shape), "data": data}
        if t in (list, tuple, set, frozenset):
            return {"t": t.__name__, "items": [enc(x, depth + 1) for x in v]}
        if t is dict:
            return {"t": "dict", "items": [[enc(k, depth + 1), enc(x, depth + 1)]
                                           for k, x in v.items()]}
        if callable(v) and hasattr(v, "__name__") and not isinstance(v, type):
            return {"t": "function", "name": str(v.__name__)}
        return {"t": "opaque", "type": getattr(t, "__name__", "object")}

    def dec(n):
        t = n["t"]
        if t == "none": return None
        if t == "ellipsis": return Ellipsis
        if t in ("bool", "int", "str"): return n["v"]
        if t == "float": return float(n["v"])
        if t == "np":
            if n["kind"] == "b": return _np.bool_(n["v"])
            if n["kind"] == "f": return _np.float64(float(n["v"]))
            return _np.int64(n["v"])
        if t == "array":
            np_ = __import__("numpy")
            data = [float(x) for x in n["data"]] if n["kind"] == "f" else n["data"]
            dtype = {"b": bool, "i": np_.int64, "u": np_.uint64, "f": np_.float64}[n["kind"]]
            return np_.array(data, dtype=dtype).reshape(n["shape"])
        if t == "dict": return {dec(k): dec(x) for k, x in n["items"]}
        items = [dec(x) for x in n.get("items", [])]
        if t == "list": return items
        if t == "tuple": return tuple(items)
        if t == "set": return set(items)
        if t == "frozenset": return frozenset(items)
        raise ValueError(t)

    req = _json.loads(request_json)
    g = _sys.modules["__main__"].__dict__
    reply = {}
    try:
        if req["op"] == "get":
            reply = {"ok": True, "value": enc(g[req["name"]]) if req["name"] in g
                     else {"t": "missing"}}
        elif req["op"] == "call":
            f = g.get(req["name"])
            if f is None or not callable(f):
                reply = {"ok": False, "error": "NameError",
                         "message": req["name"] + " is not a function"}
            else:
                args = [dec(a) for a in req["args"]]
                with _warnings.catch_warnings(record=True) as caught:
                    _warnings.simplefilter("always")
                    try:
                        result = f(*args)
                        reply = {"ok": True, "value": enc(result)}
                    except BaseException as e:
                        if isinstance(e, KeyboardInterrupt):
                            raise
                        reply = {"ok": False, "error": type(e).__name__,
                                 "message": str(e)[:500]}
                reply["warnings"] = [w.category.__name__ + ": " + str(w.message)[:300]
                                     for w in caught[:20]]
    except KeyboardInterrupt:
        raise
    except BaseException as e:
        reply = {"ok": False, "error": type(e).__name__, "message": str(e)[:500]}
    text = _json.dumps(reply)
    if len(text) > ''' + str(MAX_TEXT) + r''':
        text = _json.dumps({"ok": False, "error": "ValueError",
                            "message": "the value is too large to be checked"})
    _publish({"''' + MIME + r'''": {"nonce": nonce, "reply": text}})
'''
