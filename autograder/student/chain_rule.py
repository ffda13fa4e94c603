"""Public checks of the ``chain-rule`` assignment, and the format of each of its answers.

The ``*_format`` functions say whether an answer is the right kind of thing (types, keys,
shapes, finite values) and return it in one normal form; the public checks (one function
per public test case of the notebook, named like it without ``test_``) and the hidden tests
(:mod:`autograder.runtime.questions.chain_rule`) both call them, so an answer the hidden
tests accept never fails a public check. Nothing here knows a reference value: this module
ships to students (numpy and the standard library only).
"""

import numpy as np

from autograder.student.checks import (
    AnswerError,
    _describe,
    call,
    check_answered,
    check_finite,
    check_keys,
    check_scalar,
    check_shape,
    shape_answer,
    unpack,
)
from autograder.student.variants import Draw, Variants

# The names the questions give: the inputs and intermediates of q1's graph, the keys of the
# dicts the functions return.
INPUTS = ("c", "w", "x", "y", "z")
INTERMEDIATES = ("a", "b")
PARTIAL_KEYS = tuple("dv_d" + k for k in INPUTS)
LOCAL_KEYS = ("dv_da", "dv_db", "dv_dc", "da_dw", "da_dx", "da_dy", "db_dx", "db_dy", "db_dz")
GRAD_KEYS = ("dW1", "db1", "dz", "dW0", "db0")
PARAM_KEYS = ("W0", "b0", "W1", "b1")

# --------------------------------------------------------------------------------------
# Every student's own point for q1b_point (see autograder.student.variants)
# --------------------------------------------------------------------------------------

# q1b_point: whole numbers and halves, with parities chosen so that no mistake can hide:
# w, y, z whole (not 0), x an odd number of halves, c an odd number of halves (so never 0
# or 1). Then w + x + y and x - y - z are odd numbers of halves, never 0, a - b is a whole
# even number, and no catalogued slip of the chain rule gives the right number by chance.
Q1B_POINT_WHOLE = (-3.0, -2.0, -1.0, 1.0, 2.0, 3.0)
Q1B_POINT_HALVES = (-2.5, -1.5, -0.5, 0.5, 1.5, 2.5)
Q1B_POINT_LARGEST = 2.5  # |w + x + y| and |x - y - z| at most this: a and b at most 6.25


def q1b_point_numbers(draw: Draw) -> dict:
    """The point (c, w, x, y, z) of q1b_point, with the parities above; w, x, y, z are drawn
    again until a = (w + x + y)^2 and b = (x - y - z)^2 differ (else v = 0) and neither is
    large."""
    c = draw.pick(Q1B_POINT_HALVES)
    while True:
        w, x, y, z = (draw.pick(Q1B_POINT_WHOLE), draw.pick(Q1B_POINT_HALVES),
                      draw.pick(Q1B_POINT_WHOLE), draw.pick(Q1B_POINT_WHOLE))
        s, t = abs(w + x + y), abs(x - y - z)
        if s != t and max(s, t) <= Q1B_POINT_LARGEST:
            return {"c": c, "w": w, "x": x, "y": y, "z": z}


VARIANTS = Variants(
    "chain-rule", {"q1b_point": q1b_point_numbers},
    handout={  # an addition: the handout evaluates nothing at a point; this is the one the
        # assignment chose before variants, kept as the variant "handout"
        "q1b_point": {"c": 2.0, "w": 1.0, "x": 0.5, "y": -1.0, "z": 3.0}},
    on=True)  # False: every student gets the handout's numbers


# --------------------------------------------------------------------------------------
# Formats: what each answer must look like
# --------------------------------------------------------------------------------------

def paths_format(paths: object) -> dict[str, frozenset[str]]:
    """q1a's ``paths`` as {input: frozenset of "a"/"b"}, or AnswerError.

    Each input maps to a set, frozenset, list or tuple of the names "a" and "b" (any case,
    spaces ignored), or to set() / {} for none. Keys other than the five inputs are ignored.
    """
    check_keys(paths, INPUTS, "paths")
    out = {}
    for k in INPUTS:
        value = paths[k]
        if isinstance(value, dict) and not value:
            value = ()  # {} typed for an empty set
        if type(value) not in (set, frozenset, list, tuple):
            raise AnswerError(f'paths["{k}"] should be a set of names such as "a", or set() for '
                              f"none, not {_describe(value)}.")
        names = set()
        for item in value:
            if not isinstance(item, str) or item.strip().lower() not in INTERMEDIATES:
                raise AnswerError(f'paths["{k}"] should hold only the names of intermediate '
                                  f'variables, "a" or "b", not {item!r}.')
            names.add(item.strip().lower())
        out[k] = frozenset(names)
    return out


