"""Do matrix-backprop's public checks and hidden tests accept the reference, agree on every
correct form, and name each mistake of their catalogue? (In process: no kernel, no zip.)"""

import ast
import inspect
import re

import handout_matrix_backprop as handout
import numpy as np
import pytest

import solutions.matrix_backprop as ref
from autograder.runtime.questions import matrix_backprop as hidden
from autograder.student import matrix_backprop as public
from autograder.student.checks import AnswerError

# The reference answers, under the notebook's names (the hand-computed ones at the
# handout's numbers, the "handout" variant).
REFERENCE = {**{name: getattr(ref, name) for name in [
    "linear_backward", "gd_step", "dnf_network",
    "dnf_hidden_units", "dnf_edges", "kmap_network", "kmap_hidden_units", "kmap_edges",
    "irreducible_truth_table", "irreducible_dnf_neurons", "hidden_units_bound",
    "edges_bound", "sigmoid", "sigmoid_prime", "sigmoid_prime_max", "sigmoid_prime_argmax",
    "sigmoid_prime_min", "sigmoid_prime_min_attained", "classification_grads",
    "regression_grads"]},
    **{name: getattr(handout, name) for name in [
        "W_updated", "W_updated_2019", "grads_classification", "grads_regression"]},
    "student_email": "handout"}


def run_public(a):
    """Every public test case of the notebook, on the answers ``a``."""
    public.q1b_shapes(a["linear_backward"])
    public.q1c_shapes(a["gd_step"], a["W_updated"], a["W_updated_2019"], a["linear_backward"],
                      a["student_email"])
    public.q2_structure(a["dnf_network"], a["dnf_hidden_units"], a["dnf_edges"], "dnf")
    public.q2_structure(a["kmap_network"], a["kmap_hidden_units"], a["kmap_edges"], "kmap")
    public.q2c_structure(a["irreducible_truth_table"], a["irreducible_dnf_neurons"])
    public.q2d_format(a["hidden_units_bound"], a["edges_bound"])
    public.q3a_shapes(a["sigmoid"], a["sigmoid_prime"], a["sigmoid_prime_max"],
                      a["sigmoid_prime_argmax"], a["sigmoid_prime_min"],
                      a["sigmoid_prime_min_attained"])
    public.q3_grads_shapes(a["classification_grads"], a["grads_classification"],
                           "classification", a["student_email"])
    public.q3_grads_shapes(a["regression_grads"], a["grads_regression"], "regression",
                           a["student_email"])


def run_hidden(a):
    """Every hidden test case of the notebook, on the answers ``a``."""
    hidden.q1b_values(a["linear_backward"], "dW")
    hidden.q1b_values(a["linear_backward"], "dX")
    hidden.q1c_gd_step(a["gd_step"], a["linear_backward"])
    hidden.q1c_w_updated(a["W_updated"], "W_updated", a["linear_backward"], a["student_email"])
    hidden.q1c_w_updated(a["W_updated_2019"], "W_updated_2019", a["linear_backward"],
                         a["student_email"])
    for p in ("dnf", "kmap"):
        q = {"dnf": "q2a", "kmap": "q2b"}[p]
        getattr(hidden, f"{q}_network")(a[f"{p}_network"])
        getattr(hidden, f"{q}_hidden_units")(a[f"{p}_hidden_units"])
        getattr(hidden, f"{q}_edges")(a[f"{p}_edges"])
    hidden.q2c_values(a["irreducible_truth_table"], a["irreducible_dnf_neurons"])
    hidden.q2d_bound(a["hidden_units_bound"], "hidden_units_bound")
    hidden.q2d_bound(a["edges_bound"], "edges_bound")
    for f in ("sigmoid", "sigmoid_prime"):
        hidden.q3a_values(a[f], f)
        hidden.q3a_no_overflow(a[f], f)
    for name in ("sigmoid_prime_max", "sigmoid_prime_argmax", "sigmoid_prime_min",
                 "sigmoid_prime_min_attained"):
        hidden.q3a_extremum(a[name], name)
    for kind in ("classification", "regression"):
        hidden.q3_grads_function(a[f"{kind}_grads"], kind, a["sigmoid"])
        hidden.q3_grads_numbers(a[f"grads_{kind}"], kind, a["sigmoid"], a["student_email"])


