"""Hidden tests of ``jacobians-xor``: one function per hidden test case of the notebook.

Each is named like the notebook's test without ``test_`` (``q1_item`` serves the six
``test_q1_item_N``, ``q2_shape_items`` the four shape tests). Each first applies the
answer's format function from :mod:`autograder.student.jacobians_xor` (so an answer these
accept always passes the public checks), then compares with :mod:`solutions.jacobians_xor`
through :mod:`autograder.runtime.verdicts`. The mistake catalogues are the module-level
``*_mistakes`` functions below: each returns ``{description: wrong value}`` for the
question's own inputs, and the verdicts name the one an answer matches.

The questions worked out by hand (q2's shapes at the sizes n, d, k; q5_2 to q5_4 at the
point [x, y, z]) are graded on the submitter's own numbers
(:data:`autograder.student.jacobians_xor.VARIANTS`, chosen by
:func:`autograder.runtime.variant_grading.check_variant`); :func:`variant_answers` and
:func:`variant_problems` give their right values, mistakes and degenerate cases at any
variant's numbers, for the variants' conditioning test.
"""

import itertools
from functools import partial

import numpy as np

import solutions.jacobians_xor as ref
from autograder.runtime.variant_grading import check_variant, require_email
from autograder.runtime.verdicts import (
    HAND,
    IMPLEMENTED,
    call_recording_warnings,
    check_bool,
    check_close,
    check_letters,
    check_number,
)
from autograder.student import jacobians_xor as fmt
from autograder.student.checks import (
    AnswerError,
    answer_item,
    as_float_array,
    call,
    call_each,
    check_scalar,
)
from autograder.student.jacobians_xor import (
    GRAPH_INPUTS,
    GRAPH_INTERMEDIATE,
    activation_output,
    graph_answer,
    graph_function_values,
    jacobian_answer,
    jacobian_shape,
    local_partial,
    mcq_letters,
    q4_1_format,
    vector_output,
    xor_grad,
    xor_network,
)
from solutions.gradcheck import numerical_jacobian

XOR_TOL = 1e-6  # q4_2: "y_hat equals XOR on all four inputs (within 1e-6)"
FD_STEP = 1e-3  # central differences for the q2 Jacobians: every f there is polynomial


# --------------------------------------------------------------------------------------
# q1: multiple choice
# --------------------------------------------------------------------------------------

def q1_item(mcq_answers, item: int) -> None:
    """Are the letters of multiple-choice ``item`` exactly the reference's?"""
    mcq_letters(mcq_answers, item)
    check_letters(answer_item(mcq_answers, item, "mcq_answers"), ref.mcq_answers[item],
                  f"mcq_answers[{item}]")


# --------------------------------------------------------------------------------------
# q2: Jacobian shapes and values
# --------------------------------------------------------------------------------------

def jacobian_shape_problem(got: tuple, out_shape: tuple, in_shape: tuple) -> str | None:
    """Why ``got`` is not the shape of the Jacobian of a map in_shape -> out_shape, or None.

    Returns a phrase to follow the answer's name ("looks transposed: ..."), naming the
    mistake (input and output swapped, no axis for a scalar output, a column vector's
    extra axis, flattened), never the right shape.
    """
    got, out_shape, in_shape = tuple(got), tuple(out_shape), tuple(in_shape)
    want = out_shape + in_shape
    if got == want:
        return None
    rule = "a Jacobian's shape is the output's shape followed by the input's"
    if got == in_shape + out_shape:
        return ("looks transposed: it is the input's shape followed by the output's, but "
                + rule)
    if got == out_shape == in_shape:
        return f"is the shape of the input (and of the output), not of the Jacobian: {rule}"
    if got == in_shape and int(np.prod(out_shape)) == 1:
        return ("has no axis for the output: a scalar output counts as a vector of length 1, "
                f"and {rule}")
    if got == out_shape:
        return f"is the shape of the output, not of the Jacobian: {rule}"
    if got == in_shape:
        return f"is the shape of the input, not of the Jacobian: {rule}"
    squeeze = tuple(s for s in got if s != 1)
    if len(got) > len(want) and squeeze == tuple(s for s in want if s != 1):
        return ("has extra axes of length 1: count a d x 1 column vector as a vector of "
                f"length d, and {rule}")
    if int(np.prod(got)) == int(np.prod(want)) and len(got) < len(want):
        return ("has the right number of entries but too few axes: keep every axis of the "
                f"output and every axis of the input ({rule})")
    return f"is not the right shape: {rule}"


def _raise_shape_problem(got, out_shape, in_shape, name):
    problem = jacobian_shape_problem(got, out_shape, in_shape)
    if problem:
        raise AnswerError(f"{name} {problem}.", mistake=problem)


