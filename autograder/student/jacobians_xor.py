"""Public checks of ``jacobians-xor``, and the format of each of its answers.

One function per public test case of the notebook, named like the test without ``test_``
(``test_q2_values_format`` -> :func:`q2_values_format`), and one FORMAT function per
answer (is it the right kind of thing: type, shape, keys, finite?). The hidden tests
(:mod:`autograder.runtime.questions.jacobians_xor`) call the same format functions before
comparing values, so an answer the hidden tests accept always passes these checks.

This module ships to students: numpy, the standard library,
:mod:`autograder.student.checks` and :mod:`autograder.student.variants` only, and nothing
here is an answer. The constants are the questions' own data, as the notebook states them;
the numbers of the questions worked out by hand are each student's own (:data:`VARIANTS`).
"""

import numpy as np

from autograder.student.checks import (
    AnswerError,
    answer_item,
    as_bool,
    as_float_array,
    call,
    check_answered,
    check_finite,
    check_keys,
    check_scalar,
    check_shape,
    normalize_letters,
    shape_answer,
)
from autograder.student.variants import Draw, Variants

# --------------------------------------------------------------------------------------
# Every student's own numbers for q2 (shapes) and q5 (see autograder.student.variants)
# --------------------------------------------------------------------------------------

#: q2: the sizes n, d, k, three different numbers from 2 to 9 (a 1 or two equal sizes would
#: let a shape with its axes in another order pass for the right one).
Q2_SIZES = (2, 3, 4, 5, 6, 7, 8, 9)
Q2_HANDOUT = {"n": 5, "d": 3, "k": 4}
#: q5: the point [x, y, z], short decimals. x is far from 1, y is never x, and z is far from
#: 0, 1 and -1 with the sign of ln x (negative where x < 1), so that f = ln x + exp(y) z adds
#: two numbers of the same sign.
Q5_X = (0.2, 0.25, 0.4, 0.5, 2.0, 2.5, 4.0, 5.0)
Q5_Y = (-1.0, -0.5, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
Q5_Z = (1.5, 2.0, 2.5, 3.0, 4.0)  # its size; its sign is that of ln x


def q2_numbers(draw: Draw) -> dict:
    """n, d, k of q2_shapes and q2_extra: three different sizes, drawn again when they are
    the handout's (whose answers it prints)."""
    while True:
        n = draw.pick(Q2_SIZES)
        d = draw.pick(tuple(s for s in Q2_SIZES if s != n))
        k = draw.pick(tuple(s for s in Q2_SIZES if s not in (n, d)))
        if {"n": n, "d": d, "k": k} != Q2_HANDOUT:
            return {"n": n, "d": d, "k": k}


def q5_numbers(draw: Draw) -> dict:
    """The point [x, y, z] of q5_2 to q5_4, as above; x and y are drawn again while equal."""
    while True:
        x, y = draw.pick(Q5_X), draw.pick(Q5_Y)
        if x != y:
            break
    return {"x": x, "y": y, "z": draw.pick(Q5_Z) * (1.0 if x > 1 else -1.0)}


VARIANTS = Variants(
    "jacobians-xor", {"q2": q2_numbers, "q5": q5_numbers},
    handout={"q2": Q2_HANDOUT,  # seed 004 gives its shapes in n, d, k; the notebook took these
             "q5": {"x": 1.0, "y": 3.0, "z": 2.0}},  # seed 004, 5.2-5.4
    on=True)  # False: every student gets the handout's numbers

#: q1: the option letters each multiple-choice item offers (items 5-8 are written answers).
MCQ_OPTIONS = {1: "ABCD", 2: "AB", 3: "AB", 4: "ABCD", 9: "ABC", 10: "AB"}

#: q2: the items whose Jacobian shape goes in ``jacobian_shapes`` (7 is extra credit).
SHAPE_ITEMS = (1, 2, 3, 4, 5, 6)

#: q4_3: the gradients ``xor_zero_init_grads`` returns and the shapes each may take
#: (the first is the parameter's own shape; a column or a 1-element array is accepted).
XOR_GRAD_SHAPES = {"dW1": [(2, 2)], "db1": [(2,), (2, 1)], "dW2": [(1, 2), (2,), (2, 1)],
                   "db2": [(), (1,), (1, 1)]}

#: q5: the nodes of the computation graph of f(x, y, z) = ln x + exp(y) z.
GRAPH_INPUTS = ("x", "y", "z")
GRAPH_INTERMEDIATE = ("h1", "h2", "h3")
GRAPH_NODES = (*GRAPH_INPUTS, *GRAPH_INTERMEDIATE, "f")

#: q5_3: the keys of ``local_partials``.
LOCAL_PARTIAL_KEYS = ("dh1_dx", "dh2_dy", "dh3_dh2", "dh3_dz", "df_dh1", "df_dh3")

#: q5_function: the keys of the dict ``graph_forward_backward`` returns.
GRAPH_FUNCTION_KEYS = ("h1", "h2", "h3", "f", "df_dh1", "df_dh2", "df_dh3", "df_dx",
                       "df_dy", "df_dz")

#: q3: the six functions of q3_activations, in the order the tests take them.
ACTIVATION_NAMES = ("sigmoid", "sigmoid_prime", "relu", "relu_prime", "tanh", "tanh_prime")


# --------------------------------------------------------------------------------------
# Format of each answer (shared with the hidden tests)
# --------------------------------------------------------------------------------------

def mcq_letters(mcq_answers, item: int) -> frozenset:
    """The letters answered for multiple-choice ``item``, all among its options."""
    name = f"mcq_answers[{item}]"
    letters = normalize_letters(answer_item(mcq_answers, item, "mcq_answers"), name)
    options = MCQ_OPTIONS[item]
    extra = letters - frozenset(options)
    if extra:
        raise AnswerError(f"{name}: {', '.join(sorted(extra))} is not one of the options "
                          f"{', '.join(options)}.")
    return letters


def jacobian_shape(jacobian_shapes, item: int) -> tuple:
    """``jacobian_shapes[item]`` as a tuple of positive whole numbers."""
    return shape_answer(answer_item(jacobian_shapes, item, "jacobian_shapes"),
                        f"jacobian_shapes[{item}]", min_size=1)


def jacobian_answer(value, name: str, out_shape: tuple, in_shape: tuple) -> np.ndarray:
    """A Jacobian a student's function returned: finite numbers of shape out + in.

    The message does not say which shape is right: that is the answer to q2_shapes.
    """
    arr = as_float_array(value, name)
    if arr.shape != tuple(out_shape) + tuple(in_shape):
        raise AnswerError(f"{name} has shape {arr.shape}, which is not the shape of the "
                          "Jacobian: see the conventions at the top (the output's shape, "
                          "then the input's).")
    return check_finite(arr, name)


def activation_output(value, shape: tuple, name: str) -> np.ndarray:
    """What an activation (or its derivative) returned: finite numbers shaped like its input.

    A boolean array (``z > 0`` for relu_prime) counts as its 0s and 1s.
    """
    if isinstance(value, np.ndarray) and value.dtype == bool:
        value = value.astype(float)
    return check_finite(check_shape(value, shape, name), name)


def vector_output(value, shape: tuple, name: str) -> np.ndarray:
    """What softmax or softmax_jacobian returned: finite numbers of the given shape."""
    return check_finite(check_shape(value, shape, name), name)


def xor_network(W1, b1, W2, b2) -> tuple:
    """The q4_2 network as (W1 (h, 2), b1 (h,), W2 (1, h), b2 float), or AnswerError.

    Accepts lists; b1 as (h,) or (h, 1); W2 as (1, h), (h,) or (h, 1); b2 as a number,
    (1,) or (1, 1).
    """
    W1, b1, W2, b2 = (check_finite(v, name) for v, name in
                      [(W1, "W1"), (b1, "b1"), (W2, "W2"), (b2, "b2")])
    if W1.ndim != 2 or W1.shape[1] != 2:
        raise AnswerError(f"W1 should have shape (h, 2), one row per hidden unit, but it has "
                          f"shape {W1.shape}.")
    h = W1.shape[0]
    misfit = "W1, b1, W2, b2 do not fit together:"
    if b1.size != h or b1.ndim > 2 or (b1.ndim == 2 and b1.shape[1] != 1):
        raise AnswerError(f"{misfit} b1 should have shape ({h},), one bias per hidden unit, "
                          f"but it has shape {b1.shape}.")
    if W2.size != h or W2.ndim > 2 or (W2.ndim == 2 and 1 not in W2.shape):
        raise AnswerError(f"{misfit} W2 should have shape (1, {h}), one weight per hidden "
                          f"unit, but it has shape {W2.shape}.")
    if b2.size != 1:
        raise AnswerError(f"{misfit} b2 should be a single number, but it has shape "
                          f"{b2.shape}.")
    return W1, b1.reshape(h), W2.reshape(1, h), float(b2.reshape(()))


def xor_grad(grads, key: str, where: str = "") -> np.ndarray:
    """``grads[key]`` of the dict xor_zero_init_grads returned, in its parameter's shape.

    ``where`` ends the answer's name in messages (e.g. " for 4 samples").
    """
    check_keys(grads, XOR_GRAD_SHAPES, "xor_zero_init_grads(X, y)",
               what='dict with keys "dW1", "db1", "dW2", "db2"')
    shapes = XOR_GRAD_SHAPES[key]
    name = f'xor_zero_init_grads(X, y)["{key}"]{where}'
    value = check_finite(grads[key], name)
    if value.shape not in shapes:
        check_shape(value, shapes[0], name)
    return value.reshape(shapes[0])


def _node_inputs(inputs, node, name: str) -> list[str]:
    """One node's inputs as a list of known node names (one name may be a bare string)."""
    if isinstance(inputs, str):
        inputs = [inputs]
    if type(inputs) not in (list, tuple, set, frozenset) or \
            not all(isinstance(v, str) for v in inputs):
        raise AnswerError(f"{name}[{node!r}] should be a list of node names such as "
                          "[\"x\"] (or [] for an input node).")
    names = [v.strip().lower() for v in inputs]
    for n in names:
        if n not in GRAPH_NODES:
            raise AnswerError(f"{name}[{node!r}] uses the name {n!r}: use only the "
                              f"names {', '.join(sorted(GRAPH_NODES))}.")
    if len(set(names)) != len(names):
        raise AnswerError(f"{name}[{node!r}] lists the same input twice.")
    return names


def graph_answer(graph, name: str = "computation_graph") -> dict:
    """A graph answer as {node: frozenset of its inputs}, every node present.

    Node names are compared without case or surrounding spaces; a node's inputs may be a
    list, tuple or set of names, or one name as a string; x, y, z may be left out.
    """
    check_answered(graph, name)
    if not isinstance(graph, dict):
        raise AnswerError(f"{name} should be a dict from each node's name to the list of "
                          "its inputs.")
    out = {}
    for node, inputs in graph.items():
        key = node.strip().lower() if isinstance(node, str) else None
        if key not in GRAPH_NODES:
            raise AnswerError(f"{name} has the key {node!r}: use only the names "
                              f"{', '.join(sorted(GRAPH_NODES))}.")
        names = _node_inputs(inputs, node, name)
        if key in out:
            raise AnswerError(f"{name} lists node {key!r} twice.")
        out[key] = frozenset(names)
    for n in GRAPH_INTERMEDIATE + ("f",):
        if n not in out:
            raise AnswerError(f"{name} has no node {n!r}.")
    for n in GRAPH_INPUTS:
        out.setdefault(n, frozenset())
    return out


def local_partial(local_partials, key: str) -> float:
    """``local_partials[key]`` as a finite number."""
    check_keys(local_partials, LOCAL_PARTIAL_KEYS, "local_partials",
               what='dict from names such as "dh1_dx" to numbers')
    return check_scalar(local_partials[key], f'local_partials["{key}"]')


def graph_function_values(got, name: str = "graph_forward_backward(x, y, z)") -> dict:
    """The dict graph_forward_backward returned, as {key: float}, all ten keys present."""
    check_keys(got, GRAPH_FUNCTION_KEYS, name)
    return {key: check_scalar(got[key], f'{name}["{key}"]') for key in GRAPH_FUNCTION_KEYS}


# --------------------------------------------------------------------------------------
# Public test cases, one per notebook test
# --------------------------------------------------------------------------------------

def q1_format(mcq_answers) -> None:
    """Is mcq_answers a dict giving option letters for items 1, 2, 3, 4, 9 and 10?"""
    for item in MCQ_OPTIONS:
        mcq_letters(mcq_answers, item)


def q2_shapes_format(jacobian_shapes, student_email) -> None:
    """Is student_email an email, and jacobian_shapes a dict giving a tuple of positive
    whole numbers for items 1 to 6?"""
    VARIANTS.check_email(student_email)
    for item in SHAPE_ITEMS:
        jacobian_shape(jacobian_shapes, item)


def q2_values_format(jac_constant, jac_sq_norm, jac_dot, jac_matvec, jac_identity,
                     jac_square) -> None:
    """Does each jac_* return finite numbers shaped as a Jacobian? (Values: hidden tests.)"""
    rng = np.random.default_rng(0)
    w, x, X = rng.normal(size=4), rng.normal(size=4), rng.normal(size=(2, 4))
    for fn, args, name, out_shape in [(jac_constant, (w,), "jac_constant", (1,)),
                                      (jac_sq_norm, (w,), "jac_sq_norm", (1,)),
                                      (jac_dot, (w, x), "jac_dot", (1,)),
                                      (jac_matvec, (w, X), "jac_matvec", X.shape[:1]),
                                      (jac_identity, (w,), "jac_identity", w.shape),
                                      (jac_square, (w,), "jac_square", w.shape)]:
        where = f" and X of shape {X.shape}" if fn is jac_matvec else ""
        jacobian_answer(call(fn, *args, name=name), f"{name} for w of shape {w.shape}{where}",
                        out_shape, w.shape)


def q2_extra_format(jacobian_shapes, jac_XWt, student_email) -> None:
    """Is student_email an email, jacobian_shapes[7] a shape, and does jac_XWt return
    finite numbers shaped as a Jacobian?"""
    VARIANTS.check_email(student_email)
    jacobian_shape(jacobian_shapes, 7)
    rng = np.random.default_rng(0)
    W, X = rng.normal(size=(3, 2)), rng.normal(size=(2, 2))
    jacobian_answer(call(jac_XWt, W, X, name="jac_XWt"),
                    f"jac_XWt(W, X) for W of shape {W.shape} and X of shape {X.shape}",
                    (X.shape[0], W.shape[0]), W.shape)


def _activation_outputs(functions, z, where):
    for fn, name in zip(functions, ACTIVATION_NAMES, strict=True):
        activation_output(call(fn, z, name=name), z.shape, f"{name}(z) {where}")


def q3_activations_shapes(sigmoid, sigmoid_prime, relu, relu_prime, tanh, tanh_prime) -> None:
    """Does each activation and derivative return finite numbers shaped like its input?"""
    _activation_outputs((sigmoid, sigmoid_prime, relu, relu_prime, tanh, tanh_prime),
                        np.linspace(-3, 3, 12).reshape(3, 4), "for z of shape (3, 4)")


def q3_stable_finite(sigmoid, sigmoid_prime, relu, relu_prime, tanh, tanh_prime) -> None:
    """Do the six functions return finite numbers at z = +-1000?"""
    _activation_outputs((sigmoid, sigmoid_prime, relu, relu_prime, tanh, tanh_prime),
                        np.array([-1000.0, -50.0, 50.0, 1000.0]), "at z = +-1000 and +-50")


def q3_softmax_shapes(softmax, softmax_jacobian) -> None:
    """Do softmax and softmax_jacobian return finite arrays of shape (m,) and (m, m)?"""
    z = np.array([0.5, 1.5, 0.0, 2.0])
    vector_output(call(softmax, z, name="softmax"), (4,), "softmax(z) for z of shape (4,)")
    vector_output(call(softmax_jacobian, z, name="softmax_jacobian"), (4, 4),
                  "softmax_jacobian(z) for z of shape (4,)")


def q4_1_format(single_layer_can_xor) -> bool:
    """Is single_layer_can_xor True or False?"""
    return as_bool(single_layer_can_xor, "single_layer_can_xor")


def q4_2_shapes(W1, b1, W2, b2) -> None:
    """Are W1, b1, W2, b2 finite numbers whose shapes fit together?"""
    xor_network(W1, b1, W2, b2)


def q4_3_shapes(xor_zero_init_grads) -> None:
    """Does xor_zero_init_grads return a dict of finite gradients shaped like the parameters?"""
    rng = np.random.default_rng(0)
    got = call(xor_zero_init_grads, rng.normal(size=(6, 2)), rng.normal(size=6),
               name="xor_zero_init_grads")
    for key in XOR_GRAD_SHAPES:
        xor_grad(got, key)


def q5_1_format(computation_graph) -> None:
    """Is computation_graph a dict from node names to lists of node names?"""
    graph_answer(computation_graph)


def q5_2_format(h1, h2, h3, f, student_email) -> None:
    """Is student_email an email, and are h1, h2, h3 and f finite numbers?"""
    VARIANTS.check_email(student_email)
    for name, value in {"h1": h1, "h2": h2, "h3": h3, "f": f}.items():
        check_scalar(value, name)


def q5_3_format(local_partials, df_dh1, df_dh2, df_dh3, student_email) -> None:
    """Is student_email an email, local_partials a dict of six finite numbers, and are
    df_dh1..3 finite numbers?"""
    VARIANTS.check_email(student_email)
    for key in LOCAL_PARTIAL_KEYS:
        local_partial(local_partials, key)
    for name, value in {"df_dh1": df_dh1, "df_dh2": df_dh2, "df_dh3": df_dh3}.items():
        check_scalar(value, name)


def q5_4_format(df_dx, df_dy, df_dz, student_email) -> None:
    """Is student_email an email, and are df_dx, df_dy and df_dz finite numbers?"""
    VARIANTS.check_email(student_email)
    for name, value in {"df_dx": df_dx, "df_dy": df_dy, "df_dz": df_dz}.items():
        check_scalar(value, name)


def q5_function_format(graph_forward_backward) -> None:
    """Does graph_forward_backward return a dict of ten finite numbers?"""
    graph_function_values(call(graph_forward_backward, 2.0, 0.5, 1.5,
                               name="graph_forward_backward"))