def test_reference_passes_every_public_and_hidden_check():
    """Do the reference solutions pass all 9 public and 25 hidden test cases?"""
    run_public(REFERENCE)
    run_hidden(REFERENCE)


# Correct answers in other forms: each must pass the public checks AND the hidden tests.
EQUIVALENT_FORMS = {
    "W_updated as nested lists": {"W_updated": handout.W_updated.tolist()},
    "W_updated_2019 as a tuple of tuples": {
        "W_updated_2019": tuple(map(tuple, handout.W_updated_2019.tolist()))},
    "linear_backward returns a list": {
        "linear_backward": lambda W, X, dY: list(ref.linear_backward(W, X, dY))},
    "counts as floats and numpy scalars": {
        "dnf_hidden_units": 7.0, "dnf_edges": np.int64(35), "kmap_hidden_units": 3.0,
        "kmap_edges": np.float64(11), "irreducible_dnf_neurons": np.array(8.0)},
    "networks as lists and tuples": {"kmap_network": {
        "W": [[1, 0, 0, 1], [-1, 1, 0, -1], [0, -1, -1, 1]], "b": (-1.5, -0.5, -0.5),
        "v": [1, 1, 1], "c": -0.5}},
    "truth table as a tuple of floats": {
        "irreducible_truth_table": tuple(float(t) for t in ref.irreducible_truth_table)},
    "letters in lower case, padded, listed": {
        "hidden_units_bound": " c ", "edges_bound": ["d"]},
    "letters with a trailing separator and in a tuple": {
        "hidden_units_bound": "C,", "edges_bound": ("D",)},
    "extrema as numpy scalars, 0-d arrays and a numpy bool": {
        "sigmoid_prime_max": np.float32(0.25), "sigmoid_prime_argmax": np.array(0),
        "sigmoid_prime_min": np.int64(0), "sigmoid_prime_min_attained": np.bool_(False)},
    "gradients as lists and tuples of 4 figures": {
        "grads_classification": [0.001364, -0.04271, -0.1972],
        "grads_regression": (0.8562, -26.82, -123.8)},
    "functions that return lists": {
        "classification_grads": lambda w, x, y: ref.classification_grads(w, x, y).tolist(),
        "regression_grads": lambda w, x, y: tuple(ref.regression_grads(w, x, y))},
}


@pytest.mark.parametrize("form", EQUIVALENT_FORMS)
def test_equivalent_forms_pass_public_and_hidden(form):
    """Does a correct answer written in another form pass both the public and hidden checks?"""
    answers = {**REFERENCE, **EQUIVALENT_FORMS[form]}
    run_public(answers)
    run_hidden(answers)


@pytest.mark.parametrize("email", ["handout", "ada@example.edu"])
@pytest.mark.parametrize("name", ["W_updated", "W_updated_2019"])
def test_every_w_updated_mistake_is_named(name, email):
    """Is each catalogued wrong step rejected, and named as a mistake with that value, at
    the handout's numbers and at a student's own?"""
    catalogue = hidden.w_updated_mistakes(name, public.VARIANTS.numbers("q1c", email))
    assert len(catalogue) >= 6
    for description, wrong in catalogue.items():
        with pytest.raises(AnswerError) as info:
            hidden.q1c_w_updated(wrong, name, ref.linear_backward, email)
        assert info.value.mistake in catalogue, description  # named from the catalogue
        assert np.allclose(catalogue[info.value.mistake], wrong)  # (first equal entry)


@pytest.mark.parametrize("index", range(len(hidden.gd_step_mistakes(
    handout.Q1C_W, handout.Q1C_X, handout.Q1C_Y_2019, 0.1))))
def test_every_gd_step_mistake_is_named(index):
    """Does a gd_step that makes a catalogued mistake fail q1c_gd_step, naming that mistake?

    The descriptions depend on the inputs (N, m N), so the mistake is picked by position
    in the catalogue of each call's own inputs; a mistake a case has no entry for (a
    transpose of a non-square W) is not made there.
    """
    calls = []

    def wrong_gd_step(W, X, Y, lr):
        catalogue = list(hidden.gd_step_mistakes(W, X, Y, lr).items())
        calls.append(catalogue)
        return catalogue[index][1] if index < len(catalogue) else ref.gd_step(W, X, Y, lr)
    with pytest.raises(AnswerError) as info:
        hidden.q1c_gd_step(wrong_gd_step, ref.linear_backward)
    assert info.value.mistake == calls[-1][index][0]


