"""Public checks of ``mlp-backprop``, and the format of each answer, shared with the hidden tests.

Two kinds of functions:

- FORMAT functions (``*_format``, ``read_*``): is an answer the right kind of thing (types,
  shapes, keys, finite)? They return the answer in a canonical form. The public checks
  below call them on small problems of their own, and the hidden tests
  (:mod:`autograder.runtime.questions.mlp_backprop`) call the very same functions on the
  graded problems before comparing values, so an answer the hidden tests accept never
  fails a public check.
- One function per public test case of the notebook, named like it without ``test_``.

The widths d, h, k of the questions answered by hand (q1b's layer table, q1d's Jacobian
shapes) are every student's own: :data:`VARIANTS` (see :mod:`autograder.student.variants`).

No reference value lives here: this module ships to students (numpy and the standard
library only).
"""

import numpy as np

from autograder.student.checks import (
    AnswerError,
    _describe,
    as_float_array,
    call,
    check_answered,
    check_finite,
    check_keys,
    check_shape,
    shape_answer,
    unpack,
)
from autograder.student.variants import Draw, Variants

# --------------------------------------------------------------------------------------
# Every student's own widths for q1b and q1d (see autograder.student.variants)
# --------------------------------------------------------------------------------------

WIDTHS = tuple(range(2, 10))
"""The widths d, h, k are drawn from: small whole numbers, none of them 1."""


def widths_numbers(draw: Draw) -> dict:
    """The input, hidden and output widths d, h, k of q1b's layer table and q1d's Jacobian
    shapes: three different numbers from :data:`WIDTHS`, by construction. Different, so
    that no slip of one width for another (the handout calls the hidden width d) and no
    transposed shape ((h, d) for (d, h)) gives the right shape; none is 1, where a row
    (1, k) would be its own transpose and a vector (h,) with an extra dimension of 1 the
    shape of a weight matrix."""
    d = draw.pick(WIDTHS)
    h = draw.pick(tuple(w for w in WIDTHS if w != d))
    k = draw.pick(tuple(w for w in WIDTHS if w not in (d, h)))
    return {"d": d, "h": h, "k": k}


VARIANTS = Variants(
    "mlp-backprop", {"widths": widths_numbers},
    # the handout (seed 002) writes its shapes in letters only, calling the hidden width d:
    # its variant is the widths this notebook has always given, which the solution uses
    handout={"widths": {"d": 3, "h": 4, "k": 2}},
    on=True)  # False: every student gets these widths

STEP_LABELS = ("backward", "forward", "loss", "step", "zero_grad")
"""The labels of q1a, as the question lists them (alphabetically)."""

LAYERS = ("Linear1", "f", "Linear2", "g", "Loss")
"""The rows of the layer table (q1b)."""

JACOBIANS = ("dz2_dz1", "dyhat_dz3", "dl_dyhat")
"""The keys of jacobian_shapes (q1d)."""

TERM_NAMES = ("z2", "z3", "y_hat", "loss", "dl_dyhat",
              "dyhat_dz3", "dz2_dz1", "dz3_dW2", "dz1_dW1", "dl_dW2")
"""The names q2a and q2b may use: the notebook's CHANGEABLE_TERMS."""

PARAMS = ("W1", "b1", "W2", "b2")
GRADIENT_KEYS = ("dW2", "db2", "dW1", "db1")  # checked in backward order, layer 2 first


# --------------------------------------------------------------------------------------
# Format of each answer
# --------------------------------------------------------------------------------------

def read_step_order(value, name="training_step_order"):
    """q1a: a list of the five labels, each exactly once; returned normalised ("Zero grad"
    -> "zero_grad")."""
    check_answered(value, name)
    if type(value) not in (list, tuple):
        raise AnswerError(f"{name} should be a list of labels, not {_describe(value)}.")
    order = []
    for item in value:
        label = (item.strip().lower().replace("-", "_").replace(" ", "_")
                 if type(item) is str else None)
        if label not in STEP_LABELS:
            raise AnswerError(f"{item!r} is not one of the labels "
                              f"{', '.join(map(repr, STEP_LABELS))}.")
        order.append(label)
    if len(order) != len(STEP_LABELS):
        raise AnswerError(f"{name} should hold five labels, not {len(order)}.")
    if sorted(order) != sorted(STEP_LABELS):
        raise AnswerError(f"{name} should hold each of the five labels exactly once.")
    return order


