"""The grading core: answer checks and mistake diagnosis, used by every test.

Every check raises :class:`AnswerError` (an ``AssertionError``) with a message written for
a student, and never prints the expected value. Tests call these functions both in the
student's kernel (``grader.check``, public tests) and in the trusted grading process,
where the student's values arrive as plain data (see :mod:`autograder.runtime.sandbox`).

Tolerances:

- ``HAND``: a number worked out by hand passes when it is written with at least 4
  significant figures and is within 2e-3 relative of the reference, which leaves room for
  intermediates rounded to 4 figures along a chain of products (000 3(b): 0.00081 x 1.6849
  = 0.001365 for 0.0013636, 1e-3 off). A number written with fewer figures passes only if
  it is the reference rounded to 4 figures (0.25, 0.26, 0.120 for 0.12004): 20.1 for e^3
  is close, but not to the required precision, and the feedback says so.
- ``IMPLEMENTED``: an implemented function is held to about 1e-6 relative.

An answer that fails but is within ``CLOSE`` (1%) of the reference, and is none of the
named mistakes, is told it is close but not precise enough (without the value).
"""

import math
import numbers
import warnings

import numpy as np

HAND = {"rtol": 2e-3, "atol": 1e-9, "sig_figs": 4}
IMPLEMENTED = {"rtol": 1e-6, "atol": 1e-9}
CLOSE = 1e-2  # a failing answer this near the reference is told it is close


class AnswerError(AssertionError):
    """A wrong answer, with a message meant for the student."""


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
    if value is Ellipsis:
        raise AnswerError(f"{name} is still `...`: replace it with your answer.")
    if value is None:
        raise AnswerError(f"{name} is None: did your function forget to `return` its result?")
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
# Comparing with the reference, and diagnosing the usual mistakes
# --------------------------------------------------------------------------------------

def _close(a, b, rtol, atol):
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def significant_figures(x):
    """How many significant figures the shortest decimal form of the number ``x`` has.

    0.001365 -> 4, 20.1 -> 3, 0.25 -> 2, 7.0 -> 1, 1 / 3 -> 16, 0 -> 1 (a typed number
    keeps the figures it was typed with; a computed one has about 16).
    """
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return 1
    mantissa = repr(abs(x)).lower().split("e")[0]
    digits = mantissa.replace(".", "").strip("0")  # 0.00120 and 1200.0: the figures are 12
    return max(len(digits), 1)