def partials_format(value: object, keys: tuple[str, ...], name: str) -> dict[str, float]:
    """A dict holding a single finite number under each of ``keys``, as {key: float}.

    Used for v_chain_rule, local_partials, v_partials and partials_at_point. Other keys are
    ignored.
    """
    check_keys(check_answered(value, name), keys, name)
    return {k: check_scalar(value[k], f"{name}[{k!r}]") for k in keys}


def forward_format(value: object, h: int, name: str,
                   where: str = "") -> tuple[np.ndarray, np.ndarray]:
    """``(z, y)`` of a forward pass with ``h`` hidden units, as arrays of shapes (h,) and (1,).

    y may be the (1,) array W1 @ z + b1 gives or a single number.
    """
    z, y = unpack(check_answered(value, name), 2, name)
    z = check_finite(check_shape(z, (h,), "z" + where), "z" + where)
    return z, np.reshape(check_scalar(y, "y" + where, size_one=True), (1,))


def grad_shape(key: str, d: int, h: int) -> tuple[int, ...]:
    """The shape of output_grads' entry ``key``: that of its variable (db1: a number)."""
    return {"dW1": (1, h), "db1": (), "dz": (h,), "dW0": (h, d), "db0": (h,)}[key]


def grad_format(value: object, key: str, d: int, h: int, name: str) -> np.ndarray:
    """One derivative of output_grads / zero_init_grads, shaped like its variable.

    db1 is a single number (a 1-element array is accepted too), returned as a 0-d array.
    """
    if key == "db1":
        return np.asarray(check_scalar(value, name, size_one=True))
    return check_finite(check_shape(value, grad_shape(key, d, h), name), name)


def grads_format(value: object, keys: tuple[str, ...], d: int, h: int,
                 name: str) -> dict[str, np.ndarray]:
    """The entries ``keys`` of a dict of derivatives (see :func:`grad_format`)."""
    check_keys(check_answered(value, name), keys, name)
    return {k: grad_format(value[k], k, d, h, f'{name}["{k}"] for d = {d}, h = {h}')
            for k in keys}


def params_format(value: object, d: int, h: int, name: str) -> dict[str, object]:
    """gd_train's result: {"W0": (h, d), "b0": (h,), "W1": (1, h), "b1": a number}."""
    check_keys(check_answered(value, name), PARAM_KEYS, name)
    where = f" for d = {d}, h = {h}"
    shapes = {"W0": (h, d), "b0": (h,), "W1": (1, h)}
    out = {k: check_finite(check_shape(value[k], s, f'{name}["{k}"]{where}'), f'{name}["{k}"]')
           for k, s in shapes.items()}
    out["b1"] = check_scalar(value["b1"], f'{name}["b1"]', size_one=True)
    return out


def shape_format(value: object, name: str) -> tuple[int, ...]:
    """A shape answer as a tuple of positive ints: (5, 7), [5, 7], (5.0, 7.0), np.array([5, 7])."""
    return shape_answer(check_answered(value, name), name, min_size=1)


# --------------------------------------------------------------------------------------
# Public checks, one per public test case (inputs are arbitrary; no answer is known here)
# --------------------------------------------------------------------------------------

# a small network, d = 3 inputs and h = 4 hidden units, for the shape checks of q2
_rng = np.random.default_rng(0)
NET = {"x": _rng.normal(size=3), "W0": _rng.normal(size=(4, 3)), "b0": _rng.normal(size=4),
       "W1": _rng.normal(size=(1, 4)), "b1": 0.3}
del _rng


def _net():
    """Fresh copies of NET's arrays (a student's function may modify its arguments)."""
    return tuple(np.copy(NET[k]) for k in ("x", "W0", "b0", "W1", "b1"))