def _is_plain(value, depth=0):
    """Whether ``value`` is plain data: numbers, strings, real arrays, and lists, tuples and
    dicts of them."""
    if depth > 10:
        return False
    if value is None or type(value) in (bool, int, float, str):
        return True
    if type(value) is np.ndarray or isinstance(value, np.generic):
        return value.dtype.kind in "biuf"
    if type(value) in (list, tuple):
        return all(_is_plain(item, depth + 1) for item in value)
    if type(value) is dict:
        return all(_is_plain(key, depth + 1) and _is_plain(item, depth + 1)
                   for key, item in value.items())
    return False


def forward_format(result, n, k, where=""):
    """q1b, q2a: mlp_forward's result as (y_hat, cache): y_hat finite of shape (n, k), cache a
    dict of plain data."""
    y_hat, cache = unpack(result, 2, "mlp_forward")
    what = f"y_hat{where}"
    y_hat = check_finite(check_shape(y_hat, (n, k), what), what)
    if type(cache) is not dict:
        raise AnswerError("the cache mlp_forward returns should be a dict, not "
                          f"{_describe(cache)}.")
    for key, item in cache.items():
        if not _is_plain(item):
            raise AnswerError(f"cache[{key!r}] is not plain data: keep only numpy arrays, "
                              "numbers, strings, and lists or dicts of these in the cache.")
    return y_hat, cache


def loss_format(result, shape, function, where=""):
    """q1c, q2b: a loss function's result as (J, dJ_dyhat): J one finite number, dJ_dyhat
    finite and shaped like y_hat."""
    J, dJ = unpack(result, 2, function)
    J = check_finite(check_shape(J, (), f"J{where}"), f"J{where}")
    dJ = check_finite(check_shape(dJ, shape, f"dJ_dyhat{where}"), f"dJ_dyhat{where}")
    return float(J), dJ


def gradients_format(grads, param_shapes, n, where="", keys=GRADIENT_KEYS):
    """q1c, q2a: mlp_backward's dict of finite gradients, each shaped like its parameter.

    ``param_shapes``: {"W1": (h, d), ...}; ``n``: the batch size; ``keys``: the gradients
    whose shapes are checked (all four, or the one a hidden test case grades). Names the
    two usual shape slips: a weight gradient in the handout's numerator layout
    (transposed), and a bias gradient with one row per sample (not summed over the batch).
    """
    check_keys(grads, GRADIENT_KEYS, "the dict mlp_backward returns")
    out = {}
    for key in keys:
        want = tuple(param_shapes[key[1:]])
        arr = as_float_array(grads[key], key + where)
        if len(want) == 2 and arr.shape == want[::-1] and want[0] != want[1]:
            raise AnswerError(f"{key}{where} has shape {arr.shape}, the transpose of "
                              f"{key[1:]}'s: that is the numerator-layout derivative the "
                              "handout writes dl/dW in; here a gradient has its parameter's "
                              "(out, in) shape.")
        if len(want) == 1 and n > 1 and arr.shape == (n,) + want:
            raise AnswerError(f"{key}{where} has shape {arr.shape}, one row per sample: "
                              "the per-sample gradients are not summed over the batch.")
        out[key] = check_finite(check_shape(arr, want, key + where), key + where)
    return out


def gradient_table_format(table, d, h, k, rows=PARAMS):
    """q1c_table: the ``rows`` of gradient_table's dict, finite, in numerator layout.

    dl/dA is shaped like A^T: W1 (d, h), W2 (h, k); a bias row (1, m), or (m,) which is
    returned as (1, m).
    """
    check_keys(table, rows, "the dict gradient_table returns")
    layout = {"W1": (d, h), "b1": (1, h), "W2": (h, k), "b2": (1, k)}
    param = {"W1": (h, d), "W2": (k, h)}
    out = {}
    for key in rows:
        what = f'gradient_table(...)["{key}"] (d, h, k = {d}, {h}, {k})'
        arr = check_finite(as_float_array(table[key], what), what)
        want = layout[key]
        if key[0] == "b" and arr.shape == want[1:]:
            arr = arr.reshape(want)  # a row given as a vector
        if key in param and arr.shape == param[key] and want[0] != want[1]:
            raise AnswerError(f"{what} looks transposed: it is shaped like {key} itself "
                              "(the layout of mlp_backward); this question asks for the "
                              "handout's numerator layout.")
        if arr.shape != want:
            raise AnswerError(f"{what} has shape {arr.shape}: in numerator layout "
                              f"dl/d{key} is shaped like the transpose of {key}.")
        out[key] = arr
    return out


