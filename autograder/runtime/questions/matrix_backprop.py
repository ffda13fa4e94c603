"""Hidden tests of the assignment ``matrix-backprop``, and its catalogue of mistakes.

Each ``q…`` function is one hidden test case of the notebook (``test_q1c_gd_step`` calls
:func:`q1c_gd_step`); test cases that differ only in an item share one function with that
item as a parameter (``q1b_values(linear_backward, "dX")``: partial credit, one case per
part). A later part that builds on an earlier answer also accepts what the student's own
earlier function gives (:func:`~autograder.runtime.verdicts.check_carried`). Each first
runs the answer's format check from :mod:`autograder.student.matrix_backprop` (the one its
public test runs), then compares with :mod:`solutions.matrix_backprop` on the question's own
inputs through :mod:`autograder.runtime.verdicts`.

The ``*_mistakes`` functions are the catalogue: each returns ``{description: the value
that mistake gives}`` for given inputs, and the verdict names the first one an answer
matches (never the expected value).
"""

import numpy as np

import solutions.matrix_backprop as ref
from autograder.runtime.variant_grading import check_variant, require_email
from autograder.runtime.verdicts import (
    HAND,
    IMPLEMENTED,
    call_recording_warnings,
    check_bool,
    check_carried,
    check_close,
    check_int,
    check_letters,
    check_network_computes,
    check_number,
)
from autograder.student import matrix_backprop as fmt
from autograder.student.checks import (
    AnswerError,
    call,
    call_all,
    call_each,
    check_finite_shape,
    unpack,
)

# --------------------------------------------------------------------------------------
# The catalogue of plausible mistakes
# --------------------------------------------------------------------------------------


def linear_backward_mistakes(W, X, dY) -> dict:
    """Wrong dW values of linear_backward(W, X, dY) (those that have the right shape)."""
    if dY.shape[1] != X.shape[0] or (dY @ X).shape != W.shape:
        return {}
    return {"it looks like dY @ X": dY @ X}


def gd_step_mistakes(W, X, Y, lr) -> dict:
    """Wrong results of one gradient-descent step on L = ||Y - W X||^2 (summed)."""
    dW = ref.l2_loss_grad(W, X, Y)
    m, N = Y.shape
    norm = 2 * np.linalg.norm(Y - W @ X)  # dL/dY_hat written as the number 2 ||Y - Y_hat||
    out = {"it steps uphill: it looks like W + lr dL/dW": W + lr * dW,
           "the factor 2 of the squared loss is missing": W - lr * dW / 2,
           f"the loss looks averaged over the N = {N} samples":
               W - lr * dW / N,
           f"the loss looks averaged over all m N = {m * N} entries":
               W - lr * dW / (m * N),
           "the step size lr is not applied": W - dW,
           "dL/dY_hat (for the prediction Y_hat = W X) looks like a norm (one number), but it "
           "is a matrix":
               W - lr * norm * np.ones_like(Y) @ X.T}
    if dW.shape[0] == dW.shape[1]:
        out["the gradient dL/dW looks transposed"] = W - lr * dW.T
    return out


# q1c's two hand-computed steps: the variant's targets each uses (its key in the numbers,
# :func:`autograder.student.matrix_backprop.q1c_numbers`), the other's, and the mistake of
# using the other.
W_UPDATED_TARGETS = {
    "W_updated": ("Y", "Y_2019", "it uses the 2019 version's Y, not this question's Y"),
    "W_updated_2019": ("Y_2019", "Y", "it uses this year's Y, not the 2019 one"),
}


def w_updated_mistakes(name: str, numbers: dict) -> dict:
    """Wrong values of W_updated or W_updated_2019 at a variant's ``numbers``: a wrong
    step, or the other year's Y."""
    Y, other_Y, other_year = W_UPDATED_TARGETS[name]
    W, X, lr = numbers["W"], numbers["X"], fmt.Q1C_LR
    return {other_year: ref.gd_step(W, X, numbers[other_Y], lr),
            **gd_step_mistakes(W, X, numbers[Y], lr)}


def sigmoid_mistakes(z) -> dict:
    """Wrong values of sigmoid(z): its derivative instead."""
    return {"it looks like the derivative of sigmoid, not sigmoid": ref.sigmoid_prime(z)}