def q2_shape_items(jacobian_shapes, items: tuple, student_email) -> None:
    """Are jacobian_shapes[i], for i in ``items``, the Jacobian shapes for the submitter's
    own n, d, k (their variant)?"""
    require_email(fmt.VARIANTS, student_email)  # before the format: its numbers are nan
    shapes = {item: jacobian_shape(jacobian_shapes, item) for item in items}
    for item, got in shapes.items():
        name = f"jacobian_shapes[{item}]"

        def check(numbers, item=item, got=got, name=name):
            io = ref.jacobian_io_shapes_for(numbers["n"], numbers["d"], numbers["k"])
            _raise_shape_problem(got, *io[item], name)
        check_variant(fmt.VARIANTS, "q2", student_email, name, check)


#: Which size each letter of a q2 shape stands for, and the pairs a student may exchange.
SIZE_LETTERS = ("n", "d", "k")
SIZE_SWAPS = (("n", "d"), ("d", "k"), ("n", "k"))


def shape_mistakes(item: int, n: int, d: int, k: int) -> dict:
    """{description: wrong shape} of ``jacobian_shapes[item]`` at the sizes n, d, k: the
    layouts :func:`jacobian_shape_problem` names (input then output, the output's or the
    input's shape alone, flattened) and two sizes exchanged, each only where it is not the
    right shape whatever the sizes (a d x d Jacobian transposed is itself)."""
    sizes = {"n": n, "d": d, "k": k}
    out, inp = ref.jacobian_io_shapes_for(*SIZE_LETTERS)[item]  # in letters: ((1,), ("d",))
    right = out + inp
    letters = {"it is the input's shape followed by the output's": inp + out,
               "it is the output's shape alone": out,
               "it is the input's shape alone": inp}
    for a, b in SIZE_SWAPS:
        letters[f"it has {a} and {b} exchanged"] = tuple(
            {a: b, b: a}.get(s, s) for s in right)
    mistakes = {why: tuple(sizes.get(s, s) for s in shape) for why, shape in letters.items()
                if shape != right}
    if len(out) > 1 or len(inp) > 1:
        mistakes["it is flattened to (output entries, input entries)"] = (
            int(np.prod([sizes.get(s, s) for s in out])),
            int(np.prod([sizes.get(s, s) for s in inp])))
    return mistakes


def _jacobian(value, name, out_shape, in_shape):
    """The format check of a returned Jacobian, with its shape mistake named if it has one."""
    try:
        return jacobian_answer(value, name, out_shape, in_shape)
    except AnswerError:
        _raise_shape_problem(as_float_array(value, name).shape, out_shape, in_shape, name)
        raise


def _check_jacobians(fn, fn_name, cases):
    """For each case ``(args, name, out_shape, forward, point, mistakes)`` in turn: is
    ``fn(*args)`` the central-difference Jacobian of ``forward`` at ``point``? The calls
    go to the kernel in one batch."""
    results = call_each(fn, [case[0] for case in cases], name=fn_name)
    for (_, name, out_shape, forward, point, mistakes), result in zip(cases, results,
                                                                      strict=True):
        got = _jacobian(result, name, out_shape, np.shape(point))
        want = numerical_jacobian(forward, point, h=FD_STEP)
        check_close(got, want, name, **IMPLEMENTED, mistakes=mistakes)


def sq_norm_mistakes(w):
    return {"it holds w_j^2 where the derivative of w_j^2 belongs": w[None, :] ** 2,
            "it holds the number ||w||^2 in every entry": np.full((1, w.size), w @ w)}


def dot_mistakes(w, x):
    return {"it holds w, the point, where the rate of change of w^T x belongs": w[None, :],
            "it holds the number w^T x in every entry": np.full((1, w.size), w @ x)}


def matvec_mistakes(w, X):
    n, d = X.shape
    return {"it repeats w in every row":
                np.tile(w, (n, 1)),
            "it holds X w in every column": np.tile((X @ w)[:, None], (1, d))}


def identity_mistakes(w):
    d = w.size
    return {"every entry is 1, but w_i does not change with w_j when i and j differ":
                np.ones((d, d)),
            "it holds w on the diagonal": np.diag(w)}


def square_mistakes(w):
    d = w.size
    return {"2 w_j fills a whole column, but w_i^2 does not change with w_j when i and j "
            "differ": np.tile(2 * w, (d, 1)),
            "2 w_i fills a whole row, but w_i^2 does not change with w_j when i and j "
            "differ": np.tile(2 * w[:, None], (1, d)),
            "it holds w_i^2 on the diagonal, not the derivative of w_i^2": np.diag(w ** 2)}


