"""Hidden tests of ``mlp-backprop``, and the catalogues of plausible mistakes they name.

One function per hidden test case of the notebook (named like it without ``test_``, or,
where several cases differ only in a question or a row, one function taking it). Each
first applies the answer's format function from :mod:`autograder.student.mlp_backprop`
(the public checks run the same one), then compares with :mod:`solutions.mlp_backprop` on
the question's own graded problems through :mod:`autograder.runtime.verdicts`.

The mistake catalogues (``*_mistakes``) are data: ``{description: wrong value}``, the value
a plausible mistake would produce on the same inputs. A failing answer equal to one of
them is told the description, never the expected value.

The shapes worked out by hand (q1b's layer table, q1d's Jacobian shapes) are graded at the
submitter's own widths d, h, k (the variant "widths" of
:data:`autograder.student.mlp_backprop.VARIANTS`, chosen by
:func:`~autograder.runtime.variant_grading.check_variant`).
"""

import copy
import functools

import numpy as np

import solutions.mlp_backprop as ref
from autograder.runtime.variant_grading import check_variant, require_email
from autograder.runtime.verdicts import IMPLEMENTED, call_recording_warnings, check_close
from autograder.student.checks import AnswerError, call, call_all, call_each, unpack
from autograder.student.mlp_backprop import (
    GRADIENT_KEYS,
    VARIANTS,
    activation_jacobian_format,
    forward_format,
    gradient_table_format,
    gradients_format,
    loss_format,
    read_jacobian_shapes,
    read_layer_table,
    read_step_order,
    read_term_names,
)

# --------------------------------------------------------------------------------------
# Mistake catalogues
# --------------------------------------------------------------------------------------

def forward_mistakes(X, params, f, g):
    """y_hat of plausible wrong forward passes: {description: y_hat}."""
    X = np.asarray(X, dtype=np.float64)
    W1, b1, W2, b2 = (np.asarray(params[key], dtype=np.float64) for key in ("W1", "b1", "W2", "b2"))
    a = ref.activation

    def net(z1, f_=f, g_=g, use_b2=True):
        return a(a(z1, f_) @ W2.T + (b2 if use_b2 else 0.0), g_)

    out = {"b1 is missing from z1 = X W1^T + b1": net(X @ W1.T),
           "b2 is missing from z3 = z2 W2^T + b2": net(X @ W1.T + b1, use_b2=False)}
    if f != "identity":
        out["the activation f is not applied"] = \
            net(X @ W1.T + b1, f_="identity")
    if g != "identity":
        out["the activation g is not applied"] = \
            net(X @ W1.T + b1, g_="identity")
    if f != g:
        out["f and g are swapped"] = net(X @ W1.T + b1, f_=g, g_=f)
    if W1.shape[0] == W1.shape[1]:
        out["W1 is used in the (in, out) layout: it looks like X W1 + b1"] = \
            net(X @ W1 + b1)
    if W2.shape[0] == W2.shape[1]:
        out["W2 is used in the (in, out) layout: it looks like z2 W2 + b2"] = \
            a(a(X @ W1.T + b1, f) @ W2 + b2, g)
    return out