def activation_jacobian_format(value, m, what):
    """q1d: an activation's Jacobian at one sample of length m: a finite (m, m) matrix."""
    arr = as_float_array(value, what)
    if arr.shape == (m,):
        raise AnswerError(f"{what} returns a vector of shape ({m},): the Jacobian of a map "
                          f"from R^{m} to R^{m} is an ({m}, {m}) matrix.")
    return check_finite(check_shape(arr, (m, m), what), what)


def read_loss_input(value, name):
    """q1b: the Loss row's input, one shape (that of y_hat) or the pair (y_hat's, y's).

    Returns a tuple of shapes: (shape,) for one shape, (shape, shape) for a pair.
    """
    if type(value) in (tuple, list) and len(value) == 2 and all(
            type(v) in (tuple, list) or (type(v) is np.ndarray and v.ndim == 1) for v in value):
        return (shape_answer(value[0], f"{name} (y_hat)"), shape_answer(value[1], f"{name} (y)"))
    return (shape_answer(value, name),)


def read_layer_table(value, name="layer_table"):
    """q1b: layer_table as {layer: (tuple of input shapes, output shape)}, shapes as int tuples."""
    check_keys(value, LAYERS, name)
    out = {}
    for layer in LAYERS:
        row = value[layer]
        if type(row) not in (list, tuple) or len(row) != 2:
            raise AnswerError(f"{name}[{layer!r}] should be a pair (input shape, output shape).")
        if layer == "Loss":
            shapes_in = read_loss_input(row[0], "the input shape of Loss")
        else:
            shapes_in = (shape_answer(row[0], f"the input shape of {layer}"),)
        out[layer] = (shapes_in, shape_answer(row[1], f"the output shape of {layer}"))
    return out


def read_jacobian_shapes(value, name="jacobian_shapes"):
    """q1d: jacobian_shapes as {key: shape as a tuple of ints}."""
    check_keys(value, JACOBIANS, name)
    return {key: shape_answer(value[key], f"{name}[{key!r}]") for key in JACOBIANS}


def read_term_names(value, name):
    """q2a, q2b: a set of names from CHANGEABLE_TERMS (a set, list or tuple), stripped."""
    check_answered(value, name)
    if type(value) not in (set, frozenset, list, tuple):
        raise AnswerError(f'{name} should be a set of names, such as {{"z3", "loss"}}, not '
                          f"{_describe(value)}.")
    for item in value:
        if type(item) is not str or item.strip() not in TERM_NAMES:
            raise AnswerError(f"{item!r} is not one of the listed names.")
    return {item.strip() for item in value}


# --------------------------------------------------------------------------------------
# Small problems of the public checks (their own, never a graded one)
# --------------------------------------------------------------------------------------

def _problem(rng, n=5, d=3, h=4, k=2):
    X = rng.normal(size=(n, d))
    params = {"W1": rng.normal(size=(h, d)), "b1": rng.normal(size=h),
              "W2": rng.normal(size=(k, h)), "b2": rng.normal(size=k)}
    return X, params


def _suggested_cache(rng, n, d, h, k):
    """A cache with the suggested keys and shapes, for checking mlp_backward when the
    student's mlp_forward fails (the hidden tests do the same, see the note under q1c).
    Only the format of the gradients is checked here, so its values need not be a forward
    pass."""
    shapes = {"X": (n, d), "z1": (n, h), "z2": (n, h), "z3": (n, k), "y_hat": (n, k)}
    return {key: rng.normal(size=shape) for key, shape in shapes.items()}