def XWt_mistakes(X, k):
    n = X.shape[0]
    return {"it matches the worked answer's X_il 1[i = k], which has an index typo: which "
            "index of f(W)_ij picks the row of W it depends on?":
                np.einsum("il,ip,j->ijpl", X, np.eye(n, k), np.ones(k)),
            "it has no indicator: f(W)_ij depends on one row of W only":
                np.einsum("il,j,p->ijpl", X, np.ones(k), np.ones(k))}


def q2_values_constant(jac_constant) -> None:
    """Is jac_constant(w) the central-difference Jacobian of f(w) = c at random w?"""
    rng = np.random.default_rng(201)
    cases = []
    for d in (3, 5):
        w = rng.normal(size=d)
        cases.append(((w,), f"jac_constant(w) for w of shape ({d},)", (1,),
                      partial(ref.f_constant, c=7.0), w, None))
    _check_jacobians(jac_constant, "jac_constant", cases)


def q2_values_sq_norm(jac_sq_norm) -> None:
    """Is jac_sq_norm(w) the central-difference Jacobian of ||w||^2 at random w?"""
    rng = np.random.default_rng(202)
    cases = []
    for d in (3, 5):
        w = rng.normal(size=d)
        cases.append(((w,), f"jac_sq_norm(w) for w of shape ({d},)", (1,), ref.f_sq_norm, w,
                      sq_norm_mistakes(w)))
    _check_jacobians(jac_sq_norm, "jac_sq_norm", cases)


def q2_values_dot(jac_dot) -> None:
    """Is jac_dot(w, x) the central-difference Jacobian of w^T x at random w, x?"""
    rng = np.random.default_rng(203)
    cases = []
    for d in (3, 5):
        w, x = rng.normal(size=d), rng.normal(size=d)
        cases.append(((w, x), f"jac_dot(w, x) for w and x of shape ({d},)", (1,),
                      partial(ref.f_dot, x=x), w, dot_mistakes(w, x)))
    _check_jacobians(jac_dot, "jac_dot", cases)


def q2_values_matvec(jac_matvec) -> None:
    """Is jac_matvec(w, X) the central-difference Jacobian of X w at random w, X?"""
    rng = np.random.default_rng(204)
    cases = []
    for n, d in [(5, 3), (2, 4), (3, 3)]:
        w, X = rng.normal(size=d), rng.normal(size=(n, d))
        cases.append(((w, X), f"jac_matvec(w, X) for X of shape ({n}, {d})", (n,),
                      partial(ref.f_matvec, X=X), w, matvec_mistakes(w, X)))
    _check_jacobians(jac_matvec, "jac_matvec", cases)


def _vector_map_values(fn, name: str, f_ref, mistakes, seed: int) -> None:
    """Is ``fn(w)`` the central-difference Jacobian of ``f_ref`` at random w of two sizes?"""
    rng = np.random.default_rng(seed)
    cases = []
    for d in (3, 5):
        w = rng.normal(size=d)
        cases.append(((w,), f"{name}(w) for w of shape ({d},)", (d,), f_ref, w, mistakes(w)))
    _check_jacobians(fn, name, cases)


def q2_values_identity(jac_identity) -> None:
    """Is jac_identity(w) the central-difference Jacobian of f(w) = w at random w?"""
    _vector_map_values(jac_identity, "jac_identity", ref.f_identity, identity_mistakes, 205)


def q2_values_square(jac_square) -> None:
    """Is jac_square(w) the central-difference Jacobian of w**2 at random w?"""
    _vector_map_values(jac_square, "jac_square", ref.f_square, square_mistakes, 206)


def q2_extra_values(jac_XWt) -> None:
    """Is jac_XWt(W, X) the central-difference Jacobian of X W^T at random W, X?"""
    rng = np.random.default_rng(207)
    cases = []
    for n, d, k in [(5, 3, 4), (2, 3, 4), (4, 2, 3)]:
        W, X = rng.normal(size=(k, d)), rng.normal(size=(n, d))
        cases.append(((W, X),
                      f"jac_XWt(W, X) for W of shape ({k}, {d}) and X of shape ({n}, {d})",
                      (n, k), partial(ref.f_XWt, X=X), W, XWt_mistakes(X, k)))
    _check_jacobians(jac_XWt, "jac_XWt", cases)


# --------------------------------------------------------------------------------------
# q3: activations and softmax
# --------------------------------------------------------------------------------------

def sigmoid_mistakes(z):
    return {"it looks like 1 / (1 + e^z)": ref.sigmoid(-z)}


