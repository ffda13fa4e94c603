"""Format checks: is an answer the right kind of thing? Shared by public and hidden tests.

Every check raises :class:`AnswerError` (an ``AssertionError``) with a message written for
a student, and never reveals an expected value. The public tests (``grader.check``) run
these in the student's kernel; the hidden tests run the very same functions in the
trusted grading process before comparing with the reference
(:mod:`autograder.runtime.verdicts`), so an answer the hidden tests accept never fails a
public check. Only numpy and the standard library are used: this module ships to students.
"""

import math
import numbers
import warnings

import numpy as np

TRANSPOSED = "it looks transposed"  # a mistake a shape alone shows, as the report counts it


class AnswerError(AssertionError):
    """A wrong answer, with a message meant for the student.

    ``mistake`` names the plausible mistake the answer was recognised as (one of a
    catalogue's descriptions), or is None: the report counts mistakes from it, as data.
    """

    def __init__(self, message, mistake=None):
        super().__init__(message)
        self.mistake = mistake


def check_answered(value, name):
    """Raise AnswerError if ``value`` is no answer yet: ``...``, or None; else return it.

    None is what a test receives for a name that was never defined: otter passes None for a
    missing global in the student's kernel (``grader.check``), and the grading wire's
    "missing" becomes None too (:class:`autograder.runtime.sandbox.RemoteEnvironment`). A
    variable set to None looks the same, so the message names both. A function that
    returns None is caught earlier, by :func:`call`, which says so.
    """
    if value is Ellipsis:
        raise AnswerError(f"{name} is still `...`: replace it with your answer.")
    if value is None:
        raise AnswerError(f"{name} is not defined (or is None): did you run the cell that "
                          "defines it?")
    return value


def check_not_none_result(value, name):
    """Return a student's function's result, or AnswerError if it is None (no ``return``)."""
    if value is None:
        raise AnswerError(f"{name} returns None: did you forget to `return` its result?")
    return value


# --------------------------------------------------------------------------------------
# Turning an answer into a float array
# --------------------------------------------------------------------------------------

def _describe(value):
    """The type of a student's value, by name (for a value from the sandbox, its own type)."""
    return getattr(value, "_student_type", None) or type(value).__name__


def as_float_array(value, name):
    """Return ``value`` as a float64 ndarray, or raise AnswerError saying why it is not a number.

    Accepts python numbers, numpy scalars, lists, tuples and arrays of real numbers.
    Rejects ``...`` (not answered), ``None``, booleans, strings, complex numbers, ragged
    lists and objects that merely pretend to be numbers.
    """
    check_answered(value, name)
    if isinstance(value, (str, bytes)):
        raise AnswerError(f"{name} should be a number or an array of numbers, not a string.")
    if isinstance(value, dict):
        raise AnswerError(f"{name} should be a number or an array of numbers, not a dict.")
    if isinstance(value, (bool, np.bool_)):
        raise AnswerError(f"{name} should be a number, not a boolean.")
    ok_scalar = isinstance(value, numbers.Real) and type(value).__module__ in ("builtins", "numpy")
    ok_container = type(value) in (list, tuple) or type(value) is np.ndarray
    if not (ok_scalar or ok_container):
        raise AnswerError(
            f"{name} should be a number, list, tuple or numpy array, not {_describe(value)}.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            raw = np.array(value)
        except Exception:
            raise AnswerError(f"{name} could not be read as an array of numbers "
                              "(are the rows of different lengths?).") from None
    if raw.dtype == object:
        raise AnswerError(f"{name} could not be read as an array of numbers "
                          "(are the rows of different lengths, or is something not a number?).")
    if raw.dtype.kind == "b":
        raise AnswerError(f"{name} should hold numbers, not booleans.")
    if raw.dtype.kind == "c":
        raise AnswerError(f"{name} should hold real numbers, not complex ones.")
    if raw.dtype.kind not in "iuf":
        raise AnswerError(f"{name} should hold numbers (got an array of dtype {raw.dtype}).")
    return raw.astype(np.float64)


def check_finite(value, name):
    """Raise AnswerError if ``value`` is not numeric or holds NaN or inf; return it as an array."""
    arr = as_float_array(value, name)
    if np.isnan(arr).any():
        raise AnswerError(f"{name} contains NaN. Look for 0/0, log of a negative number, "
                          "or exp overflowing (inf - inf).")
    if np.isinf(arr).any():
        raise AnswerError(f"{name} contains inf. Look for an overflow, e.g. np.exp of a large "
                          "number, or a division by zero.")
    return arr


def check_shape(value, shape, name, *, reveal=True):
    """Raise AnswerError unless ``value`` is numeric with exactly ``shape``.

    ``reveal=False`` is for questions whose answer is a shape: the message then does not
    say which shape was expected.
    """
    arr = as_float_array(value, name)
    shape = tuple(shape)
    if arr.shape != shape:
        if reveal:
            raise AnswerError(f"{name} has shape {arr.shape}, but it should have shape {shape}.")
        raise AnswerError(f"{name} has shape {arr.shape}, which is not the right shape.")
    return arr



# --------------------------------------------------------------------------------------
# Answers that are not arrays
# --------------------------------------------------------------------------------------

def check_whole_number(value, name):
    """Raise AnswerError unless ``value`` is a whole number (7, np.int64(7), 7.0); return it as int.

    The public twin of :func:`check_int`: it accepts exactly what ``check_int`` accepts.
    A 0-d numpy array (``np.array(7)``) is a number too.
    """
    check_answered(value, name)
    if type(value) is np.ndarray and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Number) \
            or type(value).__module__ not in ("builtins", "numpy"):
        raise AnswerError(f"{name} should be a whole number, not {_describe(value)}.")
    if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
        raise AnswerError(f"{name} should be a whole number, not a complex number.")
    if not math.isfinite(float(value)) or float(value) != int(value):
        raise AnswerError(f"{name} should be a whole number.")
    return int(value)