def _backward_runs(mlp_forward, mlp_backward, f, g, rng, where):
    """Does mlp_backward give well-formed gradients, with the cache of the student's own
    mlp_forward, or else (as in the hidden tests) with a cache of the suggested keys?"""
    X, params = _problem(rng)
    (n, d), (h, k) = X.shape, params["W2"].shape[::-1]
    dJ = rng.normal(size=(n, k))
    shapes = {key: value.shape for key, value in params.items()}
    try:
        _, cache = unpack(call(mlp_forward, X.copy(), params, f, g, name="mlp_forward"),
                          2, "mlp_forward")
        gradients_format(call(mlp_backward, dJ.copy(), cache, params, f, g,
                              name="mlp_backward"), shapes, n, where)
        return
    except AnswerError as e:
        own = e
    try:
        gradients_format(call(mlp_backward, dJ.copy(), _suggested_cache(rng, n, d, h, k),
                              params, f, g, name="mlp_backward"), shapes, n, where)
    except AnswerError:
        raise own from None


# --------------------------------------------------------------------------------------
# The public test cases, one per notebook test
# --------------------------------------------------------------------------------------

def q1a_format(training_step_order):
    """Is training_step_order a list of the five given labels?"""
    read_step_order(training_step_order)


def q1b_structure(mlp_forward, layer_table, student_email):
    """Does mlp_forward return a finite (n, k) y_hat and a plain-data cache, is
    student_email an email, and is layer_table a dict of (input shape, output shape) pairs?"""
    X, params = _problem(np.random.default_rng(0))
    forward_format(call(mlp_forward, X, params, "relu", "identity", name="mlp_forward"),
                   5, 2, " from mlp_forward for X of shape (5, 3) and k = 2")
    VARIANTS.check_email(student_email)
    read_layer_table(layer_table)


def q1c_structure(mse_loss, mlp_forward, mlp_backward):
    """Does mse_loss return a number and an array, and mlp_backward four finite gradients
    shaped like their parameters?"""
    rng = np.random.default_rng(1)
    y_hat, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    loss_format(call(mse_loss, y_hat, y, name="mse_loss"), (5, 2), "mse_loss",
                " from mse_loss for y_hat of shape (5, 2)")
    _backward_runs(mlp_forward, mlp_backward, "relu", "identity", rng,
                   " (n, d, h, k = 5, 3, 4, 2)")


def q1c_table_structure(gradient_table):
    """Does gradient_table return the four derivatives, finite and in numerator layout?"""
    rng = np.random.default_rng(5)
    d, h, k = 3, 4, 2
    args = (rng.normal(size=d), rng.normal(size=(h, d)), rng.normal(size=h),
            rng.normal(size=(k, h)), rng.normal(size=k), rng.normal(size=(1, k)),
            rng.normal(size=(k, k)), rng.normal(size=(h, h)))
    gradient_table_format(call(gradient_table, *args, name="gradient_table"), d, h, k)


def q1d_structure(activation_jacobian, jacobian_shapes, student_email):
    """Is activation_jacobian (m, m) and finite, student_email an email, and jacobian_shapes
    a dict of three shapes?"""
    z = np.array([0.5, -1.5, 2.0])
    for name in ("relu", "sigmoid", "identity"):
        activation_jacobian_format(call(activation_jacobian, z.copy(), name,
                                        name="activation_jacobian"), 3,
                                   f'activation_jacobian(z, "{name}") for z of shape (3,)')
    VARIANTS.check_email(student_email)
    read_jacobian_shapes(jacobian_shapes)


def q2a_structure(mlp_forward, mlp_backward, changed_terms):
    """Do the functions run on the sigmoid network, and is changed_terms a set of listed names?"""
    rng = np.random.default_rng(2)
    X, params = _problem(rng)
    forward_format(call(mlp_forward, X, params, "sigmoid", "sigmoid", name="mlp_forward"),
                   5, 2, ' from mlp_forward(X, params, "sigmoid", "sigmoid") for X of shape (5, 3)')
    _backward_runs(mlp_forward, mlp_backward, "sigmoid", "sigmoid", rng,
                   " on the sigmoid network")
    read_term_names(changed_terms, "changed_terms")


def q2b_structure(bce_loss, changed_terms_bce):
    """Does bce_loss return a finite number and a finite array shaped like y_hat, and is
    changed_terms_bce a set of listed names?"""
    rng = np.random.default_rng(3)
    y_hat = rng.uniform(0.1, 0.9, size=(5, 2))
    y = rng.integers(0, 2, size=(5, 2)).astype(float)
    loss_format(call(bce_loss, y_hat, y, name="bce_loss"), (5, 2), "bce_loss",
                " from bce_loss for y_hat of shape (5, 2)")
    read_term_names(changed_terms_bce, "changed_terms_bce")