def sigmoid_prime_mistakes(z):
    return {"it looks like sigmoid, not its derivative": ref.sigmoid(z),
            "it looks like sigmoid(z)^2": ref.sigmoid(z) ** 2}


def relu_mistakes(z):
    return {"it looks like min(0, z)": np.minimum(z, 0)}


def relu_prime_mistakes(z):
    return {"it looks like relu, not its derivative": ref.relu(z),
            "it is 1 where z < 0 and 0 where z > 0: the comparison is reversed":
                (z < 0).astype(float)}


def tanh_mistakes(z):
    return {"it looks like sigmoid, not tanh": ref.sigmoid(z)}


def tanh_prime_mistakes(z):
    t = ref.tanh(z)
    return {"it looks like tanh, not its derivative": t,
            "it looks like 1 - tanh(z)": 1 - t,
            "it looks like tanh(z)^2": t ** 2,
            "it looks like 1 + tanh(z)^2": 1 + t ** 2}


def _check_activation(fn, name, fn_ref, z, grid, mistakes):
    """Does ``fn`` match ``fn_ref`` at random ``z`` (naming ``mistakes``) and on ``grid``?"""
    cases = [(z, "", mistakes(z)), (grid, " on [-10, 10]", None)]
    results = call_each(fn, [(point,) for point, _, _ in cases], name=name)
    for (point, where, catalogue), result in zip(cases, results, strict=True):
        label = f"{name}(z){where}"
        got = activation_output(result, point.shape, label)
        check_close(got, fn_ref(point), label, **IMPLEMENTED, mistakes=catalogue)


def q3_activations_sigmoid(sigmoid, sigmoid_prime) -> None:
    """Do sigmoid and sigmoid_prime match the reference on [-10, 10] and at random z?"""
    z = np.random.default_rng(31).normal(scale=4, size=(5, 3))
    grid = np.linspace(-10, 10, 21)
    _check_activation(sigmoid, "sigmoid", ref.sigmoid, z, grid, sigmoid_mistakes)
    _check_activation(sigmoid_prime, "sigmoid_prime", ref.sigmoid_prime, z, grid,
                      sigmoid_prime_mistakes)


def q3_activations_relu(relu, relu_prime) -> None:
    """Do relu and relu_prime match the reference on [-10, 10] and at random z?"""
    z = np.random.default_rng(32).normal(scale=4, size=(5, 3))
    grid = np.linspace(-10, 10, 20)  # ReLU'(0) may be 0 or 1: 0 is not on this grid
    _check_activation(relu, "relu", ref.relu, z, grid, relu_mistakes)
    _check_activation(relu_prime, "relu_prime", ref.relu_prime, z, grid, relu_prime_mistakes)
    at_zero = activation_output(call(relu_prime, np.array([0.0]), name="relu_prime"), (1,),
                                "relu_prime(0)")
    if at_zero[0] not in (0.0, 1.0):
        raise AnswerError("relu_prime at z = 0 should be 0 or 1.")


def q3_activations_tanh(tanh, tanh_prime) -> None:
    """Do tanh and tanh_prime match the reference on [-10, 10] and at random z?"""
    z = np.random.default_rng(33).normal(scale=2, size=(5, 3))
    grid = np.linspace(-10, 10, 21)
    _check_activation(tanh, "tanh", ref.tanh, z, grid, tanh_mistakes)
    _check_activation(tanh_prime, "tanh_prime", ref.tanh_prime, z, grid, tanh_prime_mistakes)


def _right_on_grid(fn, name, fn_ref):
    """Is ``fn`` right on [-10, 10]? (Its mistakes there are q3_activations' to count.)"""
    grid = np.linspace(-10, 10, 20)  # 0 is not on it: ReLU'(0) may be 0 or 1
    usual, _ = call_recording_warnings(fn, grid, name=name)
    try:
        usual = activation_output(usual, grid.shape, f"{name}(z)")
    except AnswerError:
        return False
    return bool(np.allclose(usual, fn_ref(grid), rtol=IMPLEMENTED["rtol"],
                            atol=IMPLEMENTED["atol"]))