def round_significant(x, figures):
    """``x`` rounded to ``figures`` significant figures (element-wise, 0 stays 0)."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(x == 0, 0, np.floor(np.log10(np.abs(np.where(x == 0, 1, x)))))
    scale = 10.0 ** (figures - 1 - mag)
    return np.where(x == 0, 0.0, np.round(x * scale) / scale)


def _entries_ok(arr, exp, rtol, atol, sig_figs=None):
    """Entry-wise pass mask: within the tolerances and, for hand answers, precise enough.

    With ``sig_figs``, an entry also needs that many significant figures, or to equal the
    reference rounded to that many figures (a short answer passes only if it is exact).
    """
    ok = np.abs(arr - exp) <= atol + rtol * np.abs(exp)
    if sig_figs:
        rounded = round_significant(exp, sig_figs)
        exact = np.abs(arr - rounded) <= atol + 1e-12 * np.abs(rounded)
        enough = np.vectorize(lambda v: significant_figures(v) >= sig_figs,
                              otypes=[bool])(arr) if arr.size else np.ones(arr.shape, bool)
        ok &= enough | exact
    return ok


def _shape_message(arr, exp, name):
    if arr.size == exp.size and arr.ndim != exp.ndim:
        return (f"{name} has shape {arr.shape} but should have shape {exp.shape}: the right "
                "number of entries in the wrong layout (a (2, 2) answer is not a (4,) one).")
    if exp.shape == ():
        return f"{name} should be a single number, but it has shape {arr.shape}."
    return f"{name} has shape {arr.shape}, but it should have shape {exp.shape}."


def diagnose(actual, expected, *, rtol, atol, n=None, mistakes=None):
    """Name the mistake ``actual`` looks like, compared with ``expected``, or return None.

    Inputs:
    - actual, expected: float arrays of the same shape
    - n: the number of terms the expected value sums over, if any (to spot a mean used
      where a sum belongs, or the reverse)
    - mistakes: dict from a description of a plausible mistake to the value that mistake
      produces, checked first

    Returns a short description of the mistake, never the expected value.
    """
    for description, wrong in (mistakes or {}).items():
        wrong = np.asarray(wrong, dtype=np.float64)
        if _close(actual, wrong, rtol, atol):
            return description
    generic = [
        ("it has the wrong sign", -expected),
        ("it is off by a factor of 2 (twice too large)", 2 * expected),
        ("it is off by a factor of 1/2 (a missing factor 2?)", expected / 2),
    ]
    if n and n > 1:
        generic += [
            (f"it looks divided by {n}: a mean where a sum belongs", expected / n),
            (f"it looks multiplied by {n}: a sum where a mean belongs", expected * n),
        ]
    for description, wrong in generic:
        if np.any(np.abs(expected) > atol) and _close(actual, wrong, rtol, atol):
            return description
    return None


def check_close(value, expected, name, *, rtol=1e-6, atol=1e-9, n=None, mistakes=None,
                sig_figs=None):
    """Raise AnswerError unless ``value`` equals ``expected`` within the tolerances.

    Inputs:
    - value: the student's answer (number, list, tuple, ndarray, numpy scalar)
    - expected: the reference value, from ``solutions/``
    - name: what to call the answer in messages
    - rtol, atol: entry-wise tolerance |value - expected| <= atol + rtol |expected|;
      pass ``**HAND`` for hand-computed answers, ``**IMPLEMENTED`` for functions
    - n, mistakes: see :func:`diagnose`
    - sig_figs: for hand answers (``HAND`` sets 4), an entry written with fewer significant
      figures passes only if it equals the reference rounded to that many figures

    The shape must match exactly. On failure the message names the mistake the answer
    looks like (transposed, wrong sign, factor 2, mean vs. sum, or one of ``mistakes``),
    or says it is close but not precise enough.
    """
    exp = np.asarray(expected, dtype=np.float64)
    arr = as_float_array(value, name)
    if arr.shape != exp.shape:
        if arr.ndim == 2 and arr.T.shape == exp.shape and _close(arr.T, exp, rtol, atol):
            raise AnswerError(f"{name} looks transposed: its shape is {arr.shape}, "
                              f"and its transpose would be right.")
        raise AnswerError(_shape_message(arr, exp, name))
    arr = check_finite(arr, name)
    ok = _entries_ok(arr, exp, rtol, atol, sig_figs)
    if ok.all():
        return arr
    if arr.ndim == 2 and arr.shape[0] == arr.shape[1] and _close(arr.T, exp, rtol, atol):
        raise AnswerError(f"{name} looks transposed: check which index is rows and which "
                          "is columns.")
    mistake = diagnose(arr, exp, rtol=rtol, atol=atol, n=n, mistakes=mistakes)
    if mistake:
        raise AnswerError(f"{name} is not correct: {mistake}.")
    if _close(arr, exp, max(CLOSE, rtol), atol):
        how = (f"give at least {sig_figs} significant figures, or keep the full precision of "
               "your intermediate results" if sig_figs else
               "is something rounded or approximated along the way?")
        raise AnswerError(f"{name} is close, but not to the required precision: {how}.")
    wrong = ~ok
    if arr.ndim == 0:
        raise AnswerError(f"{name} is not correct.")
    first = tuple(int(i) for i in np.argwhere(wrong)[0])
    raise AnswerError(f"{name} is not correct: {int(wrong.sum())} of {arr.size} entries are "
                      f"wrong, the first at index {first}.")


def check_number(value, expected, name, **tolerances):
    """:func:`check_close` for one number: accepts int, float, numpy scalar or 0-d array."""
    return float(check_close(value, expected, name, **tolerances))


# --------------------------------------------------------------------------------------
# Answers that are not arrays
# --------------------------------------------------------------------------------------

def check_int(value, expected, name, *, hint=None):
    """Raise AnswerError unless ``value`` is a whole number equal to ``expected``.

    7, np.int64(7) and 7.0 are all the whole number 7 (see :func:`check_whole_number`).
    """
    value = check_whole_number(value, name)
    if int(value) != int(expected):
        raise AnswerError(f"{name} is not correct." + (f" {hint}" if hint else ""))
    return int(value)


def check_whole_number(value, name):
    """Raise AnswerError unless ``value`` is a whole number (7, np.int64(7), 7.0); return it as int.

    The public twin of :func:`check_int`: it accepts exactly what ``check_int`` accepts.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Number) \
            or type(value).__module__ not in ("builtins", "numpy"):
        if value is Ellipsis:
            raise AnswerError(f"{name} is still `...`: replace it with your answer.")
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
    if value is Ellipsis:
        raise AnswerError(f"{name} is still `...`: replace it with your answer.")
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


