"""Public checks of the assignment ``matrix-backprop``, and the format of each answer.

Each ``q…`` function is one public test case of the notebook (``test_q1b_shapes`` calls
:func:`q1b_shapes`). The ``*_format`` functions say whether an answer is the right kind of
thing (type, shape, finite); the hidden tests (:mod:`autograder.runtime.questions.matrix_backprop`)
call the very same ones before comparing values, so an answer the hidden tests accept
always passes its public check. Nothing here knows a reference value: this module ships
to students (numpy and :mod:`autograder.student.checks` only).
"""

import numpy as np

from autograder.student.checks import (
    AnswerError,
    as_bool,
    call,
    check_finite_shape,
    check_network_structure,
    check_truth_table,
    check_whole_number,
    normalize_letters,
    unpack,
)
from autograder.student.variants import Draw, Variants

# --------------------------------------------------------------------------------------
# Every student's own numbers for q1c, q3b and q3c (see autograder.student.variants)
# --------------------------------------------------------------------------------------

Q1C_LR = 0.1  # q1c's step size, the same for everyone
# q1c: short decimals a student multiplies by hand, with parities chosen so that no mistake
# can hide: W's first entry an odd number of tenths and the others even, X's top-right entry
# even and the others odd, the targets whole. Then W X - Y, counted in tenths, is odd only
# at its first entry, and no transposed or wrong-year answer can equal the right one.
Q1C_ODD_WEIGHTS = (-0.5, -0.3, -0.1, 0.1, 0.3, 0.5)
Q1C_EVEN_WEIGHTS = (-0.4, -0.2, 0.2, 0.4)
Q1C_ODD_INPUTS, Q1C_EVEN_INPUTS = (1.0, 3.0), (0.0, 2.0)
Q1C_TARGETS = (-2.0, -1.0, 0.0, 1.0, 2.0)
# q3: weights and input with two decimals, small enough that no sigmoid saturates
Q3_WEIGHTS = tuple(round(s * k / 100, 2) for s in (-1, 1) for k in range(10, 91))
Q3_INPUTS = tuple(round(k / 100, 2) for k in range(20, 96))
Q3_REGRESSION_TARGETS = tuple(float(k) for k in range(64, 193))


def q1c_numbers(draw: Draw) -> dict:
    """W, X, Y of q1c and the 2019 version's Y (0s and 1s, as in 2019), with the parities
    above; the two Ys are drawn again until they differ."""
    odd, even = Q1C_ODD_WEIGHTS, Q1C_EVEN_WEIGHTS
    W = np.array([[draw.pick(odd), draw.pick(even)], [draw.pick(even), draw.pick(even)]])
    odd, even = Q1C_ODD_INPUTS, Q1C_EVEN_INPUTS
    X = np.array([[draw.pick(odd), draw.pick(even)], [draw.pick(odd), draw.pick(odd)]])
    while True:
        Y, Y_2019 = draw.picks(Q1C_TARGETS, (2, 2)), draw.picks((0.0, 1.0), (2, 2))
        if not np.array_equal(Y, Y_2019):
            return {"W": W, "X": X, "Y": Y, "Y_2019": Y_2019}


def q3_numbers(draw: Draw) -> dict:
    """The point of q3b and q3c: the weights w (3 distinct magnitudes), the input x, q3b's
    label (0 or 1) and q3c's target."""
    while True:
        w = np.array([draw.pick(Q3_WEIGHTS) for _ in range(3)])
        if len(set(np.abs(w))) == 3:
            break
    return {"w": w, "x": draw.pick(Q3_INPUTS), "y_classification": float(draw.pick((0, 1))),
            "y_regression": draw.pick(Q3_REGRESSION_TARGETS)}


VARIANTS = Variants(
    "matrix-backprop", {"q1c": q1c_numbers, "q3": q3_numbers},
    handout={  # seed 001 1(b) and 2(b)-(c); seed 000 1(b) asked the 2019 Y
        "q1c": {"W": [[0.3, 0.5], [-0.2, 0.4]], "X": [[0.0, 2.0], [3.0, 1.0]],
                "Y": [[0.5, 1.0], [1.0, -1.5]], "Y_2019": [[0.0, 1.0], [1.0, 0.0]]},
        "q3": {"w": [0.25, -0.11, 0.78], "x": 0.63, "y_classification": 1.0,
               "y_regression": 128.0}},
    on=True)  # False: every student gets the handout's numbers

# --------------------------------------------------------------------------------------
# The format of each answer (shared with the hidden tests)
# --------------------------------------------------------------------------------------

BOUND_LETTERS = "ABCDE"  # q2d's options, as the question's table lists them


def linear_backward_format(result, W, X, where=""):
    """What linear_backward(W, X, dY) returned, as (dW, dX): finite, shaped like W and X."""
    dW, dX = unpack(result, 2, "linear_backward")
    return (check_finite_shape(dW, np.shape(W), "dW" + where),
            check_finite_shape(dX, np.shape(X), "dX" + where))


def gd_step_format(result, W, name="gd_step"):
    """What gd_step(W, X, Y, lr) returned: a finite array shaped like W."""
    return check_finite_shape(result, np.shape(W), name)


def w_updated_format(value, name):
    """W_updated or W_updated_2019: a finite 2x2 array (the question's W is 2x2)."""
    return check_finite_shape(value, (2, 2), name)


def network_format(net, hidden_units, edges, prefix):
    """A q2 network answer and its two counts: ``{prefix}_network`` well formed (see
    :func:`check_network_structure`), ``{prefix}_hidden_units`` and ``{prefix}_edges``
    whole numbers (7, 7.0 and np.int64(7) alike). Returns (network, units, edges)."""
    net = check_network_structure(net, f"{prefix}_network")
    return (net, check_whole_number(hidden_units, f"{prefix}_hidden_units"),
            check_whole_number(edges, f"{prefix}_edges"))