def sigmoid_prime_mistakes(z) -> dict:
    """Wrong values of sigmoid_prime(z): sigmoid itself, or s' without the factor s."""
    s = ref.sigmoid(z)
    return {"it looks like sigmoid, not its derivative": s,
            "it looks like 1 - s, with s = sigmoid(z)": 1 - s}


SIGMOID_PRIME_MAX_MISTAKES = {
    "it looks like the largest value of sigmoid, not of its derivative": 1.0}


def classification_mistakes(w, x, y) -> dict:
    """Wrong cross-entropy gradients: dL/dy_hat left out, or the other label."""
    right = ref.classification_grads(w, x, y)
    y_hat = ref.classification_predict(w, x)
    return {"it looks like dy_hat/dw: the factor dL/dy_hat is missing":
                right / (y_hat - y) * y_hat * (1 - y_hat),
            "it looks like the gradient for the other label (1 - y)":
                ref.classification_grads(w, x, 1 - y)}


def regression_mistakes(w, x, y) -> dict:
    """Wrong squared-loss gradients: the removed last sigmoid's derivative kept."""
    right = ref.regression_grads(w, x, y)
    f3 = ref.forward_chain(w, x)[2]
    return {"it keeps the last sigmoid's derivative, but the regression network has no "
            "last sigmoid": right * ref.sigmoid_prime(f3)}


def variant_answers(question: str, numbers: dict) -> dict[str, tuple]:
    """{answer: (its right value, its mistake catalogue)} of a variant question at a
    variant's ``numbers``: what the variants' conditioning test compares."""
    if question == "q1c":
        W, X = numbers["W"], numbers["X"]
        return {name: (ref.gd_step(W, X, numbers[Y], fmt.Q1C_LR),
                       w_updated_mistakes(name, numbers))
                for name, (Y, _, _) in W_UPDATED_TARGETS.items()}
    w, x = np.array(numbers["w"]), numbers["x"]
    return {f"grads_{kind}": (getattr(ref, f"{kind}_grads")(w, x, numbers[label]),
                              mistakes(w, x, numbers[label]))
            for kind, (label, _, _, mistakes) in Q3_KINDS.items()}


SATURATED = 4.0  # |z| past which sigmoid'(z) < 0.018: its gradient all but vanishes


def variant_problems(question: str, numbers: dict) -> list[str]:
    """What would make a variant's numbers degenerate: a saturated sigmoid in q3's chain
    (its gradients would be too small to tell mistakes apart by hand)."""
    if question != "q3":
        return []
    pre = ref.forward_chain(numbers["w"], numbers["x"])
    return [f"f{i} = {z:.3g} saturates the sigmoid" for i, z in enumerate(pre, 1)
            if abs(z) > SATURATED]


# --------------------------------------------------------------------------------------
# q1: matrix backpropagation
# --------------------------------------------------------------------------------------


def q1b_values(linear_backward, part: str) -> None:
    """Does linear_backward's ``part`` ("dW" or "dX", each its own test case) match the
    reference on random shapes? Only that part's format is checked: a malformed dX does
    not cost the dW half."""
    rng = np.random.default_rng(482)
    index = {"dW": 0, "dX": 1}[part]
    cases = [(rng.normal(size=(m, n)), rng.normal(size=(n, N)), rng.normal(size=(m, N)))
             for m, n, N in [(2, 2, 3), (3, 5, 4), (4, 1, 2), (3, 3, 3)]]
    results = call_each(linear_backward, cases, name="linear_backward")
    for (W, X, dY), result in zip(cases, results, strict=True):
        where = f" for W {W.shape}, X {X.shape}"
        got = unpack(result, 2, "linear_backward")[index]
        got = check_finite_shape(got, np.shape((W, X)[index]), part + where)
        mistakes = linear_backward_mistakes(W, X, dY) if part == "dW" else None
        check_close(got, ref.linear_backward(W, X, dY)[index], part + where, **IMPLEMENTED,
                    mistakes=mistakes)


def own_dW(result, W, X):
    """The dW of ``result``, what the student's own linear_backward gave at (W, X, dY)
    (or the AnswerError it raised), when it is a finite array of the right shape (else
    None): what q1c carries forward."""
    try:
        if isinstance(result, AnswerError):
            raise result
        return fmt.linear_backward_format(result, W, X)[0]
    except Exception:  # a broken linear_backward carries nothing forward
        return None