def check_letters(value, expected, name, *, options=None):
    """Raise AnswerError unless the letters in ``value`` are exactly ``expected``."""
    got = normalize_letters(value, name)
    if options is not None:
        extra = got - frozenset(options)
        if extra:
            raise AnswerError(f"{name}: {', '.join(sorted(extra))} is not one of the options "
                              f"{', '.join(options)}.")
    if got != normalize_letters(expected, "expected"):
        raise AnswerError(f"{name} is not correct.")
    return got


def check_bool(value, expected, name):
    """Raise AnswerError unless ``value`` is a boolean (python or numpy) equal to ``expected``."""
    if not isinstance(value, (bool, np.bool_)):
        if value is Ellipsis:
            raise AnswerError(f"{name} is still `...`: replace it with True or False.")
        raise AnswerError(f"{name} should be True or False, not {_describe(value)}.")
    if bool(value) != bool(expected):
        raise AnswerError(f"{name} is not correct.")
    return bool(value)


def check_callable(value, name):
    """Raise AnswerError unless ``value`` is a function."""
    if value is None:
        raise AnswerError(f"{name} is not defined: did you run the cell that defines it?")
    if not callable(value):
        raise AnswerError(f"{name} should be a function, not {_describe(value)}.")
    return value


def unpack(value, count, name):
    """Return ``value`` as a tuple of ``count`` items, or raise AnswerError."""
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
        return function(*args)
    except AnswerError:
        raise
    except Exception as e:  # the student's code failed: say how, without a test traceback
        raise AnswerError(f"{name} raised {_error_text(e)}") from None


def call_recording_warnings(function, *args, name=None):
    """Call a student's function and also return the warnings it emitted.

    Returns (result, warnings) with warnings a list of strings "Category: message".
    Works on a local function and on a function of the sandboxed kernel alike.
    """
    name = name or getattr(function, "__name__", "your function")
    check_callable(function, name)
    remote = getattr(function, "call_recording_warnings", None)
    if remote is not None:
        try:
            return remote(*args)
        except AnswerError:
            raise
        except Exception as e:
            raise AnswerError(f"{name} raised {_error_text(e)}") from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call(function, *args, name=name)
    return result, [f"{w.category.__name__}: {w.message}" for w in caught]


# --------------------------------------------------------------------------------------
# Boolean networks of threshold units
# --------------------------------------------------------------------------------------

def check_network_structure(net, name, n_inputs=4):
    """Check a network ``{"W": (h, n), "b": (h,), "v": (h,), "c": number}``; return it as arrays.

    Lists, tuples and arrays are all accepted; the shapes must agree with each other.
    """
    if net is Ellipsis:
        raise AnswerError(f"{name} is still `...`: replace it with your network.")
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


def _bits(row, n_inputs):
    return "".join(str((row >> (n_inputs - 1 - j)) & 1) for j in range(n_inputs))


def check_network_computes(net, truth_table, name, *, evaluate, n_inputs=4):
    """Raise AnswerError unless ``evaluate(net)`` reproduces ``truth_table`` on every row.

    ``evaluate`` (from ``solutions/``) maps a checked network to its outputs on the rows
    0...0 to 1...1; the message names the first input the network gets wrong (the truth
    table is part of the question, so this reveals nothing).
    """
    net = check_network_structure(net, name, n_inputs)
    got = np.asarray(evaluate(net)).reshape(-1)
    want = np.asarray(truth_table).reshape(-1)
    wrong = np.flatnonzero(got != want)
    if wrong.size:
        row = int(wrong[0])
        raise AnswerError(f"{name} outputs {int(got[row])} on input {_bits(row, n_inputs)} "
                          f"(x0 first), where the truth table says {int(want[row])} "
                          f"({wrong.size} of {want.size} rows are wrong).")
    return net


def check_truth_table(value, name, n_rows=16):
    """Return ``value`` as an int array of ``n_rows`` 0s and 1s, or raise AnswerError."""
    arr = check_shape(value, (n_rows,), name)
    if not np.all((arr == 0) | (arr == 1)):
        raise AnswerError(f"{name} should hold only 0s and 1s.")
    return arr.astype(int)