def irreducible_format(truth_table, dnf_neurons):
    """q2c: 16 zeros and ones, and a whole number. Returns (table as ints, neurons)."""
    return (check_truth_table(truth_table, "irreducible_truth_table"),
            check_whole_number(dnf_neurons, "irreducible_dnf_neurons"))


def bound_format(value, name):
    """A q2d bound: exactly one of the letters A to E ("C", " c ", ["C"], "C," alike)."""
    letters = normalize_letters(value, name)
    if len(letters) != 1 or not letters <= set(BOUND_LETTERS):
        raise AnswerError(f"{name} should be one letter from A to E.")
    return letters


def activation_format(result, z, name):
    """What sigmoid(z) or sigmoid_prime(z) returned: finite, with the shape of z."""
    return check_finite_shape(result, np.shape(z), name)


def number_format(value, name):
    """A single finite number: int, float, numpy scalar or 0-d array."""
    return float(check_finite_shape(value, (), name))


def extrema_format(maximum, argmax, minimum, attained):
    """q3a's four answers: three numbers and a boolean (python or numpy)."""
    return (number_format(maximum, "sigmoid_prime_max"),
            number_format(argmax, "sigmoid_prime_argmax"),
            number_format(minimum, "sigmoid_prime_min"),
            as_bool(attained, "sigmoid_prime_min_attained"))


def grads_format(value, name):
    """q3b/q3c gradients [dL/dw1, dL/dw2, dL/dw3]: three finite numbers."""
    return check_finite_shape(value, (3,), name)


# --------------------------------------------------------------------------------------
# The public test cases
# --------------------------------------------------------------------------------------

def q1b_shapes(linear_backward) -> None:
    """Does linear_backward return two finite arrays shaped like W and X?"""
    rng = np.random.default_rng(0)
    W, X, dY = rng.normal(size=(3, 4)), rng.normal(size=(4, 5)), rng.normal(size=(3, 5))
    linear_backward_format(call(linear_backward, W, X, dY, name="linear_backward"), W, X)


def q1c_shapes(gd_step, W_updated, W_updated_2019, linear_backward, student_email) -> None:
    """Is student_email an email, and do gd_step, W_updated and W_updated_2019 give finite
    arrays of the right shapes?

    gd_step uses linear_backward: where that one (q1b) gives no usable dW, gd_step's shape
    is not held against q1c (q1b's check says what is wrong; q1c is graded on what your
    own linear_backward gives).
    """
    VARIANTS.check_email(student_email)
    rng = np.random.default_rng(1)
    W, X, Y = rng.normal(size=(3, 4)), rng.normal(size=(4, 5)), rng.normal(size=(3, 5))
    try:
        linear_backward_format(call(linear_backward, W, X, 2 * (W @ X - Y),
                                    name="linear_backward"), W, X)
        usable = True
    except Exception:  # q1b's own check reports it
        usable = False
    if usable:
        gd_step_format(call(gd_step, W, X, Y, 0.01, name="gd_step"), W,
                       "gd_step(W, X, Y, lr) for W of shape (3, 4)")
    w_updated_format(W_updated, "W_updated")
    w_updated_format(W_updated_2019, "W_updated_2019")


def q2_structure(network, hidden_units, edges, prefix: str) -> None:
    """Is ``{prefix}_network`` a well-formed network, and are its counts whole numbers?

    One check for q2a (prefix "dnf") and q2b (prefix "kmap").
    """
    network_format(network, hidden_units, edges, prefix)


def q2c_structure(irreducible_truth_table, irreducible_dnf_neurons) -> None:
    """Is irreducible_truth_table 16 zeros and ones, and the neuron count a whole number?"""
    irreducible_format(irreducible_truth_table, irreducible_dnf_neurons)


def q2d_format(hidden_units_bound, edges_bound) -> None:
    """Is each bound one of the letters A to E?"""
    bound_format(hidden_units_bound, "hidden_units_bound")
    bound_format(edges_bound, "edges_bound")


def q3a_shapes(sigmoid, sigmoid_prime, sigmoid_prime_max, sigmoid_prime_argmax,
               sigmoid_prime_min, sigmoid_prime_min_attained) -> None:
    """Do sigmoid and sigmoid_prime keep the input's shape, and are the extrema numbers?"""
    z = np.linspace(-3, 3, 12).reshape(3, 4)
    for name, f in (("sigmoid", sigmoid), ("sigmoid_prime", sigmoid_prime)):
        activation_format(call(f, z, name=name), z, f"{name} of a (3, 4) array")
    extrema_format(sigmoid_prime_max, sigmoid_prime_argmax, sigmoid_prime_min,
                   sigmoid_prime_min_attained)


# Inputs of the public q3b/q3c check: any point works, the label must suit the loss.
Q3_PUBLIC_LABEL = {"classification": 0, "regression": 3.0}


def q3_grads_shapes(grads_function, grads, kind: str, student_email) -> None:
    """Is student_email an email, and are ``{kind}_grads(w, x, y)`` and ``grads_{kind}``
    three finite numbers each?

    One check for q3b (kind "classification") and q3c (kind "regression").
    """
    VARIANTS.check_email(student_email)
    name = f"{kind}_grads"
    got = call(grads_function, [0.5, -0.3, 1.2], 0.4, Q3_PUBLIC_LABEL[kind], name=name)
    grads_format(got, f"{name}(w, x, y)")
    grads_format(grads, f"grads_{kind}")