def q3_stable_quiet(sigmoid, sigmoid_prime, relu, relu_prime, tanh, tanh_prime) -> None:
    """Are the six functions quiet (no warning), finite and right at z = +-1000, +-50, 0?

    A function that is already wrong on [-10, 10] loses its points in q3_activations; here
    it is only held to being quiet and finite far out, so one mistake is not counted twice.
    """
    extreme = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    for fn, name, fn_ref in [(sigmoid, "sigmoid", ref.sigmoid),
                             (sigmoid_prime, "sigmoid_prime", ref.sigmoid_prime),
                             (relu, "relu", ref.relu), (relu_prime, "relu_prime", ref.relu_prime),
                             (tanh, "tanh", ref.tanh), (tanh_prime, "tanh_prime", ref.tanh_prime)]:
        point = extreme[[0, 1, 3, 4]] if fn is relu_prime else extreme
        where = "z = +-1000, +-50" + ("" if fn is relu_prime else " and 0")
        got, warned = call_recording_warnings(fn, point, name=name)
        if warned:
            raise AnswerError(f"{name}(z) warns at z = +-1000: {warned[0]}. An intermediate "
                              "value overflows.")
        got = activation_output(got, point.shape, f"{name}(z) at {where}")
        if _right_on_grid(fn, name, fn_ref):
            check_close(got, fn_ref(point), f"{name}(z) at {where}", **IMPLEMENTED)


def softmax_mistakes(z):
    return {"it is exp(z) without dividing by the sum": np.exp(z),
            "it looks like the sigmoid of each entry": ref.sigmoid(z),
            "it divides by the sum of z": np.exp(z) / z.sum()}


def softmax_jacobian_mistakes(z):
    s = ref.softmax(z)
    return {"it looks like -sigma sigma^T alone": -np.outer(s, s),
            "it keeps only the diagonal entries i = j": np.diag(s * (1 - s)),
            "it looks like diag(sigma) + sigma sigma^T": np.diag(s) + np.outer(s, s),
            "it looks like diag(sigma) alone": np.diag(s)}


#: Inputs where a naive exp overflows: the stable forms must stay finite and quiet there.
LARGE_Z = (np.array([1000.0, 0.0, -1000.0]), np.array([1000.0, 1001.0, 1002.0]))


def _quiet_call(fn, fn_name, z, name):
    got, warned = call_recording_warnings(fn, z, name=fn_name)
    if warned:
        raise AnswerError(f"{name} warns: {warned[0]}. Something overflows (exp "
                          "of a large number?).")
    return got


def q3_softmax_values(softmax) -> None:
    """Does softmax match the reference at random z?"""
    rng = np.random.default_rng(35)
    points = [rng.normal(scale=2, size=m) for m in (3, 5)]
    results = call_each(softmax, [(z,) for z in points], name="softmax")
    for z, result in zip(points, results, strict=True):
        m = z.size
        name = f"softmax(z) for z of shape ({m},)"
        got = vector_output(result, (m,), name)
        check_close(got, ref.softmax(z), name, **IMPLEMENTED, mistakes=softmax_mistakes(z))


def q3_softmax_stable(softmax) -> None:
    """Is softmax finite, right and quiet at z = [1000, 0, -1000] and [1000, 1001, 1002]?"""
    for z in LARGE_Z:
        name = f"softmax(z) at z = {z.tolist()}"
        got = vector_output(_quiet_call(softmax, "softmax", z, name), z.shape, name)
        check_close(got, ref.softmax(z), name, **IMPLEMENTED)


def q3_softmax_jacobian_values(softmax_jacobian) -> None:
    """Does softmax_jacobian match the reference (checked by central differences) at random z?"""
    rng = np.random.default_rng(36)
    points = [rng.normal(scale=2, size=m) for m in (3, 5)]
    results = call_each(softmax_jacobian, [(z,) for z in points], name="softmax_jacobian")
    for z, result in zip(points, results, strict=True):
        m = z.size
        name = f"softmax_jacobian(z) for z of shape ({m},)"
        got = vector_output(result, (m, m), name)
        check_close(got, ref.softmax_jacobian(z), name, **IMPLEMENTED,
                    mistakes=softmax_jacobian_mistakes(z))


def q3_softmax_jacobian_stable(softmax_jacobian) -> None:
    """Is softmax_jacobian finite, quiet, with rows summing to 0, at large z?"""
    for z in LARGE_Z:
        name = f"softmax_jacobian(z) at z = {z.tolist()}"
        J = vector_output(_quiet_call(softmax_jacobian, "softmax_jacobian", z, name),
                          (z.size, z.size), name)
        if np.max(np.abs(J.sum(axis=1))) > 1e-9:
            raise AnswerError(f"the rows of {name} do not sum to 0, but softmax(z) sums to 1 "
                              "for every z, so no change of z can change that sum.")
        check_close(J, ref.softmax_jacobian(z), name, **IMPLEMENTED)


# --------------------------------------------------------------------------------------
# q4: XOR
# --------------------------------------------------------------------------------------

def q4_1_value(single_layer_can_xor) -> None:
    """Can a single ReLU unit output XOR?"""
    q4_1_format(single_layer_can_xor)
    check_bool(single_layer_can_xor, ref.single_layer_can_xor, "single_layer_can_xor")