def normalize_letters(value, name):
    """Letters of a multiple-choice answer as a frozenset of upper-case letters.

    Accepts "C", "c", " C ", "A, C", "AC", ["A", "C"], ("a", "c"), {"A", "C"}.
    """
    check_answered(value, name)
    if isinstance(value, str):
        parts = [p for p in value.replace(",", " ").replace(";", " ").split()]
        letters = [ch for p in parts for ch in p]
    elif type(value) in (list, tuple, set, frozenset):
        letters = []
        for item in value:
            if not isinstance(item, str):
                raise AnswerError(f"{name} should be letters such as 'A' or ['A', 'C'].")
            letters.extend(item.replace(",", " ").split())
        letters = [ch for p in letters for ch in p]
    else:
        raise AnswerError(f"{name} should be a letter such as 'A', or letters such as "
                          f"['A', 'C'], not {_describe(value)}.")
    letters = [ch.upper() for ch in letters]
    if not letters or not all(len(ch) == 1 and "A" <= ch <= "Z" for ch in letters):
        raise AnswerError(f"{name} should be letters such as 'A' or ['A', 'C'].")
    return frozenset(letters)


def check_callable(value, name):
    """Raise AnswerError unless ``value`` is a function."""
    if value is None:  # how a name that was never defined arrives (see check_answered)
        raise AnswerError(f"{name} is not defined: did you run the cell that defines it?")
    if not callable(value):
        raise AnswerError(f"{name} should be a function, not {_describe(value)}.")
    return value


def unpack(value, count, name):
    """Return ``value`` as a tuple of ``count`` items, or raise AnswerError."""
    check_answered(value, name)
    if type(value) not in (list, tuple):
        raise AnswerError(f"{name} should return a tuple of {count} items, "
                          f"not {_describe(value)}.")
    if len(value) != count:
        raise AnswerError(f"{name} should return {count} items, not {len(value)}.")
    return tuple(value)


def _error_text(e):
    """'TypeError: message' for an exception, also one reported from the sandboxed kernel."""
    error = getattr(e, "error", None) or type(e).__name__
    message = getattr(e, "message", None)
    return f"{error}: {message if message is not None else e}"


def call(function, *args, name=None):
    """Call a student's function; an exception it raises becomes an AnswerError naming it."""
    name = name or getattr(function, "__name__", "your function")
    check_callable(function, name)
    try:
        result = function(*args)
    except AnswerError:
        raise
    except Exception as e:  # the student's code failed: say how, without a test traceback
        raise AnswerError(f"{name} raised {_error_text(e)}") from None
    return check_not_none_result(result, name)