def own_gd_steps(linear_backward, cases):
    """For each (W, X, Y, lr) of ``cases``, one step W - lr dW with dW from the student's
    own linear_backward (error carried forward from q1b), or None where that
    linear_backward gives no usable dW."""
    results = call_all(linear_backward, [(W, X, ref.l2_loss_dY(W, X, Y)) for W, X, Y, _ in cases],
                       name="linear_backward")
    steps = []
    for (W, X, _, lr), result in zip(cases, results, strict=True):
        dW = own_dW(result, W, X)
        steps.append(None if dW is None else W - lr * dW)
    return steps


def q1c_gd_step(gd_step, linear_backward) -> None:
    """Does gd_step match the reference on the 2019 data and on random data?

    Error carried forward: a gd_step that steps with the student's own (wrong)
    linear_backward passes. A case where that linear_backward gives no usable dW (a
    transposed dW of a non-square W) and gd_step fails is excused, as long as some case
    passes.
    """
    rng = np.random.default_rng(2019)
    cases = [(rng.normal(size=(m, n)), rng.normal(size=(n, N)), rng.normal(size=(m, N)), 0.05)
             for m, n, N in [(2, 2, 3), (3, 4, 5), (3, 3, 4)]]  # N != 2: a mean is not a 1/2
    handout = fmt.VARIANTS.handout["q1c"]
    cases.append((np.array(handout["W"]), np.array(handout["X"]), np.array(handout["Y_2019"]),
                  fmt.Q1C_LR))
    excused = []
    carried_steps = own_gd_steps(linear_backward, cases)
    results = call_all(gd_step, cases, name="gd_step")
    for (W, X, Y, lr), carried, result in zip(cases, carried_steps, results, strict=True):
        name = f"gd_step for W of shape {W.shape}"
        try:
            if isinstance(result, AnswerError):
                raise result
            got = fmt.gd_step_format(result, W, name)
            check_carried(got, ref.gd_step(W, X, Y, lr), carried, name, IMPLEMENTED,
                          gd_step_mistakes(W, X, Y, lr))
        except Exception as e:  # excused where linear_backward (q1b) gives no usable dW
            if carried is not None:
                raise
            excused.append(e)
    if len(excused) == len(cases):
        raise excused[0]




def q1c_w_updated(value, name: str, linear_backward, student_email) -> None:
    """Is ``value`` (named ``name``: "W_updated" or "W_updated_2019") one step from the
    submitter's W and X with that year's Y (their variant), to 4 significant figures? A
    step taken with the student's own (wrong) linear_backward passes too (error carried
    forward)."""
    require_email(fmt.VARIANTS, student_email)  # before the format: its numbers are nan
    fmt.w_updated_format(value, name)

    def check(numbers):
        W, X, Y = numbers["W"], numbers["X"], numbers[W_UPDATED_TARGETS[name][0]]
        [carried] = own_gd_steps(linear_backward, [(W, X, Y, fmt.Q1C_LR)])
        check_carried(value, ref.gd_step(W, X, Y, fmt.Q1C_LR), carried, name, HAND,
                      w_updated_mistakes(name, numbers))
    check_variant(fmt.VARIANTS, "q1c", student_email, name, check)


# --------------------------------------------------------------------------------------
# q2: boolean functions as networks of threshold units
# --------------------------------------------------------------------------------------


def q2a_network(dnf_network) -> None:
    """Does dnf_network compute the table as a DNF (one unit per 1, every term of four
    literals)?"""
    net = check_network_computes(dnf_network, ref.TRUTH_TABLE, "dnf_network",
                                 evaluate=ref.evaluate_network)
    if ref.hidden_units(net) != ref.dnf_hidden_units:
        raise AnswerError("dnf_network computes the function, but a DNF network has one "
                          "hidden unit per row whose output is 1.")
    if ref.edges(net) != ref.dnf_edges:
        raise AnswerError("dnf_network computes the function, but in a DNF network every "
                          "term uses all four inputs.")


def q2a_hidden_units(dnf_hidden_units) -> None:
    """Is dnf_hidden_units the number of hidden units of the DNF network?"""
    check_int(dnf_hidden_units, ref.dnf_hidden_units, "dnf_hidden_units")


def q2a_edges(dnf_edges) -> None:
    """Is dnf_edges the number of edges of the DNF network?"""
    check_int(dnf_edges, ref.dnf_edges, "dnf_edges",
              hint="Count the input-to-hidden edges and the hidden-to-output edges.")