def q4_2_computes_xor(W1, b1, W2, b2) -> None:
    """Does ReLU(W1 x + b1) -> W2 h + b2 output XOR on all four inputs (within 1e-6)?"""
    params = xor_network(W1, b1, W2, b2)
    y_hat = ref.xor_outputs(*params)
    wrong = [row for row, (out, y) in enumerate(zip(y_hat, ref.XOR_TARGETS, strict=True))
             if not abs(out - y) <= XOR_TOL]  # NaN counts as wrong
    if wrong:
        row = wrong[0]
        x = tuple(int(v) for v in ref.XOR_INPUTS[row])
        raise AnswerError(f"the network outputs {y_hat[row]:.4g} on input x = {x}, where "
                          f"XOR(x) = {int(ref.XOR_TARGETS[row])} ({len(wrong)} of the 4 "
                          "inputs are wrong).")


def _xor_cases(seed):
    """The XOR data, then 6 random samples (targets away from 0, so db2 is not degenerate)."""
    rng = np.random.default_rng(seed)
    return [(ref.XOR_INPUTS, ref.XOR_TARGETS),
            (rng.normal(size=(6, 2)), rng.normal(loc=1.0, size=6))]


def db2_mistakes(want, N):
    return {"it is 0, but y_hat = 0 differs from the targets, so the loss does change with "
            "b2": 0.0,
            "it looks divided by 4 whatever the number of samples N": want * N / 4,
            "it looks like the gradient of sum (y - y_hat)^2 / 2N": want / 2}


def q4_3_weights_and_hidden_bias(xor_zero_init_grads) -> None:
    """Are dW1, db1, dW2 right at the zero initialisation, on XOR and on random data?"""
    for X, y in _xor_cases(43):
        got = call(xor_zero_init_grads, X, y, name="xor_zero_init_grads")
        want = ref.xor_zero_init_grads(X, y)
        for key in ("dW1", "db1", "dW2"):
            where = f" for {len(y)} samples"
            check_close(xor_grad(got, key, where), want[key],
                        f'xor_zero_init_grads(X, y)["{key}"]{where}', **IMPLEMENTED)


def q4_3_output_bias(xor_zero_init_grads) -> None:
    """Is db2 right at the zero initialisation, on XOR and on random data?"""
    for X, y in _xor_cases(44):
        got = call(xor_zero_init_grads, X, y, name="xor_zero_init_grads")
        N = len(y)
        where = f" for {N} samples"
        want = ref.xor_zero_init_grads(X, y)["db2"]
        check_close(xor_grad(got, "db2", where), want,
                    f'xor_zero_init_grads(X, y)["db2"]{where}', **IMPLEMENTED, n=N,
                    mistakes=db2_mistakes(want, N))


# --------------------------------------------------------------------------------------
# q5: the computation graph of f(x, y, z) = ln x + exp(y) z
# --------------------------------------------------------------------------------------

def _relabel(graph, mapping):
    return {mapping.get(k, k): frozenset(mapping.get(v, v) for v in ins)
            for k, ins in graph.items()}


def graph_problem(got: dict, name: str = "computation_graph") -> str | None:
    """Why the graph ``got`` (as :func:`graph_answer` returns it) is not q5_1's, or None.

    Any numbering of the intermediate nodes h1, h2, h3 is accepted (the graph is the same);
    the later parts of q5 use the numbering the prompt fixes. Returns a phrase naming the
    mistake without giving the graph.
    """
    want = graph_answer(ref.computation_graph)
    for perm in itertools.permutations(GRAPH_INTERMEDIATE):
        if _relabel(got, dict(zip(GRAPH_INTERMEDIATE, perm, strict=True))) == want:
            return None
    reverse = {n: frozenset(m for m, ins in want.items() if n in ins) for n in want}
    if {k: v for k, v in got.items() if v} == {k: v for k, v in reverse.items() if v}:
        return (f"{name} looks reversed: it maps each node to the nodes it feeds (its "
                "outputs), not to its inputs")
    for n in GRAPH_INPUTS:
        if got[n]:
            return f"{name}[{n!r}] lists inputs, but {n} is an input of the graph"
    missing = [n for n in (*GRAPH_INTERMEDIATE, "f") if not got.get(n)]
    if missing:
        return (f"node {missing[0]!r} has no inputs listed: every node other than x, y, z "
                "should list its inputs")
    for n in (*GRAPH_INTERMEDIATE, "f"):
        if n in got[n]:
            return f"node {n!r} lists itself as an input"
    if any(len(got[n]) > 2 for n in got):
        return ("a node has more than two inputs: each node should be one simple operation "
                "(ln, exp, a product or a sum of two things)")
    used = set().union(*got.values())
    if "f" in used:
        return "f is used as an input, but f is the output of the graph"
    unused = [n for n in (*GRAPH_INPUTS, *GRAPH_INTERMEDIATE) if n not in used]
    if unused:
        return f"node {unused[0]!r} is not an input of any node, so it cannot reach f"
    return (f"{name} is not the graph of ln x + exp(y) z with one simple operation per "
            "node: check which node each operation takes its inputs from")