def call_each(function, args_list, name=None):
    """Call a student's function on each argument tuple of ``args_list``; yield each result
    as :func:`call` would return it: an exception the function raises, or a result of
    None, becomes the same AnswerError, at the same item.

    For calls that do not depend on each other's results. A function in the sandboxed
    kernel (one with a ``call_each`` method,
    :meth:`autograder.runtime.sandbox.RemoteFunction.call_each`) is called on every tuple
    in one request when the first result is asked for, the calls stopping at the first
    that raises; any other function is called as each result is asked for. Either way a
    loop that checks each result before asking for the next meets the same errors, in the
    same order, as calling one by one.
    """
    name = name or getattr(function, "__name__", "your function")
    check_callable(function, name)
    batched = getattr(function, "call_each", None)
    if batched is None:
        for args in args_list:
            yield call(function, *args, name=name)
        return
    try:
        returned, error = batched([tuple(args) for args in args_list])
    except AnswerError:
        raise
    except Exception as e:  # as `call` says it: the first call's error
        returned, error = [], e
    for result, _warnings in returned:
        yield check_not_none_result(result, name)
    if error is not None:
        raise _raised(error, name)


def _raised(error, name):
    """The AnswerError that :func:`call` raises for a call that raised ``error``."""
    return error if isinstance(error, AnswerError) else \
        AnswerError(f"{name} raised {_error_text(error)}")


def call_all(function, args_list, name=None):
    """Call a student's function on every argument tuple of ``args_list``; yield, per
    tuple, what :func:`call` gives: its result, or the AnswerError it raises (a raise, a
    result of None, no function at all).

    For calls that do not depend on each other and whose errors a test handles one by one.
    A function in the sandboxed kernel is called in batches
    (:meth:`autograder.runtime.sandbox.RemoteFunction.call_each`): one request when the
    first outcome is asked for, and one more after each call that raises, for the calls
    after it; after a batch that killed the kernel, one call at a time (so that the call
    that killed it, and only that one, gets the error). Any other function is called as
    each outcome is asked for.
    """
    name = name or getattr(function, "__name__", "your function")
    args_list = [tuple(args) for args in args_list]
    batched = getattr(function, "call_each", None)
    if batched is None or not callable(function):
        for args in args_list:
            yield _outcome(function, args, name)
        return
    done = 0
    while done < len(args_list):
        try:
            returned, error = batched(args_list[done:])
        except Exception as e:  # as `call` says it: the first call's error
            returned, error = [], e
        for result, _warnings in returned:
            done += 1
            try:
                outcome = check_not_none_result(result, name)
            except AnswerError as e:
                outcome = e
            yield outcome
        if getattr(error, "in_batch", False):  # the kernel died in a batch: which call
            for args in args_list[done:]:        # killed it, one call at a time tells
                yield _outcome(function, args, name)
            return
        if error is not None:
            done += 1
            yield _raised(error, name)
        elif not returned:
            return


def _outcome(function, args, name):
    try:
        return call(function, *args, name=name)
    except AnswerError as e:
        return e


def shape_answer(value, name, *, min_size=0):
    """A shape answer as a tuple of python ints, or AnswerError saying why it is not one.

    Accepts a tuple, list or 1-D numpy array of whole numbers written as ints or as whole
    floats: (5,), [5], (5.0,), np.array([5]), and () or [] for a single number. Rejects
    ``...``, strings, booleans, numbers that are not whole, and sizes below ``min_size``.
    """
    check_answered(value, name)
    if type(value) is np.ndarray:
        value = value.tolist() if value.ndim == 1 else None
    if type(value) not in (tuple, list) or any(
            isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Real)
            or type(s).__module__ not in ("builtins", "numpy") for s in value):
        raise AnswerError(f"{name} should be a shape: a tuple of whole numbers such as (5,) "
                          f"or (2, 3), not {_describe(value)}.")
    if not all(math.isfinite(s) and s == int(s) and s >= min_size for s in value):
        raise AnswerError(f"{name} should hold whole numbers >= {min_size}, such as (5,) "
                          "or (2, 3).")
    return tuple(int(s) for s in value)


def check_keys(value, keys, name, *, what="dict"):
    """Return ``value`` if it is a dict holding every key of ``keys``, else AnswerError."""
    check_answered(value, name)
    if type(value) is not dict:
        raise AnswerError(f"{name} should be a {what}, not {_describe(value)}.")
    missing = [k for k in keys if k not in value]
    if missing:
        raise AnswerError(f"{name} has no key {missing[0]!r}.")
    return value


def answer_item(answers, key, name):
    """The answer to item ``key`` of a dict of answers keyed by number (3 or "3"), or ``...``."""
    check_answered(answers, name)
    if type(answers) is not dict:
        raise AnswerError(f"{name} should be a dict from item number to answer, not "
                          f"{_describe(answers)}.")
    for k in (key, str(key)):
        if k in answers:
            return answers[k]
    return Ellipsis


