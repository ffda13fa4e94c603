"""The kernel's side of the wire: runs inside the student's kernel, never in the grader.

The grading process sends this file to the kernel as source text
(:func:`autograder.runtime.wire.kernel_source`), where it becomes a module of its own,
``__backprop_wire__``, out of the student's namespace. The kernel cannot import the
autograder package, so this file needs only the standard library, and numpy if the student
imported it. The grader imports it too, for its constants and its unit tests.

Each request names a global of the student's (``get``), several of them at once
(``get_many``: a test case that reads several values costs one round trip), a function
to call with the test's arguments (``call``), or one function to call on several argument
lists (``call_each``: a test that needs several values of one function costs one round
trip, and the calls stop at the first that raises, as calling one by one would);
:func:`serve` answers with tagged JSON (the format
:func:`autograder.runtime.wire.decode` reads), published as display data carrying the
request's nonce. The kernel is the student's: it may lie about the student's own values,
which gains nothing, since every verdict is computed in the grader from what it reports.
"""

import json
import sys
import warnings

MIME = "application/x-backprop-probe+json"  # the display data type that carries a reply
MAX_TEXT = 3_000_000  # characters of JSON in one reply (fits one zmq message)
MAX_DEPTH = 12        # nesting of containers, both ways
MAX_WARNINGS = 20     # warnings reported per call
MAX_MESSAGE = 500     # characters of an exception's message
MAX_NAMES = 64        # globals read by one ``get_many`` request
MAX_CALLS = 64        # calls made by one ``call_each`` request


def _plain(tag):
    return lambda value: {"t": tag, "v": value}


# exact types only: a subclass of a plain type may override anything, so it is opaque
_PLAIN = {bool: _plain("bool"), int: _plain("int"), str: _plain("str"),
          float: lambda value: {"t": "float", "v": repr(value)}}
_SEQUENCES = (list, tuple, set, frozenset)


def encode(value: object, depth: int = 0) -> dict:
    """A student's value as a tagged JSON node; what the grader does not read is opaque."""
    if depth > MAX_DEPTH:
        return {"t": "opaque", "type": "too deeply nested"}
    if value is None:
        return {"t": "none"}
    if value is Ellipsis:
        return {"t": "ellipsis"}
    kind = type(value)
    if kind in _PLAIN:
        return _PLAIN[kind](value)
    if kind in _SEQUENCES:
        return {"t": kind.__name__, "items": [encode(x, depth + 1) for x in value]}
    if kind is dict:
        return {"t": "dict", "items": [[encode(k, depth + 1), encode(x, depth + 1)]
                                       for k, x in value.items()]}
    np = sys.modules.get("numpy")  # only if the student imported it
    if np is not None and isinstance(value, np.ndarray):
        return _encode_array(np, value)
    if np is not None and isinstance(value, np.generic):
        return _encode_numpy_scalar(value)
    if callable(value) and hasattr(value, "__name__") and not isinstance(value, type):
        return {"t": "function", "name": str(value.__name__)}
    return {"t": "opaque", "type": getattr(kind, "__name__", "object")}


def _encode_numpy_scalar(value) -> dict:
    kind = value.dtype.kind
    if kind == "b":
        return {"t": "np", "kind": "b", "v": bool(value)}
    if kind in "iu":
        return {"t": "np", "kind": kind, "v": int(value)}
    if kind == "f":
        return {"t": "np", "kind": "f", "v": repr(float(value))}
    return {"t": "opaque", "type": "numpy " + str(value.dtype)}


def _encode_array(np, value) -> dict:
    array = np.asarray(value).view(np.ndarray)  # a subclass's own methods are not called
    kind = array.dtype.kind
    if kind not in "biuf":
        return {"t": "opaque", "type": "array of " + str(array.dtype)}
    flat = array.reshape(-1)
    data = [repr(float(x)) for x in flat] if kind == "f" else flat.tolist()
    return {"t": "array", "kind": kind, "shape": list(array.shape), "data": data}


def decode(node: dict) -> object:
    """A test's argument (encoded by the grader, so well-formed) as a Python/numpy value."""
    tag = node["t"]
    if tag in _CONSTANTS:
        return _CONSTANTS[tag]
    if tag in ("bool", "int", "str"):
        return node["v"]
    if tag == "float":
        return float(node["v"])
    if tag == "np":
        return _decode_numpy_scalar(node)
    if tag == "array":
        return _decode_array(node)
    if tag == "dict":
        return {decode(k): decode(x) for k, x in node["items"]}
    if tag in _CONTAINERS:
        return _CONTAINERS[tag](decode(x) for x in node["items"])
    raise ValueError(f"unknown tag {tag!r}")


