"""Verdicts: does an answer equal the reference, and if not, which mistake does it look like?

Used by the hidden tests only, in the trusted grading process, where the student's values
arrive as plain data (see :mod:`autograder.runtime.sandbox`). Every check first applies the
format check students also run (:mod:`autograder.student.checks`), then compares; it raises
:class:`AnswerError` with a message for the student, never the expected value, and with
the diagnosed mistake as data (``AnswerError.mistake``).

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
import warnings

import numpy as np

from autograder.student.checks import (
    TRANSPOSED,
    AnswerError,
    _error_text,
    as_bool,
    as_float_array,
    call,
    check_callable,
    check_finite,
    check_network_structure,
    check_whole_number,
    normalize_letters,
)

HAND = {"rtol": 2e-3, "atol": 1e-9, "sig_figs": 4}
IMPLEMENTED = {"rtol": 1e-6, "atol": 1e-9}
CLOSE = 1e-2  # a failing answer this near the reference is told it is close


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
                              f"and its transpose would be right.", mistake=TRANSPOSED)
        raise AnswerError(_shape_message(arr, exp, name))
    arr = check_finite(arr, name)
    ok = _entries_ok(arr, exp, rtol, atol, sig_figs)
    if ok.all():
        return arr
    if arr.ndim == 2 and arr.shape[0] == arr.shape[1] and _close(arr.T, exp, rtol, atol):
        raise AnswerError(f"{name} looks transposed: check which index is rows and which "
                          "is columns.", mistake=TRANSPOSED)
    mistake = diagnose(arr, exp, rtol=rtol, atol=atol, n=n, mistakes=mistakes)
    if mistake:
        raise AnswerError(f"{name} is not correct: {mistake}.", mistake=mistake)
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
    if as_bool(value, name) != bool(expected):
        raise AnswerError(f"{name} is not correct.")
    return bool(value)


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


def check_carried(value, expected, carried, name, tolerances, mistakes=None):
    """:func:`check_close` against ``expected``, but an answer equal to ``carried`` (what
    the student's own earlier, wrong answer leads to; None when there is none) passes too:
    an error carried forward from an earlier part is not penalised twice (partial credit).
    The failure, when there is one, is the comparison with ``expected``."""
    try:
        return check_close(value, expected, name, **tolerances, mistakes=mistakes)
    except AnswerError:
        if matches(value, carried, tolerances):
            return value
        raise


def matches(value, carried, tolerances) -> bool:
    """Whether ``value`` equals ``carried`` (None: nothing to match) in shape and within
    ``tolerances`` (HAND or IMPLEMENTED)."""
    if carried is None:
        return False
    try:
        a, b = np.asarray(value, dtype=np.float64), np.asarray(carried, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.all(np.isfinite(b))) and np.allclose(
        a, b, rtol=tolerances["rtol"], atol=tolerances["atol"])