def q5_1_graph(computation_graph) -> None:
    """Is computation_graph the graph of ln x + exp(y) z, one simple operation per node?"""
    problem = graph_problem(graph_answer(computation_graph))
    if problem:
        raise AnswerError(f"{problem}.", mistake=problem)


def graph_mistakes(x, y, z):
    """{value's name: {description: wrong value}} for the forward and backward pass at (x, y, z).

    At x = 1 (the handout's point) ln x = log10 x = 0 and 1/x = x = 1: the mistakes those
    hide are named only where they show.
    """
    ey = np.exp(y)
    out = {
        "h1": {},
        "h2": {"it looks like exp(x)": np.exp(x)},
        "h3": {"it looks like exp(y) alone, without z": ey},
        "f": {"it looks like ln x + exp(y), without the factor z": np.log(x) + ey},
        "df_dh2": {"it is 1, as in one bullet of the worked answer, but h2 reaches f only "
                   "through h3 = h2 z": 1.0,
                   "it looks like df/dh3 times dh3/dz (= h2), where dh3/dh2 belongs": ey},
        "df_dx": {"it looks like ln x, not its derivative": np.log(x)},
        "df_dy": {"the factor z is missing": ey},
        "df_dz": {"it looks like df/dh2 times dh3/dz, as the worked answer writes: z reaches "
                  "f through h3, not through h2": z * ey,
                  "it looks like df/dh3 times dh3/dh2 (= z), where dh3/dz belongs": z},
    }
    if x != 1:
        out["h1"]["it looks like log10 x: ln is the natural logarithm"] = np.log10(x)
        out["f"]["it looks like h3 alone, without h1 = ln x"] = z * ey
        out["df_dx"]["it looks like x, not the derivative of ln x"] = x
    return {name: catalogue for name, catalogue in out.items() if catalogue}


def local_partial_mistakes(x, y, z):
    """{key of local_partials: {description: wrong value}} at (x, y, z)."""
    return {
        "dh1_dx": {"it looks like ln x, not its derivative": np.log(x)},
        "dh2_dy": {"it looks like y itself, not the derivative of exp(y)": y},
        "dh3_dh2": {"it looks like the derivative of h3 with respect to z": np.exp(y)},
        "dh3_dz": {"it looks like the derivative of h3 with respect to h2": z},
    }


def q5_point(numbers: dict) -> tuple:
    """[x, y, z] of a q5 variant's numbers."""
    return numbers["x"], numbers["y"], numbers["z"]


def q5_hand_value(value, name: str, student_email) -> None:
    """Is the hand-computed ``name`` (h1, h2, h3, f of q5_2; df_dh1..3 of q5_3; df_dx, df_dy,
    df_dz of q5_4) right at the submitter's own point [x, y, z] (4 significant figures)?
    One test case each for q5_2 and q5_4: partial credit."""
    require_email(fmt.VARIANTS, student_email)  # before the format: its numbers are nan
    check_scalar(value, name)

    def check(numbers):
        point = q5_point(numbers)
        check_number(value, ref.graph_forward_backward(*point)[name], name, **HAND,
                     mistakes=graph_mistakes(*point).get(name))
    check_variant(fmt.VARIANTS, "q5", student_email, name, check)


def q5_3_local_partials(local_partials, student_email) -> None:
    """Are the six local partial derivatives right at the submitter's own point (4 s.f.)?"""
    require_email(fmt.VARIANTS, student_email)  # before the format: its numbers are nan
    for key in fmt.LOCAL_PARTIAL_KEYS:
        local_partial(local_partials, key)

    def check(numbers):
        point = q5_point(numbers)
        mistakes = local_partial_mistakes(*point)
        for key, want in ref.local_partials_at(*point).items():
            check_number(local_partials[key], want, f'local_partials["{key}"]', **HAND,
                         mistakes=mistakes.get(key))
    check_variant(fmt.VARIANTS, "q5", student_email, "local_partials", check)