def q2b_network(kmap_network) -> None:
    """Does kmap_network compute the table with the Karnaugh map's minimal 3 units and 11
    edges?

    The 2019 answer's 12 edges keep a redundant literal: not-x0 not-x1 not-x2 x3 covers
    0001 only, but 0001 and 1001 form a group of two, not-x1 not-x2 x3.
    """
    net = check_network_computes(kmap_network, ref.TRUTH_TABLE, "kmap_network",
                                 evaluate=ref.evaluate_network)
    if ref.hidden_units(net) > ref.kmap_hidden_units:
        raise AnswerError("kmap_network computes the function, but it has more hidden units "
                          "than the Karnaugh map needs: can two groups merge?")
    if ref.edges(net) > ref.kmap_edges:
        raise AnswerError("kmap_network computes the function, but it has more edges than "
                          "needed: one of its groups could be twice as large (drop a "
                          "redundant literal).")
    if (ref.hidden_units(net), ref.edges(net)) != (ref.kmap_hidden_units, ref.kmap_edges):
        raise AnswerError("kmap_network computes the function, but it is not the Karnaugh "
                          "map network (one hidden unit per group).")


def q2b_hidden_units(kmap_hidden_units) -> None:
    """Is kmap_hidden_units the number of hidden units of the minimal network?"""
    check_int(kmap_hidden_units, ref.kmap_hidden_units, "kmap_hidden_units")


def q2b_edges(kmap_edges) -> None:
    """Is kmap_edges the number of edges of the minimal network (11: the 2019 answer's 12
    keeps a redundant literal)?"""
    edges = fmt.check_whole_number(kmap_edges, "kmap_edges")
    redundant = ("That count keeps a redundant literal." if edges == ref.kmap_edges + 1 else None)
    check_int(edges, ref.kmap_edges, "kmap_edges", hint=redundant)


def q2c_values(irreducible_truth_table, irreducible_dnf_neurons) -> None:
    """Does the table have the most 1s possible with no two adjacent, and the right DNF size?"""
    table, _ = fmt.irreducible_format(irreducible_truth_table, irreducible_dnf_neurons)
    pairs = ref.adjacent_ones(table)
    if pairs:
        i, j = pairs[0]
        raise AnswerError(f"irreducible_truth_table has adjacent 1s at rows {i:04b} and "
                          f"{j:04b} (they differ in one bit), so they would form a group.")
    if not ref.is_irreducible_maximal(table):
        raise AnswerError("irreducible_truth_table has no two adjacent 1s, but a map can hold "
                          "more 1s than that without any two being adjacent.")
    check_int(irreducible_dnf_neurons, ref.irreducible_dnf_neurons, "irreducible_dnf_neurons")


def q2d_bound(value, name: str) -> None:
    """Is the bound ``name`` ("hidden_units_bound" or "edges_bound") the right letter?"""
    fmt.bound_format(value, name)
    check_letters(value, getattr(ref, name), name, options=ref.BOUND_OPTIONS)


# --------------------------------------------------------------------------------------
# q3: vanishing and exploding gradients
# --------------------------------------------------------------------------------------


ACTIVATIONS = {"sigmoid": (ref.sigmoid, sigmoid_mistakes),
               "sigmoid_prime": (ref.sigmoid_prime, sigmoid_prime_mistakes)}


def q3a_values(f, name: str) -> None:
    """Does ``name`` ("sigmoid" or "sigmoid_prime", each its own test case) match the
    reference on random inputs?"""
    f_ref, mistakes = ACTIVATIONS[name]
    z = np.random.default_rng(3).normal(scale=4, size=(5, 3))
    got = fmt.activation_format(call(f, z, name=name), z, name)
    check_close(got, f_ref(z), name, **IMPLEMENTED, mistakes=mistakes(z))


def q3a_no_overflow(f, name: str) -> None:
    """Does ``name`` ("sigmoid" or "sigmoid_prime") give its limits at z = -1000 and 1000
    without a warning?"""
    extreme = np.array([-1000.0, 1000.0])
    f_ref, _ = ACTIVATIONS[name]
    got, warned = call_recording_warnings(f, extreme, name=name)
    if warned:
        raise AnswerError(f"{name}([-1000, 1000]) warns: {warned[0]}. Something "
                          "overflows (np.exp of a large number?).")
    label = f"{name}([-1000, 1000])"
    check_close(fmt.activation_format(got, extreme, label), f_ref(extreme), label,
                **IMPLEMENTED)