def backward_mistakes(dJ_dyhat, cache, params, f, g):
    """Gradients of plausible wrong backward passes: {description: grads dict}.

    ``cache`` is a reference cache (from ``ref.mlp_forward``). Transposes, signs and
    factors of n are left to :func:`~autograder.runtime.verdicts.check_close`'s own diagnosis.
    """
    W2 = np.asarray(params["W2"], dtype=np.float64)
    X, z1, z2, z3, y_hat = (np.asarray(cache[key], dtype=np.float64)
                            for key in ("X", "z1", "z2", "z3", "y_hat"))
    dyhat = np.asarray(dJ_dyhat, dtype=np.float64)
    fp, gp = ref.activation_prime(z1, f), ref.activation_prime(z3, g)

    def chain(df=fp, dg=gp, dW2_input=z2):
        dz3 = dyhat * dg
        dz1 = (dz3 @ W2) * df
        return {"dW1": dz1.T @ X, "db1": dz1.sum(axis=0),
                "dW2": dz3.T @ dW2_input, "db2": dz3.sum(axis=0)}

    out = {}
    if g != "identity":
        out["the derivative of g is missing"] = chain(dg=1.0)
    if f != "identity":
        out["the derivative of f is missing"] = chain(df=1.0)
        out["dW2 uses z1, the hidden layer before f"] = \
            chain(dW2_input=z1)
    if f == "sigmoid":
        out["f' is evaluated at z2 = f(z1)"] = \
            chain(df=ref.activation_prime(z2, f))
        out["it uses z1 (1 - z1) for f'(z1)"] = chain(df=z1 * (1 - z1))
    if "sigmoid" in (f, g):
        out["it uses the sigmoid itself where the sigmoid's derivative belongs"] = \
            chain(df=ref.activation(z1, f) if f == "sigmoid" else fp,
                  dg=ref.activation(z3, g) if g == "sigmoid" else gp)
    if g == "sigmoid":
        out["g' is evaluated at y_hat = g(z3)"] = \
            chain(dg=ref.activation_prime(y_hat, g))
        out["it uses z3 (1 - z3) for g'(z3)"] = chain(dg=z3 * (1 - z3))
    return out