_CONSTANTS = {"none": None, "ellipsis": Ellipsis}
_CONTAINERS = {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}


def _decode_numpy_scalar(node: dict):
    np = __import__("numpy")
    if node["kind"] == "b":
        return np.bool_(node["v"])
    if node["kind"] == "f":
        return np.float64(float(node["v"]))
    return np.int64(node["v"])


def _decode_array(node: dict):
    np = __import__("numpy")
    kind = node["kind"]
    data = [float(x) for x in node["data"]] if kind == "f" else node["data"]
    dtype = {"b": bool, "i": np.int64, "u": np.uint64, "f": np.float64}[kind]
    return np.array(data, dtype=dtype).reshape(node["shape"])


def _error(exc: BaseException) -> dict:
    return {"ok": False, "error": type(exc).__name__, "message": str(exc)[:MAX_MESSAGE]}


def _call(function: object, args: list) -> dict:
    """Call a student's function, recording its warnings; an interrupt (the grader's time
    limit) goes through, any other exception is the student's answer."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            reply = {"ok": True, "value": encode(function(*args))}
        except KeyboardInterrupt:
            raise
        except BaseException as e:
            reply = _error(e)
    reply["warnings"] = [w.category.__name__ + ": " + str(w.message)[:300]
                         for w in caught[:MAX_WARNINGS]]
    return reply


def _global(namespace: dict, name: str) -> dict:
    return encode(namespace[name]) if name in namespace else {"t": "missing"}


def _function(namespace: dict, name: str):
    """The student's function ``name``, or None when there is no such function."""
    function = namespace.get(name)
    return function if function is not None and callable(function) else None


def _not_a_function(name: str) -> dict:
    return {"ok": False, "error": "NameError", "message": name + " is not a function"}


def _call_each(namespace: dict, name: str, args_list: object) -> dict:
    """{"replies": [reply, ...]}: one ``_call`` reply per argument list, in order, up to and
    including the first that is an error (the later ones are not called)."""
    if not isinstance(args_list, list) or len(args_list) > MAX_CALLS or \
            not all(isinstance(args, list) for args in args_list):
        raise ValueError("malformed call_each")
    function = _function(namespace, name)
    replies = []
    for args in args_list:
        reply = _not_a_function(name) if function is None else \
            _call(function, [decode(a) for a in args])
        replies.append(reply)
        if not reply["ok"]:
            break
    return {"ok": True, "replies": replies}


def answer(request: dict, namespace: dict) -> dict:
    """The reply to one request about the student's ``namespace`` (their globals)."""
    if request["op"] == "get_many":  # {"values": [node, ...]}, in the order of "names"
        names = request["names"]
        if not isinstance(names, list) or len(names) > MAX_NAMES:
            raise ValueError("malformed get_many")
        return {"ok": True, "values": [_global(namespace, n) for n in names]}
    name = request["name"]
    if request["op"] == "get":
        return {"ok": True, "value": _global(namespace, name)}
    if request["op"] == "call":
        function = _function(namespace, name)
        if function is None:
            return _not_a_function(name)
        return _call(function, [decode(a) for a in request["args"]])
    if request["op"] == "call_each":  # {"replies": [...]}, see _call_each
        return _call_each(namespace, name, request["args_list"])
    return {"ok": False, "error": "ValueError", "message": "unknown request"}


def reply_text(request_json: str, namespace: dict) -> str:
    """The JSON reply to a JSON request, never longer than MAX_TEXT. A failure while
    answering (a malformed request, a name that cannot be read) is an error reply."""
    request = json.loads(request_json)
    try:
        reply = answer(request, namespace)
    except KeyboardInterrupt:
        raise
    except BaseException as e:
        reply = _error(e)
    text = json.dumps(reply)
    if len(text) > MAX_TEXT:
        text = json.dumps({"ok": False, "error": "ValueError",
                           "message": "the value is too large to be checked"})
    return text


def serve(request_json: str, nonce: str) -> None:
    """In the kernel: answer a request about ``__main__`` and publish the reply."""
    from IPython.display import publish_display_data
    text = reply_text(request_json, sys.modules["__main__"].__dict__)
    publish_display_data({MIME: {"nonce": nonce, "reply": text}})