# q3a's four extrema answers: each its own test case, with its mistakes.
EXTREMA_MISTAKES = {"sigmoid_prime_max": SIGMOID_PRIME_MAX_MISTAKES,
                    "sigmoid_prime_argmax": None, "sigmoid_prime_min": None}


def q3a_extremum(value, name: str) -> None:
    """Is the extremum answer ``name`` (sigmoid_prime_max, sigmoid_prime_argmax,
    sigmoid_prime_min or sigmoid_prime_min_attained) right?"""
    if name == "sigmoid_prime_min_attained":
        check_bool(value, ref.sigmoid_prime_min_attained, name)
        return
    fmt.number_format(value, name)
    check_number(value, getattr(ref, name), name, **HAND, mistakes=EXTREMA_MISTAKES[name])


# q3b ("classification") and q3c ("regression"): the key of the question's label in the
# variant's numbers, the random points' seed and label, and the mistake catalogue.
Q3_KINDS = {
    "classification": ("y_classification", 682,
                       lambda rng: int(rng.integers(0, 2)), classification_mistakes),
    "regression": ("y_regression", 128,
                   lambda rng: float(rng.normal(scale=10)), regression_mistakes),
}


def own_sigmoid(sigmoid):
    """The student's sigmoid as a function of one number (for carrying its error forward
    into q3b and q3c), or None when it is right or unusable: then nothing is carried."""
    def number(result):
        value = np.asarray(result, dtype=np.float64)
        if value.size != 1 or not np.isfinite(value).all():
            raise AnswerError("sigmoid gives no finite number")
        return float(value.reshape(()))

    def s(z):
        return number(call(sigmoid, float(z), name="sigmoid"))
    try:
        z = np.linspace(-4, 4, 9)
        values = [number(result) for result in
                  call_each(sigmoid, [(float(t),) for t in z], name="sigmoid")]
        if np.allclose(values, ref.sigmoid(z), rtol=IMPLEMENTED["rtol"],
                       atol=IMPLEMENTED["atol"]):
            return None
    except Exception:  # a sigmoid that fails on numbers carries nothing forward
        return None
    return s


def _carried_grads(s, kind, w, x, y):
    """The q3 gradients written with the student's sigmoid ``s`` (None when there is
    none, or it fails at this point)."""
    if s is None:
        return None
    try:
        carried = ref.grads_with_sigmoid(kind, w, x, y, s)
    except Exception:  # the student's sigmoid failed here: nothing to carry
        return None
    return carried if np.isfinite(carried).all() else None


def q3_grads_function(grads_function, kind: str, sigmoid) -> None:
    """Does ``{kind}_grads`` match the reference at random points (kind "classification"
    for q3b, "regression" for q3c)? Gradients computed with the student's own (wrong)
    sigmoid pass too: its error is carried forward from q3a."""
    _, seed, label, mistakes = Q3_KINDS[kind]
    reference = getattr(ref, f"{kind}_grads")
    name = f"{kind}_grads"
    rng = np.random.default_rng(seed)
    s = own_sigmoid(sigmoid)
    points = []
    for _ in range(4):
        w, x = rng.normal(size=3), float(rng.normal())
        points.append((w, x, label(rng)))
    for (w, x, y), result in zip(points, call_each(grads_function, points, name=name),
                                 strict=True):
        got = fmt.grads_format(result, name)
        check_carried(got, reference(w, x, y), _carried_grads(s, kind, w, x, y), name,
                      IMPLEMENTED, mistakes(w, x, y))


def q3_grads_numbers(grads, kind: str, sigmoid, student_email) -> None:
    """Is ``grads_{kind}`` right at the submitter's point (their variant), to 4 significant
    figures? The numbers the student's own (wrong) sigmoid gives pass too (error carried
    forward)."""
    require_email(fmt.VARIANTS, student_email)  # before the format: its numbers are nan
    label, _, _, mistakes = Q3_KINDS[kind]
    name = f"grads_{kind}"
    fmt.grads_format(grads, name)
    s = own_sigmoid(sigmoid)

    def check(numbers):
        w, x, y = np.array(numbers["w"]), numbers["x"], numbers[label]
        check_carried(grads, getattr(ref, f"{kind}_grads")(w, x, y),
                      _carried_grads(s, kind, w, x, y), name, HAND, mistakes(w, x, y))
    check_variant(fmt.VARIANTS, "q3", student_email, name, check)