def loss_mistakes(name, y_hat, y):
    """(J mistakes, dJ/dy_hat mistakes) of a loss on a batch: two {description: value} dicts."""
    y_hat = np.asarray(y_hat, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    J, dJ = ref.LOSSES[name](y_hat, y)
    n, k = y_hat.shape
    N = n * k
    if name == "mse":
        J_out = {f"it is averaged over all n k = {N} elements (like torch.nn.MSELoss()), but "
                 f"the handout's loss ||y_hat - y||^2 sums over the k = {k} outputs":
                     J / k,
                 f"it is summed over the n = {n} samples": J * n,
                 "the square is missing (a mean absolute error?)":
                     np.sum(np.abs(y_hat - y)) / n}
        dJ_out = {f"it is the derivative of the mean over all n k = {N} elements (like "
                  "torch.nn.MSELoss()), but the handout's loss ||y_hat - y||^2 sums over the "
                  f"k = {k} outputs": dJ / k,
                  f"it is the derivative of a sum over the n = {n} samples, not of their mean":
                      dJ * n,
                  "the factor 2 from the square is missing": dJ / 2}
        return J_out, dJ_out
    J_out = {f"it looks summed over all n k = {N} elements": J * N,
             f"it is averaged over the n = {n} samples but summed over the k = {k} outputs "
             "(the handout's l_BCE carries 1/k)": J * k,
             f"it is averaged over the k = {k} outputs but summed over the n = {n} samples "
             "(the handout's one-sample formula used for a whole batch)": J * n}
    dJ_out = {f"it is the derivative of a sum over all n k = {N} elements, not of the mean":
                  dJ * N,
              f"it divides by the n = {n} samples only, not by all n k = {N} elements (the "
              "handout's l_BCE carries 1/k)": dJ * k,
              f"it divides by the k = {k} outputs only, not by all n k = {N} elements (the "
              "handout's one-sample formula used for a whole batch)": dJ * n}
    p = np.clip(y_hat, ref.BCE_EPS, 1 - ref.BCE_EPS)
    J_out["the (1 - y) log(1 - y_hat) term is missing"] = -np.mean(y * np.log(p))
    dJ_out["the (1 - y) / (1 - y_hat) term is missing"] = -(y / p) / N
    dJ_out["it looks like dJ/dz3 = (y_hat - y) / (n k), where the sigmoid's derivative "
           "has cancelled: the question asks for dJ/dy_hat"] = (y_hat - y) / N
    dJ_out["it looks like the MSE's derivative, not the cross-entropy's"] = 2 * (y_hat - y) / n
    return J_out, dJ_out


def gradient_table_mistakes(x, W1, b1, W2, b2, dl_dyhat, dyhat_dz3, dz2_dz1):
    """{row: {description: value}} of plausible wrong 1.2(c) rows (numerator layout)."""
    x, W1, b1, W2 = (np.asarray(v, dtype=np.float64) for v in (x, W1, b1, W2))
    up = np.asarray(dl_dyhat, dtype=np.float64).reshape(1, -1)
    J3, J1 = np.asarray(dyhat_dz3, dtype=np.float64), np.asarray(dz2_dz1, dtype=np.float64)
    z1 = W1 @ x + b1
    out = {"W1": {}, "b1": {}, "W2": {}, "b2": {}}
    for row, chain in (("b1", lambda u: u), ("W1", lambda u: x[:, None] @ u)):
        out[row]["the factor dz2/dz1 is missing"] = chain(up @ J3 @ W2)
        out[row]["the factor dy_hat/dz3 is missing"] = chain(up @ W2 @ J1)
        if J3.shape[0] == W2.shape[1]:  # h == k: the handout's W1 row as printed multiplies
            out[row]["it has dy_hat/dz2 (= dy_hat/dz3 W2) where dy_hat/dz3 belongs"] = \
                chain(up @ (J3 @ W2) @ W2 @ J1)
    out["W2"]["it uses z1 = W1 x + b1, before the activation f"] = z1[:, None] @ (up @ J3)
    if x.shape == z1.shape:
        out["W2"]["it uses x, the input, where a hidden value belongs"] = x[:, None] @ (up @ J3)
    out["W2"]["the factor dy_hat/dz3 is missing"] = ref.activation(z1, "relu")[:, None] @ up
    out["b2"]["the factor dy_hat/dz3 is missing"] = up
    return out


def activation_jacobian_mistakes(z, name):
    """Plausible wrong Jacobians of an element-wise activation at z: {description: matrix}."""
    m = len(z)
    prime = ref.activation_prime(z, name)
    out = {
        "it looks like the activation itself on the diagonal, not its derivative":
            np.diag(ref.activation(z, name)),
        "every row repeats the derivatives": np.tile(prime, (m, 1)),
        "every column repeats the derivatives": np.tile(prime[:, None], (1, m)),
    }
    if name == "sigmoid":
        out["it uses z (1 - z) for sigmoid'(z)"] = np.diag(z * (1 - z))
    return out


def numerator_layout_message(name, got, right):
    """A message if ``got`` is the numerator-layout form (the transpose) of the gradient ``right``.

    The handout writes dl/dW in numerator layout, shaped like W^T; the notebook asks for
    gradients shaped like their parameter. For a non-square W the shape already tells
    (:func:`~autograder.student.mlp_backprop.gradients_format`); this catches a square one.
    Returns None unless ``got`` (a float array) equals ``right.T`` within 1e-6 relative
    and ``right`` is not symmetric.
    """
    right = np.asarray(right, dtype=np.float64)
    if right.ndim != 2 or got.shape != right.T.shape:
        return None
    if not np.allclose(got, right.T, rtol=1e-6, atol=1e-9):
        return None
    if right.shape[0] == right.shape[1] and np.allclose(right, right.T, rtol=1e-6, atol=1e-9):
        return None
    return (f"{name} looks transposed: it is the numerator-layout derivative (shaped like the "
            "parameter's transpose, as the handout writes dl/dW); here a gradient has its "
            "parameter's (out, in) shape.")


SINGLE_NUMBER = "The loss is a single number."
WEIGHT_SHAPE = ("That is the shape of a weight matrix: the table asks for the values "
                "flowing through the layers.")
EXTRA_ONE = "It has an extra dimension of 1."
D_FOR_H = ("It uses the input width d where the hidden width h belongs (the handout calls "
           "the hidden width d).")


def layer_shape_slips(want, d, h, k):
    """[(wrong shape, why)] of the plausible slips in a layer-table entry whose right shape
    is ``want`` (widths d, h, k), the first to name a shape first: a number written as a
    vector, a weight matrix's shape, an extra dimension of 1, the input width d for the
    hidden width h."""
    slips = []
    if want == ():
        slips += [((1,), SINGLE_NUMBER), ((1, 1), SINGLE_NUMBER)]
    slips += [(shape, WEIGHT_SHAPE) for shape in ((h, d), (k, h), (d, h), (h, k))]
    if len(want) == 1:
        slips += [((1,) + want, EXTRA_ONE), (want + (1,), EXTRA_ONE)]
    if want == (h,):
        slips.append(((d,), D_FOR_H))
    return slips


def layer_shape_mistakes(want, d, h, k):
    """{wrong shape: why} of :func:`layer_shape_slips` (the right shape is never one)."""
    return _catalogue(layer_shape_slips(want, d, h, k), {want})


VECTOR_FOR_MATRIX = ("that is the shape of a vector, but the Jacobian of a vector with "
                     "respect to a vector is a matrix")


def jacobian_shape_slips(d, h, k):
    """{key: [(wrong shape, why)]} of the plausible slips in jacobian_shapes at the widths
    d, h, k."""
    return {
        "dz2_dz1": [((d, d), "it uses the input width d, but z1 and z2 are hidden-layer "
                             "vectors (the handout calls the hidden width d)"),
                    ((k, k), "it uses the output width k, but z1 and z2 are hidden-layer "
                             "vectors"),
                    ((h,), VECTOR_FOR_MATRIX)],
        "dyhat_dz3": [((h, h), "it uses the hidden width h, but z3 and y_hat are output "
                               "vectors"),
                      ((d, d), "it uses the input width d, but z3 and y_hat are output "
                               "vectors"),
                      ((k,), VECTOR_FOR_MATRIX)],
        "dl_dyhat": [((k, 1), "it looks transposed: a Jacobian du/dv has one row per entry "
                              "of u (the handout's numerator layout)"),
                     ((k, k), "the loss is a single number, so this Jacobian has a single "
                              "row")],
    }


def accepted_jacobian_shapes(d, h, k):
    """{key: set of accepted shapes} of jacobian_shapes at the widths d, h, k."""
    accepted = {key: {tuple(shape)} for key, shape in ref.jacobian_shapes(d, k, h).items()}
    accepted["dl_dyhat"].add((k,))  # the gradient's shape: as good as the (1, k) row
    return accepted


def jacobian_shape_mistakes(d, h, k):
    """{key: {wrong shape: why}} of :func:`jacobian_shape_slips` (an accepted shape is
    never one)."""
    accepted = accepted_jacobian_shapes(d, h, k)
    return {key: _catalogue(slips, accepted[key])
            for key, slips in jacobian_shape_slips(d, h, k).items()}


def _catalogue(slips, accepted):
    """{shape: why} of ``slips``, the first to name a shape, without the accepted shapes."""
    out = {}
    for shape, why in slips:
        if shape not in accepted:
            out.setdefault(shape, why)
    return out


def _widths(numbers):
    """The widths (d, h, k) of a variant's numbers, as ints."""
    return tuple(int(numbers[key]) for key in ("d", "h", "k"))


def variant_answers(question: str, numbers: dict) -> dict[str, tuple]:
    """{answer: (its right value, its mistake catalogue)} of the variant ``question``
    ("widths") at a variant's ``numbers``: every shape of the layer table and of
    jacobian_shapes, as arrays, which the variants' conditioning test compares."""
    d, h, k = _widths(numbers)
    out = {}
    for layer, wants in ref.layer_table_dict(d, h, k).items():
        for side, want in zip(("input", "output"), wants, strict=True):
            out[f"layer_table[{layer!r}] {side}"] = (np.array(want, dtype=float), {
                f"{shape}: {why}": np.array(shape, dtype=float)
                for shape, why in layer_shape_mistakes(want, d, h, k).items()})
    mistakes = jacobian_shape_mistakes(d, h, k)
    for key, right in ref.jacobian_shapes(d, k, h).items():
        out[f"jacobian_shapes[{key!r}]"] = (np.array(right, dtype=float), {
            f"{shape}: {why}": np.array(shape, dtype=float)
            for shape, why in mistakes[key].items()})
    return out


def variant_problems(question: str, numbers: dict) -> list[str]:
    """What would make a variant's widths degenerate: two equal widths, or a width of 1
    (a slip of one width for another, or a transposed shape, would give the right shape),
    and, what follows from them, a catalogued slip giving an accepted shape or the shape of
    another slip (it would go unnamed)."""
    d, h, k = _widths(numbers)
    problems = []
    if len({d, h, k}) < 3:
        problems.append(f"the widths d, h, k = {d}, {h}, {k} are not all different")
    if min(d, h, k) < 2:
        problems.append(f"the widths d, h, k = {d}, {h}, {k} include 1")
    entries = [(f"layer_table[{layer!r}] {side}", {want}, layer_shape_slips(want, d, h, k))
               for layer, wants in ref.layer_table_dict(d, h, k).items()
               for side, want in zip(("input", "output"), wants, strict=True)]
    accepted = accepted_jacobian_shapes(d, h, k)
    entries += [(f"jacobian_shapes[{key!r}]", accepted[key], slips)
                for key, slips in jacobian_shape_slips(d, h, k).items()]
    for what, right, slips in entries:
        whys = {}
        for shape, why in slips:
            whys.setdefault(shape, set()).add(why)
        if set(whys) & right:
            problems.append(f"a slip in {what} gives an accepted shape")
        if any(len(told) > 1 for told in whys.values()):
            problems.append(f"two different slips in {what} give the same shape")
    return problems


def changed_terms_problem(got, task, name):
    """Why the set of names ``got`` is not an accepted answer to 1.3(a) or 1.3(b), or None.

    - got: the student's names, as read by
      :func:`~autograder.student.mlp_backprop.read_term_names`
    - task: "activations" (1.3(a): relu/identity -> sigmoid/sigmoid, MSE kept) or "bce"
      (1.3(b): MSE -> BCE, sigmoids kept)

    Accepted: exactly the set of one of the two readings (``ref.CHANGED_TERMS_READINGS``).
    The message names the kind of mistake but not the terms.
    """
    narrow, broad = ref.CHANGED_TERMS_READINGS[task]
    if got in (narrow, broad):
        return None
    wrong = f"{name} is not correct: "
    if task == "activations" and got == ref.changed_terms_bce:
        return wrong + ("it looks like the answer for switching to the cross-entropy loss; "
                        "here the loss is still the MSE and the activations change.")
    if task == "bce" and got in ref.CHANGED_TERMS_READINGS["activations"]:
        return wrong + ("it looks like the answer for changing the activations (q2a); here "
                        "the activations stay the sigmoid and the loss changes.")
    parts = []
    if got - broad:
        parts.append("it names at least one term that does not change under either reading "
                     "(only its value differs, because its inputs do)")
    if narrow - got:
        parts.append("it misses at least one term whose formula changes under either reading")
    if not parts:  # narrow < got < broad: part of the handout's reading only
        parts.append("it mixes the two readings: it names some, but not all, of the terms "
                     "that change only when written out as the handout does")
    return wrong + "; and ".join(parts) + "."


# --------------------------------------------------------------------------------------
# Grading mlp_backward: with the student's own cache, else with a fallback cache
# --------------------------------------------------------------------------------------

def _param_shapes(params):
    return {key: np.shape(value) for key, value in params.items()}


def _check_gradient_shapes(grads, dJ, cache, params, f, g, n):
    """Only the format: finite gradients shaped like their parameters."""
    (h, d), k = np.shape(params["W1"]), np.shape(params["W2"])[0]
    gradients_format(grads, _param_shapes(params), n, f" (n, d, h, k = {n}, {d}, {h}, {k})")


def _check_gradient_values(grads, dJ, cache, params, f, g, n, keys=GRADIENT_KEYS):
    """Compare the gradients ``keys`` with the reference; ``dJ`` and ``cache`` are the
    reference's, computed here."""
    where = f" (f = {f}, g = {g}, n = {n} samples)"
    grads = gradients_format(grads, _param_shapes(params), n, where, keys)
    right = ref.mlp_backward(dJ, cache, params, f, g)
    mistakes = backward_mistakes(dJ, cache, params, f, g)
    for key, arr in grads.items():
        layout = numerator_layout_message(key + where, arr, right[key])
        if layout:
            raise AnswerError(layout)
        check_close(arr, right[key], key + where, **IMPLEMENTED, n=n,
                    mistakes={what: wrong[key] for what, wrong in mistakes.items()})


def _raise_if_error(outcome):
    """An outcome of :func:`~autograder.student.checks.call_all`: the result, or its
    AnswerError raised."""
    if isinstance(outcome, AnswerError):
        raise outcome
    return outcome


def _unpacked(outcome, count, name):
    """An outcome of ``call_all`` unpacked into ``count`` items, or its AnswerError."""
    try:
        return unpack(_raise_if_error(outcome), count, name)
    except AnswerError as e:
        return e


def _grade_backward(mlp_forward, mlp_backward, case_set, check, forward_note=""):
    """Grade mlp_backward on the graded problems ``ref.backward_cases(case_set)``.

    Each problem is first graded with the cache of the student's own mlp_forward. If that
    fails, mlp_backward is graded once more on another random problem of the same sizes
    (``ref.fallback_case``), with a correct cache of the suggested keys: a wrong
    mlp_forward must not hide a right mlp_backward. Nothing computed from a graded
    problem's reference forward pass is sent to the student's functions. If both fail,
    the first failure is reported, with ``forward_note`` if mlp_forward is wrong too.
    """
    cases = list(ref.backward_cases(case_set))
    forwards = [_unpacked(result, 2, "mlp_forward") for result in call_all(
        mlp_forward, [(X.copy(), copy.deepcopy(params), f, g) for f, g, X, params, _ in cases],
        name="mlp_forward")]
    backwards = iter(call_all(mlp_backward, [  # with the cache of each forward that gave one
        (dJ.copy(), forward[1], copy.deepcopy(params), f, g)
        for (f, g, _, params, dJ), forward in zip(cases, forwards, strict=True)
        if not isinstance(forward, AnswerError)], name="mlp_backward"))
    for i, ((f, g, X, params, dJ), forward) in enumerate(zip(cases, forwards, strict=True)):
        n, d = X.shape
        h, k = params["W1"].shape[0], params["W2"].shape[0]
        y_ref, cache_ref = ref.mlp_forward(X, params, f, g)
        forward_ok = False
        try:
            y_hat, _ = _raise_if_error(forward)
            try:
                check_close(y_hat, y_ref, "y_hat", **IMPLEMENTED)
                forward_ok = True
            except AnswerError:
                pass
            check(_raise_if_error(next(backwards)), dJ, cache_ref, params, f, g, n)
            continue
        except AnswerError as e:
            own = e
        params_fb, cache_fb, dJ_fb = ref.fallback_case(case_set, i, f, g, n, d, h, k)
        try:
            check(call(mlp_backward, dJ_fb.copy(), copy.deepcopy(cache_fb),
                       copy.deepcopy(params_fb), f, g, name="mlp_backward"),
                  dJ_fb, cache_fb, params_fb, f, g, n)
        except AnswerError:
            note = "" if forward_ok else forward_note
            raise AnswerError(f"{own}{note}", mistake=own.mistake) from None


# --------------------------------------------------------------------------------------
# The hidden test cases
# --------------------------------------------------------------------------------------

def q1a_order(training_step_order):
    """Is training_step_order a valid order (zero_grad anywhere before backward)?"""
    order = read_step_order(training_step_order)
    pos = {label: i for i, label in enumerate(order)}
    wrong = "training_step_order is not correct: "
    if pos["loss"] < pos["forward"]:
        raise AnswerError(wrong + "the loss is computed from the forward pass's output, so "
                          "it cannot come before forward.")
    if pos["backward"] < pos["loss"]:
        raise AnswerError(wrong + "backward differentiates the loss, so the loss must be "
                          "computed first.")
    if pos["step"] < pos["backward"]:
        raise AnswerError(wrong + "step uses the gradients that backward computes, so it "
                          "cannot come before backward.")
    if pos["zero_grad"] > pos["backward"]:
        raise AnswerError(wrong + "zero_grad after backward erases the gradients backward "
                          "just computed, and step would not move the parameters.")
    if not ref.is_valid_training_step_order(order):
        raise AnswerError("training_step_order is not correct.")


def forward_values(mlp_forward, question):
    """q1b_forward, q2a_forward: does mlp_forward's y_hat match the reference on the
    question's graded problems (``ref.forward_cases(question)``)?"""
    cases = list(ref.forward_cases(question))
    results = call_each(mlp_forward, [(X.copy(), copy.deepcopy(params), f, g)
                                      for f, g, X, params in cases], name="mlp_forward")
    for (f, g, X, params), result in zip(cases, results, strict=True):
        n, k = X.shape[0], params["W2"].shape[0]
        where = f" (f = {f}, g = {g}, X of shape {X.shape})"
        y_hat, _ = forward_format(result, n, k, where)
        check_close(y_hat, ref.mlp_forward(X, params, f, g)[0], "y_hat" + where,
                    **IMPLEMENTED, mistakes=forward_mistakes(X, params, f, g))


def q1b_layer_table(layer_table, student_email):
    """Are the one-sample input and output shapes of every layer right, at the submitter's
    own widths d, h, k?"""
    require_email(VARIANTS, student_email)  # before the format: its numbers are nan
    table = read_layer_table(layer_table)

    def check(numbers):
        d, h, k = _widths(numbers)
        for layer, (want_in, want_out) in ref.layer_table_dict(d, h, k).items():
            shapes_in, shape_out = table[layer]
            for side, got, want in [("input", s, want_in) for s in shapes_in] + [
                    ("output", shape_out, want_out)]:
                if got != want:
                    why = layer_shape_mistakes(want, d, h, k).get(got)
                    raise AnswerError(f"The {side} shape of {layer} in layer_table is not "
                                      "right." + (f" {why}" if why else ""), why)
    check_variant(VARIANTS, "widths", student_email, "layer_table", check)


def loss_values(loss_fn, loss, part="both"):
    """q1c_mse_loss (``loss="mse"``), q2b_values (``"bce"``): does J (``part="J"``),
    dJ/dy_hat (``"dJ"``) or both match the reference on the graded batches
    ``ref.loss_cases(loss)``?"""
    function = f"{loss}_loss"
    cases = list(ref.loss_cases(loss))
    results = call_each(loss_fn, [(y_hat.copy(), y.copy()) for y_hat, y in cases],
                        name=function)
    for (y_hat, y), result in zip(cases, results, strict=True):
        J_ref, dJ_ref = ref.LOSSES[loss](y_hat, y)
        J_bad, dJ_bad = loss_mistakes(loss, y_hat, y)
        where = f" for y_hat of shape {y_hat.shape}"
        J, dJ = loss_format(result, y_hat.shape, function, where)
        if part in ("J", "both"):
            check_close(J, J_ref, "J" + where, **IMPLEMENTED, mistakes=J_bad)
        if part in ("dJ", "both"):
            check_close(dJ, dJ_ref, "dJ_dyhat" + where, **IMPLEMENTED, mistakes=dJ_bad)


def q1c_backward_shapes(mlp_forward, mlp_backward):
    """For random n, d, h, k, is every gradient finite and shaped like its parameter?"""
    _grade_backward(mlp_forward, mlp_backward, "q1c_shapes", _check_gradient_shapes)


def backward_values(mlp_forward, mlp_backward, question, keys=GRADIENT_KEYS):
    """q1c_backward_dW1 ... (one gradient ``keys`` each), q2a_backward (all four): does
    mlp_backward match the reference on the question's graded problems, given the
    student's own cache?"""
    see = {"q1c": ": see q1b"}.get(question, "")
    note = (" (mlp_backward is graded with the cache your mlp_forward returns, and "
            f"mlp_forward is not right either{see}.)")
    check = functools.partial(_check_gradient_values, keys=tuple(keys))
    _grade_backward(mlp_forward, mlp_backward, question, check, note)


def gradient_table_rows(gradient_table, rows):
    """q1c_table_layer2 (rows W2, b2), q1c_table_layer1 (W1, b1): are these rows of the
    1.2(c) table right, as formulas in the given variables?"""
    cases = list(ref.gradient_table_cases())
    results = call_each(gradient_table, [copy.deepcopy(args) for args in cases],
                        name="gradient_table")
    for args, result in zip(cases, results, strict=True):
        right = ref.gradient_table(*args)
        mistakes = gradient_table_mistakes(*args)
        d, h, k = args[0].size, args[2].size, args[4].size
        table = gradient_table_format(result, d, h, k, rows)
        for key in rows:
            arr = table[key]
            what = f'gradient_table(...)["{key}"] (d, h, k = {d}, {h}, {k})'
            if (arr.ndim == 2 and arr.shape[0] > 1 and arr.shape[0] == arr.shape[1]
                    and not np.allclose(arr, right[key], rtol=1e-6, atol=1e-9)
                    and np.allclose(arr.T, right[key], rtol=1e-6, atol=1e-9)):
                raise AnswerError(f"{what} looks transposed: it is shaped like {key} itself "
                                  "(the layout of mlp_backward); this question asks for the "
                                  "handout's numerator layout.")
            check_close(arr, right[key], what, **IMPLEMENTED, mistakes=mistakes[key])


def q1d_activation_jacobian(activation_jacobian):
    """Is activation_jacobian the diagonal matrix of derivatives, for every activation?"""
    cases = list(ref.activation_jacobian_cases())
    results = call_each(activation_jacobian, [(z.copy(), name) for name, z in cases],
                        name="activation_jacobian")
    for (name, z), result in zip(cases, results, strict=True):
        what = f'activation_jacobian(z, "{name}") for z of shape ({len(z)},)'
        got = activation_jacobian_format(result, len(z), what)
        check_close(got, ref.activation_jacobian(z, name), what, **IMPLEMENTED,
                    mistakes=activation_jacobian_mistakes(z, name))


def q1d_jacobian_shapes(jacobian_shapes, student_email):
    """Are the one-sample Jacobian shapes right at the submitter's own widths d, h, k?"""
    require_email(VARIANTS, student_email)  # before the format: its numbers are nan
    shapes = read_jacobian_shapes(jacobian_shapes)

    def check(numbers):
        d, h, k = _widths(numbers)
        accepted = accepted_jacobian_shapes(d, h, k)
        mistakes = jacobian_shape_mistakes(d, h, k)
        for key, got in shapes.items():
            if got in accepted[key]:
                continue
            why = mistakes[key].get(got)
            if why is None and len(got) == 1 and key != "dl_dyhat":
                why = VECTOR_FOR_MATRIX
            raise AnswerError(f"jacobian_shapes[{key!r}] = {got} is not the right shape"
                              + (f": {why}." if why else "."), why)
    check_variant(VARIANTS, "widths", student_email, "jacobian_shapes", check)


def changed_terms_answer(value, task, name):
    """q2a_changed_terms (``task="activations"``), q2b_changed_terms (``"bce"``): are
    exactly the terms that change named, under one of the two readings?"""
    problem = changed_terms_problem(read_term_names(value, name), task, name)
    if problem:
        raise AnswerError(problem)


def q2b_stable(bce_loss):
    """Is bce_loss finite and warning-free when y_hat is exactly 0 or 1?"""
    y_hat = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    for y, case in ((y_hat.copy(), "equal to y"), (1 - y_hat, "opposite to y")):
        got, warned = call_recording_warnings(bce_loss, y_hat.copy(), y.copy(), name="bce_loss")
        where = f" when y_hat is exactly 0 or 1 and {case}"
        if warned:
            raise AnswerError(f"bce_loss warns{where}: {warned[0]}. A logarithm or a "
                              "division meets 0.")
        J, dJ = loss_format(got, y_hat.shape, "bce_loss", where)
        if case == "equal to y":
            check_close(J, 0.0, "J" + where + " (every prediction is right)", rtol=0, atol=1e-6)
        else:
            if not J > 2:
                raise AnswerError(f"J is too small{where}: a prediction of exactly 0 where "
                                  "y = 1 should cost a lot.")
            if not np.all(np.sign(dJ) == np.where(y > y_hat, -1.0, 1.0)):
                raise AnswerError(f"dJ_dyhat{where} has the wrong sign somewhere: gradient "
                                  "descent should push y_hat towards y.")