def q5_3_upstream(df_dh1, df_dh2, df_dh3, student_email) -> None:
    """Are the upstream gradients df/dh1, df/dh2, df/dh3 right at the submitter's own point
    (4 s.f.)?"""
    require_email(fmt.VARIANTS, student_email)  # before the format: its numbers are nan
    values = {"df_dh1": df_dh1, "df_dh2": df_dh2, "df_dh3": df_dh3}
    for name, value in values.items():
        check_scalar(value, name)
    for name, value in values.items():
        q5_hand_value(value, name, student_email)


def q5_function(graph_forward_backward) -> None:
    """Does graph_forward_backward match the reference at the handout's [1, 3, 2] and
    random points?"""
    rng = np.random.default_rng(55)
    points = [q5_point(fmt.VARIANTS.handout["q5"]), (0.5, -0.7, 3.5)]
    points += [(float(rng.uniform(0.3, 4.0)), float(rng.normal()), float(rng.uniform(1.5, 4.0))
                * float(rng.choice([-1.0, 1.0]))) for _ in range(3)]
    results = call_each(graph_forward_backward, points, name="graph_forward_backward")
    for (x, y, z), result in zip(points, results, strict=True):
        got = graph_function_values(result)
        want = ref.graph_forward_backward(x, y, z)
        mistakes = graph_mistakes(x, y, z)
        for key in want:
            name = f'graph_forward_backward(x, y, z)["{key}"] at [x, y, z] = [{x:.3g}, ' \
                   f'{y:.3g}, {z:.3g}]'
            check_close(got[key], want[key], name, **IMPLEMENTED, mistakes=mistakes.get(key))


# --------------------------------------------------------------------------------------
# Every student's own numbers: right values, mistakes and degenerate cases at a variant
# --------------------------------------------------------------------------------------

#: The values q5_2 to q5_4 ask for by name (the local partials are q5_3's dict).
Q5_HAND_VALUES = ("h1", "h2", "h3", "f", "df_dh1", "df_dh2", "df_dh3", "df_dx", "df_dy",
                  "df_dz")
NEAR_ZERO = 0.05  # a hand value this small hides a sign mistake and loses figures


def variant_answers(question: str, numbers: dict) -> dict[str, tuple]:
    """{answer: (its right value, its mistake catalogue)} of a variant question at a
    variant's ``numbers``: what the variants' conditioning test compares."""
    if question == "q2":
        n, d, k = numbers["n"], numbers["d"], numbers["k"]
        return {f"jacobian_shapes[{item}]": (np.array(shape, dtype=float),
                                              {why: np.array(wrong, dtype=float) for why, wrong
                                               in shape_mistakes(item, n, d, k).items()})
                for item, shape in ref.jacobian_shapes_for(n, d, k).items()}
    point = q5_point(numbers)
    values, mistakes = ref.graph_forward_backward(*point), graph_mistakes(*point)
    local, local_mistakes = ref.local_partials_at(*point), local_partial_mistakes(*point)
    out = {name: (values[name], mistakes.get(name, {})) for name in Q5_HAND_VALUES}
    out.update({f'local_partials["{key}"]': (want, local_mistakes.get(key, {}))
                for key, want in local.items()})
    return out


def variant_problems(question: str, numbers: dict) -> list[str]:
    """What would make a variant's numbers degenerate: in q2, sizes below 2 or equal (a
    shape with its axes in another order could pass); in q5, x <= 0 or a value near 0 (a
    zero hides a mistake, as h1 = ln 1 = 0 hides log10 x), f = h1 + h3 cancelling (4
    figures of f need more of h1 and h3), or two named mistakes of one answer that cannot
    be told apart by hand."""
    if question == "q2":
        sizes = [numbers[s] for s in SIZE_LETTERS]
        return ([f"the sizes {sizes} are not three different numbers >= 2"]
                if min(sizes) < 2 or len(set(sizes)) < 3 else [])
    x, y, z = q5_point(numbers)
    if not x > 0:
        return [f"x = {x} has no ln x"]
    answers = variant_answers(question, numbers)
    found = [f"{name} = {right:.3g} is near 0" for name, (right, _) in answers.items()
             if abs(right) < NEAR_ZERO]
    v = ref.graph_forward_backward(x, y, z)
    if abs(v["f"]) < max(abs(v["h1"]), abs(v["h3"])):
        found.append(f"f = h1 + h3 = {v['h1']:.3g} + {v['h3']:.3g} cancels")
    for name, (_, mistakes) in answers.items():
        for (a, wrong_a), (b, wrong_b) in itertools.combinations(mistakes.items(), 2):
            if np.allclose(wrong_a, wrong_b, rtol=HAND["rtol"], atol=HAND["atol"]):
                found.append(f"{name}: '{a}' and '{b}' give the same value")
    return found