def as_bool(value, name):
    """Return ``value`` (True or False, python or numpy) as a bool, or raise AnswerError."""
    if value is Ellipsis:
        raise AnswerError(f"{name} is still `...`: replace it with True or False.")
    check_answered(value, name)
    if not isinstance(value, (bool, np.bool_)):
        raise AnswerError(f"{name} should be True or False, not {_describe(value)}.")
    return bool(value)


# --------------------------------------------------------------------------------------
# Boolean networks of threshold units
# --------------------------------------------------------------------------------------

def check_network_structure(net, name, n_inputs=4):
    """Check a network ``{"W": (h, n), "b": (h,), "v": (h,), "c": number}``; return it as arrays.

    Lists, tuples and arrays are all accepted; the shapes must agree with each other.
    """
    if net is Ellipsis:
        raise AnswerError(f"{name} is still `...`: replace it with your network.")
    check_answered(net, name)
    if not isinstance(net, dict):
        raise AnswerError(f'{name} should be a dict with keys "W", "b", "v", "c", '
                          f"not {_describe(net)}.")
    missing = [k for k in ("W", "b", "v", "c") if k not in net]
    if missing:
        raise AnswerError(f"{name} is missing the key(s) {', '.join(map(repr, missing))}.")
    W = as_float_array(net["W"], f'{name}["W"]')
    if W.ndim != 2 or W.shape[1] != n_inputs:
        raise AnswerError(f'{name}["W"] should have shape (h, {n_inputs}): one row of input '
                          f"weights per hidden unit, but it has shape {W.shape}.")
    h = W.shape[0]
    b = check_shape(net["b"], (h,), f'{name}["b"]')
    v = check_shape(net["v"], (h,), f'{name}["v"]')
    c = as_float_array(net["c"], f'{name}["c"]')
    if c.size != 1:
        raise AnswerError(f'{name}["c"] should be a single number.')
    for part, arr in (("W", W), ("b", b), ("v", v), ("c", c)):
        check_finite(arr, f'{name}["{part}"]')
    return {"W": W, "b": b, "v": v, "c": float(c.reshape(-1)[0])}


def check_truth_table(value, name, n_rows=16):
    """Return ``value`` as an int array of ``n_rows`` 0s and 1s, or raise AnswerError."""
    arr = check_shape(value, (n_rows,), name)
    if not np.all((arr == 0) | (arr == 1)):
        raise AnswerError(f"{name} should hold only 0s and 1s.")
    return arr.astype(int)


# --- added for matrix-backprop

def check_finite_shape(value, shape, name):
    """``value`` as a float array of exactly ``shape`` with no NaN or inf, or AnswerError.

    The usual format of an array answer (a gradient, an updated weight matrix): lists,
    tuples, numpy scalars and arrays are all accepted. A 2-D answer whose transpose has the
    right shape is asked whether it is transposed, and one with the right number of
    entries in another number of dimensions is told so (the shape is no secret: it is
    the shape of the weights or inputs).
    """
    arr = as_float_array(value, name)
    shape = tuple(shape)
    if arr.ndim == 2 and len(shape) == 2 and arr.shape != shape and arr.T.shape == shape:
        raise AnswerError(f"{name} has shape {arr.shape}, but it should have shape {shape}: "
                          "is it transposed?", mistake=TRANSPOSED)
    if shape == () and arr.shape != ():
        raise AnswerError(f"{name} should be a single number, but it has shape {arr.shape}.")
    if arr.ndim != len(shape) and arr.size == math.prod(shape):
        raise AnswerError(f"{name} has shape {arr.shape} but should have shape {shape}: the "
                          "right number of entries in the wrong layout (a (2, 2) answer is "
                          "not a (4,) one).")
    return check_finite(check_shape(arr, shape, name), name)


# --- added for chain-rule

def check_returned(value, name):
    """Return ``value`` unless it is None (a function that forgot to ``return``) or ``...``."""
    if value is Ellipsis:
        raise AnswerError(f"{name} is still `...`: replace it with your answer.")
    return check_not_none_result(value, name)


def check_scalar(value, name, *, size_one=False):
    """A single finite number as a python float, or AnswerError saying why it is not one.

    Accepts an int, a float, a numpy scalar and a 0-d array; with ``size_one`` also any
    array holding exactly one number (np.array([0.3]), [[0.3]]), for answers such as a
    bias that code may keep as a 1-vector.
    """
    arr = as_float_array(value, name)
    if arr.shape != () and not (size_one and arr.size == 1):
        raise AnswerError(f"{name} should be a single number, but it has shape {arr.shape}.")
    return float(check_finite(arr, name).reshape(()))