@pytest.mark.parametrize("kind, wrong_function, phrase", [
    ("classification", lambda w, x, y: ref.classification_grads(w, x, 1 - y), "other label"),
    ("regression", lambda w, x, y: hidden.regression_mistakes(w, x, y).popitem()[1],
     "no last sigmoid"),
])
def test_q3_gradient_mistakes_are_named(kind, wrong_function, phrase):
    """Is a gradient function that makes a catalogued mistake rejected, naming it?"""
    with pytest.raises(AnswerError, match=phrase):
        hidden.q3_grads_function(wrong_function, kind, ref.sigmoid)


@pytest.mark.parametrize("test, args, phrase", [
    (hidden.q3a_values, (ref.sigmoid, "sigmoid_prime"), "not its derivative"),
    (hidden.q3a_values, (ref.sigmoid_prime, "sigmoid"), "derivative of sigmoid"),
    (hidden.q2d_bound, ("D", "hidden_units_bound"), "not correct"),
    (hidden.q2d_bound, ("F", "edges_bound"), "one letter from A to E"),
    (hidden.q2c_values, (ref.all_inputs()[:, 0], 8), "adjacent 1s"),
    (hidden.q2b_edges, (12,), "redundant literal"),
    (hidden.q2a_edges, (28,), "dnf_edges is not correct"),
    (hidden.q3a_extremum, (1.0, "sigmoid_prime_max"), "largest value of sigmoid"),
    (hidden.q3a_extremum, (True, "sigmoid_prime_min_attained"),
     "sigmoid_prime_min_attained is not correct"),
])
def test_plausible_mistakes_fail_with_a_message(test, args, phrase):
    """Does each plausible mistake fail its hidden test with a message that names it?"""
    with pytest.raises(AnswerError, match=phrase):
        test(*args)


@pytest.mark.parametrize("answers, phrase", [
    ({"W_updated": handout.W_updated.ravel()}, "shape (4,)"),
    ({"dnf_edges": 35.5}, "whole number"),
    ({"edges_bound": "CD"}, "one letter"),
    ({"sigmoid_prime_min_attained": "False"}, "True or False"),
    ({"grads_regression": [0.8562, np.nan, -123.8]}, "NaN"),
    ({"linear_backward": lambda W, X, dY: ((dY @ X.T).T, W.T @ dY)}, "transposed"),
])
def test_public_and_hidden_reject_the_same_malformed_answer(answers, phrase):
    """Is a malformed answer refused by the public check and by the hidden test alike?"""
    answers = {**REFERENCE, **answers}
    with pytest.raises(AnswerError, match=re.escape(phrase)):
        run_public(answers)
    with pytest.raises(AnswerError, match=re.escape(phrase)):
        run_hidden(answers)


def test_public_module_imports_no_reference_and_no_runtime():
    """Does autograder.student.matrix_backprop stay free of solutions/ and the runtime?"""
    tree = ast.parse(inspect.getsource(public))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported <= {"numpy", "autograder.student.checks", "autograder.student.variants"}, \
        imported


@pytest.mark.parametrize("value, shape, phrase", [
    (np.zeros((3, 2)), (2, 3), "is it transposed?"),
    (np.zeros(4), (2, 2), "wrong layout"),
    ([0.25], (), "should be a single number"),
    (np.zeros((2, 2)), (3,), "should have shape (3,)"),
])
def test_shape_messages_say_what_is_wrong(value, shape, phrase):
    """Does check_finite_shape tell a transposed, re-laid-out or boxed number apart?"""
    from autograder.student.checks import check_finite_shape
    with pytest.raises(AnswerError, match=re.escape(phrase)):
        check_finite_shape(value, shape, "answer")


# --------------------------------------------------------------------------------------
# Partial credit: errors carried forward
# --------------------------------------------------------------------------------------