def q1a_format(paths: object) -> None:
    """Is paths a dict from each of c, w, x, y, z to a set of the names "a" and "b"?"""
    paths_format(paths)


def q1a_chain_rule_format(v_chain_rule: object) -> None:
    """Does v_chain_rule return a dict of five finite numbers for given partials?"""
    p = dict(zip(LOCAL_KEYS, (0.7, -1.1, 0.4, 1.3, -0.6, 0.9, 1.7, -0.8, 0.5),
                 strict=True))
    partials_format(call(v_chain_rule, p, name="v_chain_rule"), PARTIAL_KEYS, "v_chain_rule(p)")


def q1b_types(local_partials: object, v_partials: object) -> None:
    """Do local_partials and v_partials give dicts of finite numbers with the right keys?"""
    point = (0.3, -1.2, 0.7, 0.4, -0.9)
    for function, fname, keys in ((local_partials, "local_partials", LOCAL_KEYS),
                                  (v_partials, "v_partials", PARTIAL_KEYS)):
        partials_format(call(function, *point, name=fname), keys, f"{fname}{point}")


def q1b_point_types(partials_at_point: object, student_email: object) -> None:
    """Is student_email an email, and is partials_at_point a dict of five finite numbers?"""
    VARIANTS.check_email(student_email)
    partials_format(partials_at_point, PARTIAL_KEYS, "partials_at_point")


def q2_1a_shapes(forward: object) -> None:
    """Does forward return a finite z of shape (h,) and a finite y of shape (1,)?"""
    forward_format(call(forward, *_net(), name="forward"), 4, "forward", " for d = 3, h = 4")


def output_grads_shapes(output_grads: object, keys: tuple[str, ...]) -> None:
    """q2_1b, q2_1c, q2_1d: are output_grads' entries ``keys`` finite and shaped like their
    variables?"""
    grads_format(call(output_grads, *_net(), name="output_grads"), tuple(keys), 3, 4,
                 "output_grads(...)")


def q2_2a_shapes(zero_init_values: object) -> None:
    """Does zero_init_values return a finite z of shape (h,) and y of shape (1,)?"""
    got = call(zero_init_values, np.array([0.4, -1.3, 2.0]), 5, name="zero_init_values")
    forward_format(got, 5, "zero_init_values", " for h = 5")


def q2_2b_shapes(zero_init_grads: object) -> None:
    """Does zero_init_grads return the five derivatives, each shaped like its variable?"""
    got = call(zero_init_grads, np.array([0.4, -1.3, 2.0]), 5, name="zero_init_grads")
    grads_format(got, GRAD_KEYS, 3, 5, "zero_init_grads(x, 5)")


def q2_2c_shapes(gd_train: object) -> None:
    """Does gd_train return a dict of finite parameters with the keys and shapes it was given?"""
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(6, 3)), rng.normal(size=6)
    start = {"W0": rng.normal(size=(4, 3)), "b0": rng.normal(size=4),
             "W1": rng.normal(size=(1, 4)), "b1": 0.1}
    params_format(call(gd_train, start, X, y, 0.1, 3, name="gd_train"), 3, 4, "gd_train(...)")


def q4a_format(composite_jacobian_shape: object) -> None:
    """Does composite_jacobian_shape return a shape: a tuple of positive whole numbers?"""
    got = call(composite_jacobian_shape, 2, 3, 4, name="composite_jacobian_shape")
    shape_format(got, "composite_jacobian_shape(2, 3, 4)")


def q4b_format(composite_derivative_sum: object) -> None:
    """Does composite_derivative_sum return one finite number?"""
    got = call(composite_derivative_sum, np.array([0.5, -1.2, 2.0]), np.array([1.5, 0.3, -0.7]),
               name="composite_derivative_sum")
    check_scalar(got, "composite_derivative_sum(df_dy, dg_dx) for n = 3")


def q4c_format(matrix_input_jacobian_shape: object, flattened_jacobian_shape: object) -> None:
    """Do both functions return shapes: tuples of positive whole numbers?"""
    for function, fname in ((matrix_input_jacobian_shape, "matrix_input_jacobian_shape"),
                            (flattened_jacobian_shape, "flattened_jacobian_shape")):
        shape_format(call(function, 2, 3, 4, name=fname), f"{fname}(2, 3, 4)")