def _lb_dW_transposed(W, X, dY):
    """linear_backward with dW transposed: right only where W is square."""
    dW, dX = ref.linear_backward(W, X, dY)
    return dW.T, dX


def _gd_step_with(linear_backward):
    """The reference gd_step, stepping with the given linear_backward."""
    def gd_step(W, X, Y, lr):
        return W - lr * linear_backward(W, X, 2 * (W @ X - Y))[0]
    return gd_step


def test_q1c_carries_a_wrong_linear_backward_forward():
    """With dW transposed in linear_backward, does q1b's dW half fail, its dX half pass,
    and does q1c accept a gd_step (and W_updated) that steps with that linear_backward,
    its public check included?"""
    lb = _lb_dW_transposed
    with pytest.raises(AnswerError, match="transposed"):
        hidden.q1b_values(lb, "dW")
    hidden.q1b_values(lb, "dX")
    gd_step = _gd_step_with(lb)
    hidden.q1c_gd_step(gd_step, lb)
    for name, Y in (("W_updated", handout.Q1C_Y), ("W_updated_2019", handout.Q1C_Y_2019)):
        hidden.q1c_w_updated(gd_step(handout.Q1C_W, handout.Q1C_X, Y, handout.Q1C_LR), name, lb,
                             "handout")
        # the right one passes too
        hidden.q1c_w_updated(getattr(handout, name), name, lb, "handout")
    public.q1c_shapes(gd_step, handout.W_updated, handout.W_updated_2019, lb, "handout")


def test_q1c_carry_forward_does_not_excuse_gd_step_own_mistakes():
    """With a right linear_backward, is a gd_step that transposes dW itself still
    refused, and a wrong linear_backward no excuse for a gd_step wrong in another way?"""
    def uphill(linear_backward):
        def gd_step(W, X, Y, lr):
            return W + lr * linear_backward(W, X, 2 * (W @ X - Y))[0]
        return gd_step
    with pytest.raises(AnswerError, match="uphill"):
        hidden.q1c_gd_step(uphill(ref.linear_backward), ref.linear_backward)
    with pytest.raises(AnswerError):
        hidden.q1c_gd_step(uphill(_lb_dW_transposed), _lb_dW_transposed)
    with pytest.raises(AnswerError):
        hidden.q1c_gd_step(_gd_step_with(_lb_dW_transposed), ref.linear_backward)


def test_q1c_gd_step_right_on_its_own_passes_whatever_linear_backward_does():
    """Does a right gd_step that computes dW itself pass with a linear_backward that
    returns nothing usable?"""
    hidden.q1c_gd_step(ref.gd_step, lambda W, X, dY: None)
    for name in ("W_updated", "W_updated_2019"):
        hidden.q1c_w_updated(getattr(handout, name), name, lambda W, X, dY: None, "handout")


def _sigmoid_without_minus(z):
    """A plausible wrong sigmoid: 1 / (1 + e^z), i.e. s(-z)."""
    return ref.sigmoid(-np.asarray(z, dtype=float))


@pytest.mark.parametrize("kind", ["classification", "regression"])
def test_q3_carries_a_wrong_sigmoid_forward(kind):
    """With a wrong sigmoid, do gradients written with it pass q3b/q3c (function and
    numbers), the right ones too, and are other wrong gradients still refused?"""
    s = _sigmoid_without_minus
    y = {"classification": handout.Q3_Y_CLASSIFICATION, "regression": handout.Q3_Y_REGRESSION}[kind]

    def carried(w, x, y):
        return ref.grads_with_sigmoid(kind, w, x, y, s)
    hidden.q3_grads_function(carried, kind, s)
    hidden.q3_grads_numbers(carried(handout.Q3_W, handout.Q3_X, y), kind, s, "handout")
    hidden.q3_grads_numbers(getattr(handout, f"grads_{kind}"), kind, s, "handout")
    with pytest.raises(AnswerError):
        hidden.q3_grads_function(carried, kind, ref.sigmoid)
    with pytest.raises(AnswerError):
        hidden.q3_grads_numbers(2 * carried(handout.Q3_W, handout.Q3_X, y), kind, s, "handout")
