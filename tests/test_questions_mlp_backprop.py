"""mlp-backprop's public checks and hidden tests, run in process on plain Python answers.

The reference passes every test case; every equivalent form of a right answer passes the
public check AND the hidden test; each plausible mistake fails the hidden test with its
name; and each mistake catalogue entry differs from the right value (else it could never
be told apart).
"""

import re

import handout_mlp_backprop as handout
import numpy as np
import pytest

import autograder.runtime.questions.mlp_backprop as hidden
import autograder.student.mlp_backprop as public
import solutions.mlp_backprop as ref
from autograder.runtime import variant_grading
from autograder.student.checks import AnswerError

# The shapes worked out by hand, at the handout variant's widths d, h, k = 3, 4, 2
LAYER_TABLE = handout.layer_table
JACOBIAN_SHAPES = handout.jacobian_shapes
HANDOUT = "handout"  # the student_email of the solution notebook


def fails(check, *args, needle=""):
    """The message of the AnswerError ``check(*args)`` raises; fails the test if none does."""
    with pytest.raises(AnswerError) as caught:
        check(*args)
    assert needle in str(caught.value), str(caught.value)
    return str(caught.value)


def test_the_vocabulary_is_the_references():
    """Are the labels, term names and layers the public checks know those of solutions/?"""
    assert sorted(public.STEP_LABELS) == sorted(ref.training_step_order)
    assert list(public.TERM_NAMES) == ref.CHANGEABLE_TERMS
    assert list(public.LAYERS) == [row[0] for row in ref.layer_table(1, 2, 3)]
    assert set(public.JACOBIANS) == set(JACOBIAN_SHAPES)


def test_the_reference_passes_every_public_and_hidden_test_case():
    """Does the reference solution pass all 7 public and 16 hidden test cases?"""
    order = list(ref.training_step_order)
    terms, terms_bce = set(ref.changed_terms), set(ref.changed_terms_bce)
    public.q1a_format(order)
    public.q1b_structure(ref.mlp_forward, LAYER_TABLE, HANDOUT)
    public.q1c_structure(ref.mse_loss, ref.mlp_forward, ref.mlp_backward)
    public.q1c_table_structure(ref.gradient_table)
    public.q1d_structure(ref.activation_jacobian, JACOBIAN_SHAPES, HANDOUT)
    public.q2a_structure(ref.mlp_forward, ref.mlp_backward, terms)
    public.q2b_structure(ref.bce_loss, terms_bce)
    hidden.q1a_order(order)
    hidden.forward_values(ref.mlp_forward, "q1b")
    hidden.forward_values(ref.mlp_forward, "q2a")
    hidden.q1b_layer_table(LAYER_TABLE, HANDOUT)
    hidden.loss_values(ref.mse_loss, "mse")
    hidden.loss_values(ref.bce_loss, "bce")
    hidden.q1c_backward_shapes(ref.mlp_forward, ref.mlp_backward)
    hidden.backward_values(ref.mlp_forward, ref.mlp_backward, "q1c")
    hidden.backward_values(ref.mlp_forward, ref.mlp_backward, "q2a")
    hidden.gradient_table_rows(ref.gradient_table, ("W2", "b2"))
    hidden.gradient_table_rows(ref.gradient_table, ("W1", "b1"))
    hidden.q1d_activation_jacobian(ref.activation_jacobian)
    hidden.q1d_jacobian_shapes(JACOBIAN_SHAPES, HANDOUT)
    hidden.changed_terms_answer(terms, "activations", "changed_terms")
    hidden.changed_terms_answer(terms_bce, "bce", "changed_terms_bce")
    hidden.q2b_stable(ref.bce_loss)


# --------------------------------------------------------------------------------------
# Equivalent forms: accepted by the public check and the hidden test alike
# --------------------------------------------------------------------------------------

def _as_lists(function):
    """``function`` returning its result with every array turned into nested lists."""
    def lists(value):
        if isinstance(value, np.ndarray):
            return value.tolist()
        if isinstance(value, dict):
            return {k: lists(v) for k, v in value.items()}
        if isinstance(value, tuple):
            return tuple(lists(v) for v in value)
        return value
    return lambda *args: lists(function(*args))


@pytest.mark.parametrize("table", [
    {**LAYER_TABLE, "f": (np.array([4]), (4.0,)), "Loss": ([2.0], np.array([]))},
    {**LAYER_TABLE, "Loss": (((2,), [2]), ())},
    {**LAYER_TABLE, "Linear1": ([3], [np.int64(4)]), "g": ((2.0,), (2,))},
])
def test_layer_tables_in_any_shape_form_pass_public_and_hidden(table):
    """Are (5.0,), [5], np.array([5]) and the Loss pair accepted by both sides?"""
    public.read_layer_table(table)
    hidden.q1b_layer_table(table, HANDOUT)


@pytest.mark.parametrize("shapes", [
    {"dz2_dz1": [4, 4], "dyhat_dz3": (2.0, 2.0), "dl_dyhat": (2,)},
    {"dz2_dz1": np.array([4, 4]), "dyhat_dz3": (np.int64(2), 2), "dl_dyhat": [1.0, 2.0]},
])
def test_jacobian_shapes_in_any_form_pass_public_and_hidden(shapes):
    """Are lists, whole floats, arrays and the gradient form (k,) accepted by both sides?"""
    public.read_jacobian_shapes(shapes)
    hidden.q1d_jacobian_shapes(shapes, HANDOUT)


@pytest.mark.parametrize("order", [
    ("forward", "loss", "zero_grad", "backward", "step"),
    ["Forward", "Loss", "zero grad", "Backward ", "STEP"],
    ["zero_grad", "forward", "loss", "backward", "step"],
])
def test_step_orders_in_any_form_pass_public_and_hidden(order):
    """Are tuples, capitals, spaces and an early zero_grad accepted by both sides?"""
    public.q1a_format(order)
    hidden.q1a_order(order)


def test_functions_returning_lists_and_numpy_scalars_pass_public_and_hidden():
    """Do lists for arrays and numpy scalars for numbers pass both sides?"""
    forward = _as_lists(ref.mlp_forward)
    backward = _as_lists(ref.mlp_backward)
    mse = _as_lists(lambda y_hat, y: (np.float64(ref.mse_loss(y_hat, y)[0]),
                                      ref.mse_loss(y_hat, y)[1]))
    bce = _as_lists(lambda y_hat, y: (np.array(ref.bce_loss(y_hat, y)[0]),
                                      ref.bce_loss(y_hat, y)[1]))
    table = _as_lists(lambda *args: {k: (v[0] if k[0] == "b" else v)
                                     for k, v in ref.gradient_table(*args).items()})
    jacobian = _as_lists(ref.activation_jacobian)
    public.q1b_structure(forward, LAYER_TABLE, HANDOUT)
    public.q1c_structure(mse, forward, backward)
    public.q1c_table_structure(table)
    public.q1d_structure(jacobian, JACOBIAN_SHAPES, HANDOUT)
    public.q2a_structure(forward, backward, ["z2", "y_hat", "dz2_dz1", "dyhat_dz3 "])
    public.q2b_structure(bce, ("loss", "dl_dyhat"))
    hidden.forward_values(forward, "q1b")
    hidden.loss_values(mse, "mse")
    hidden.loss_values(bce, "bce")
    hidden.backward_values(forward, backward, "q1c")
    hidden.backward_values(forward, backward, "q2a")
    hidden.gradient_table_rows(table, ("W1", "b1"))
    hidden.gradient_table_rows(table, ("W2", "b2"))
    hidden.q1d_activation_jacobian(jacobian)
    hidden.q2b_stable(bce)


def _raises(*args):
    raise RuntimeError("broken")


def test_a_right_backward_passes_public_and_hidden_when_forward_raises():
    """With an mlp_forward that raises, does a right mlp_backward pass q1c's public check
    and hidden tests (both fall back to a cache of the suggested keys)?"""
    public.q1c_structure(ref.mse_loss, _raises, ref.mlp_backward)
    hidden.q1c_backward_shapes(_raises, ref.mlp_backward)
    hidden.backward_values(_raises, ref.mlp_backward, "q1c")


# --------------------------------------------------------------------------------------
# Plausible mistakes: rejected and named
# --------------------------------------------------------------------------------------

def test_a_transposed_weight_gradient_is_named_by_public_and_hidden():
    """Is dW1 in the handout's numerator layout named as such on both sides?"""
    def backward(*args):
        grads = ref.mlp_backward(*args)
        return {**grads, "dW1": grads["dW1"].T}
    needle = "numerator-layout"
    fails(public.q1c_structure, ref.mse_loss, ref.mlp_forward, backward, needle=needle)
    fails(hidden.backward_values, ref.mlp_forward, backward, "q1c", needle=needle)
    fails(hidden.q1c_backward_shapes, ref.mlp_forward, backward, needle=needle)


def test_a_per_sample_bias_gradient_is_named_by_public_and_hidden():
    """Is a bias gradient with one row per sample told it is not summed over the batch?"""
    def backward(dJ, cache, params, f, g):
        grads = ref.mlp_backward(dJ, cache, params, f, g)
        return {**grads, "db2": np.asarray(dJ) * ref.activation_prime(cache["z3"], g)}
    fails(public.q1c_structure, ref.mse_loss, ref.mlp_forward, backward,
          needle="not summed over the batch")
    fails(hidden.backward_values, ref.mlp_forward, backward, "q2a",
          needle="not summed over the batch")


def test_a_cache_that_is_not_plain_data_fails_public_and_hidden():
    """Is a cache holding an object refused by the public check and the hidden forward test?"""
    def forward(*args):
        y_hat, cache = ref.mlp_forward(*args)
        return y_hat, {**cache, "model": object()}
    fails(public.q1b_structure, forward, LAYER_TABLE, HANDOUT, needle="is not plain data")
    fails(hidden.forward_values, forward, "q1b", needle="is not plain data")


@pytest.mark.parametrize("order, needle", [
    (["forward", "loss", "backward", "zero_grad", "step"], "erases the gradients"),
    (["forward", "loss", "zero_grad", "step", "backward"], "step uses the gradients"),
    (["loss", "forward", "zero_grad", "backward", "step"], "cannot come before forward"),
    (["forward", "backward", "loss", "zero_grad", "step"], "loss must be computed first"),
])
def test_wrong_step_orders_are_named(order, needle):
    """Does each wrong order pass the public check and fail the hidden test, named?"""
    public.q1a_format(order)
    fails(hidden.q1a_order, order, needle=needle)


@pytest.mark.parametrize("order, needle", [
    (["forward", "loss", "zero_grad", "backward", "update"], "'update' is not one of"),
    (["forward", "loss", "backward", "step"], "five labels, not 4"),
    (["forward", "loss", "loss", "backward", "step"], "exactly once"),
    (..., "still `...`"),
])
def test_malformed_step_orders_fail_public_and_hidden_alike(order, needle):
    """Is a malformed order refused with the same message on both sides?"""
    assert fails(public.q1a_format, order, needle=needle) == fails(hidden.q1a_order, order)


@pytest.mark.parametrize("row, needle", [
    (("f", ((3,), (3,))), "It uses the input width d"),
    (("Loss", ((2,), (1,))), "The loss is a single number."),
    (("Linear1", ((3,), (4, 3))), "That is the shape of a weight matrix"),
    (("g", ((2, 1), (2,))), "an extra dimension of 1"),
    (("Loss", (((2,), (1,)), ())), "The input shape of Loss in layer_table is not right"),
])
def test_wrong_layer_tables_are_named(row, needle):
    """Does a wrong layer-table row pass the public check and fail the hidden test, named?"""
    table = {**LAYER_TABLE, row[0]: row[1]}
    public.read_layer_table(table)
    fails(hidden.q1b_layer_table, table, HANDOUT, needle=needle)


@pytest.mark.parametrize("key, shape, needle", [
    ("dz2_dz1", (3, 3), "it uses the input width d"),
    ("dyhat_dz3", (4, 4), "it uses the hidden width h"),
    ("dl_dyhat", (2, 1), "looks transposed"),
    ("dz2_dz1", (4,), "that is the shape of a vector"),
])
def test_wrong_jacobian_shapes_are_named(key, shape, needle):
    """Does a wrong Jacobian shape pass the public check and fail the hidden test, named?"""
    shapes = {**JACOBIAN_SHAPES, key: shape}
    public.read_jacobian_shapes(shapes)
    fails(hidden.q1d_jacobian_shapes, shapes, HANDOUT, needle=needle)


# --------------------------------------------------------------------------------------
# Every student's own widths d, h, k (q1b's layer table, q1d's Jacobian shapes)
# --------------------------------------------------------------------------------------

ADA = "ada@example.edu"


@pytest.fixture
def submitted_by():
    """Start a grading whose submission metadata names these emails; none again after."""
    yield variant_grading.start_grading
    variant_grading.start_grading(None)


def _own_shapes(email):
    """The right layer_table and jacobian_shapes at the widths of ``email``'s variant."""
    w = public.VARIANTS.numbers("widths", email)
    return (ref.layer_table_dict(w["d"], w["h"], w["k"]),
            ref.jacobian_shapes(w["d"], w["k"], w["h"]))


def test_a_students_own_widths_differ_from_the_handouts_in_every_shape():
    """Are Ada's widths three different numbers, none the handout's in the same place, so
    that her fixtures tell her numbers from the handout's in both questions?"""
    ada = public.VARIANTS.numbers("widths", ADA)
    assert len(set(ada.values())) == 3
    assert all(ada[key] != public.VARIANTS.handout["widths"][key] for key in ada)


@pytest.mark.parametrize("email", [HANDOUT, ADA])
def test_the_right_shapes_at_ones_own_widths_pass_public_and_hidden(email):
    table, shapes = _own_shapes(email)
    public.q1b_structure(ref.mlp_forward, table, email)
    public.q1d_structure(ref.activation_jacobian, shapes, email)
    hidden.q1b_layer_table(table, email)
    hidden.q1d_jacobian_shapes(shapes, email)


@pytest.mark.parametrize("email", [HANDOUT, ADA])
def test_every_layer_table_slip_is_named_at_ones_own_widths(email):
    """Is each catalogued slip of each layer-table entry refused, with its description
    as the mistake, at the handout's widths and at a student's own?"""
    table, _ = _own_shapes(email)
    w = public.VARIANTS.numbers("widths", email)
    count = 0
    for layer, (want_in, want_out) in table.items():
        for side, want in (("input", want_in), ("output", want_out)):
            for shape, why in hidden.layer_shape_mistakes(want, w["d"], w["h"], w["k"]).items():
                row = (shape, want_out) if side == "input" else (want_in, shape)
                wrong = {**table, layer: row}
                with pytest.raises(AnswerError, match=f"The {side} shape of {layer}") as info:
                    hidden.q1b_layer_table(wrong, email)
                assert info.value.mistake == why and why in str(info.value)
                count += 1
    assert count >= 40


@pytest.mark.parametrize("email", [HANDOUT, ADA])
def test_every_jacobian_shape_slip_is_named_at_ones_own_widths(email):
    _, shapes = _own_shapes(email)
    w = public.VARIANTS.numbers("widths", email)
    mistakes = hidden.jacobian_shape_mistakes(w["d"], w["h"], w["k"])
    assert [len(m) for m in mistakes.values()] == [3, 3, 2]
    for key, slips in mistakes.items():
        for shape, why in slips.items():
            with pytest.raises(AnswerError, match=re.escape(f"jacobian_shapes[{key!r}]")) as info:
                hidden.q1d_jacobian_shapes({**shapes, key: shape}, email)
            assert info.value.mistake == why


@pytest.mark.parametrize("check, answer", [
    (hidden.q1b_layer_table, LAYER_TABLE), (hidden.q1d_jacobian_shapes, JACOBIAN_SHAPES)])
def test_the_handouts_shapes_from_a_students_account_are_told_so(submitted_by, check, answer):
    """Submitted from Ada's account, are the handout's widths' shapes refused as another
    variant's, without Ada's right shapes in the message?"""
    submitted_by([ADA])
    for email in (HANDOUT, ADA):
        with pytest.raises(AnswerError, match="right for the handout's numbers") as info:
            check(answer, email)
        assert info.value.mistake == variant_grading.OTHER_VARIANT
    check(_own_shapes(ADA)[0 if check is hidden.q1b_layer_table else 1], ADA)


def test_another_students_shapes_are_told_so(submitted_by):
    """Ada's shapes, submitted from Bob's account with Ada's email in the notebook: named as
    the notebook email's numbers, and Bob's own shapes pass."""
    submitted_by(["bob@example.edu"])
    table, shapes = _own_shapes(ADA)
    needle = "the numbers of the email written in the notebook"
    fails(hidden.q1b_layer_table, table, ADA, needle=needle)
    fails(hidden.q1d_jacobian_shapes, shapes, ADA, needle=needle)
    bob_table, bob_shapes = _own_shapes("bob@example.edu")
    hidden.q1b_layer_table(bob_table, ADA)
    hidden.q1d_jacobian_shapes(bob_shapes, ADA)


@pytest.mark.parametrize("email, needle", [
    ("", "student_email is empty"), ("...", 'student_email is still "..."'),
    (None, "student_email is not defined"), ("ada at example", "does not look like an email")])
def test_a_wrong_student_email_fails_public_and_hidden_with_its_message(email, needle):
    """With the numbers a wrong email shows (nan), is each check told about the email,
    not about nan shapes, and never crashes?"""
    w = public.VARIANTS.show("widths", email)
    table = {  # the solution's table, at the nan widths
        "Linear1": ((w["d"],), (w["h"],)), "f": ((w["h"],), (w["h"],)),
        "Linear2": ((w["h"],), (w["k"],)), "g": ((w["k"],), (w["k"],)), "Loss": ((w["k"],), ())}
    shapes = {"dz2_dz1": (w["h"], w["h"]), "dyhat_dz3": (w["k"], w["k"]),
              "dl_dyhat": (1, w["k"])}
    fails(public.q1b_structure, ref.mlp_forward, table, email, needle=needle)
    fails(public.q1d_structure, ref.activation_jacobian, shapes, email, needle=needle)
    fails(hidden.q1b_layer_table, table, email, needle=needle)
    fails(hidden.q1d_jacobian_shapes, shapes, email, needle=needle)


@pytest.mark.parametrize("value", [(5.5,), (-1,), "4", (True, 4), ...])
def test_malformed_shapes_fail_public_and_hidden_alike(value):
    """Is a malformed shape refused with the same message on both sides?"""
    shapes = {**JACOBIAN_SHAPES, "dz2_dz1": value}
    assert fails(public.read_jacobian_shapes, shapes) == fails(hidden.q1d_jacobian_shapes, shapes,
                                                               HANDOUT)


def test_read_loss_input_takes_one_shape_or_a_pair():
    """Is the Loss row's input one shape, or a pair of shapes, never a 2-D shape mistaken?"""
    assert public.read_loss_input((2,), "s") == ((2,),)
    assert public.read_loss_input(((2,), [2.0]), "s") == ((2,), (2,))
    assert public.read_loss_input([np.array([2]), np.array([2])], "s") == ((2,), (2,))
    assert public.read_loss_input((2, 2), "s") == ((2, 2),)  # a shape, not a pair


@pytest.mark.parametrize("task, answer", [
    ("activations", {"z2", "y_hat", "dz2_dz1", "dyhat_dz3"}),                     # reading 1
    ("activations", ["z2", "z3", "y_hat", "loss", "dl_dW2", "dz2_dz1", "dyhat_dz3"]),  # handout
    ("activations", ("dyhat_dz3 ", "dz2_dz1", "y_hat", "z2", "z2")),
    ("bce", {"loss", "dl_dyhat"}),                                                # handout 1.3(b)
    ("bce", ["dl_dyhat", "loss"]),
])
def test_changed_terms_accepts_both_readings_and_the_handouts_answers(task, answer):
    """Are the answers of both readings, the handout's among them, accepted in any container?"""
    public.read_term_names(answer, "x")
    hidden.changed_terms_answer(answer, task, "x")


@pytest.mark.parametrize("task, answer, needle", [
    ("activations", {"z2", "y_hat", "dz2_dz1"}, "misses at least one term"),
    ("activations", {"z2", "z3", "y_hat", "dz2_dz1", "dyhat_dz3"}, "mixes the two readings"),
    ("activations", {"z2", "y_hat", "dz2_dz1", "dyhat_dz3", "dz3_dW2"},
     "does not change under either reading"),
    ("activations", {"loss", "dl_dyhat"}, "switching to the cross-entropy"),
    ("bce", {"loss"}, "misses at least one term"),
    ("bce", {"loss", "dl_dyhat", "dl_dW2"}, "does not change under either reading"),
    ("bce", {"z2", "y_hat", "dz2_dz1", "dyhat_dz3"}, "changing the activations"),
])
def test_changed_terms_rejects_and_names_mistakes(task, answer, needle):
    """Is a wrong set accepted by the public check, rejected by the hidden test with the kind
    of mistake named, and no term named?"""
    public.read_term_names(answer, "changed_terms")
    message = fails(hidden.changed_terms_answer, answer, task, "changed_terms", needle=needle)
    if needle.startswith(("misses", "mixes", "does not")):
        right = ref.CHANGED_TERMS_READINGS[task][1]
        assert not any(f"'{t}'" in message or f'"{t}"' in message for t in right)


@pytest.mark.parametrize("answer, needle", [
    ({"z2", "relu"}, "'relu' is not one of the listed names"),
    (..., "still `...`"),
    ("z2", "should be a set of names"),
])
def test_malformed_term_sets_fail_public_and_hidden_alike(answer, needle):
    """Is a malformed set of names refused with the same message on both sides?"""
    assert (fails(public.read_term_names, answer, "changed_terms", needle=needle)
            == fails(hidden.changed_terms_answer, answer, "activations", "changed_terms"))


def test_mse_mistakes_name_the_element_mean():
    """Is torch's mean over all n k elements a named MSE mistake, distinct from the answer?"""
    rng = np.random.default_rng(5)
    y_hat, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    J_bad, dJ_bad = hidden.loss_mistakes("mse", y_hat, y)
    torch_J = [v for what, v in J_bad.items() if "torch.nn.MSELoss()" in what]
    torch_dJ = [v for what, v in dJ_bad.items() if "torch.nn.MSELoss()" in what]
    assert torch_J == [pytest.approx(np.mean((y_hat - y) ** 2))]
    np.testing.assert_allclose(torch_dJ[0], 2 * (y_hat - y) / 12)


def test_numerator_layout_is_named_and_only_when_it_applies():
    """Is the transpose of a weight gradient named "numerator layout", and nothing else?"""
    rng = np.random.default_rng(6)
    right = rng.normal(size=(4, 3))
    message = hidden.numerator_layout_message("dW1", right.T, right)
    assert "numerator-layout" in message and "looks transposed" in message
    assert hidden.numerator_layout_message("dW1", right, right) is None
    assert hidden.numerator_layout_message("dW1", 2 * right.T, right) is None
    square = rng.normal(size=(3, 3))
    assert hidden.numerator_layout_message("dW1", square.T, square) is not None
    symmetric = square + square.T  # its transpose is itself: right, not a layout slip
    assert hidden.numerator_layout_message("dW1", symmetric, symmetric) is None
    assert hidden.numerator_layout_message("db1", right[0], right[0]) is None


# --------------------------------------------------------------------------------------
# Every catalogue entry differs from the right value on the graded problems
# --------------------------------------------------------------------------------------

def _differs(wrong, right):
    wrong, right = np.asarray(wrong, dtype=float), np.asarray(right, dtype=float)
    return wrong.shape != right.shape or not np.allclose(wrong, right, rtol=1e-3, atol=1e-9)


def test_forward_mistakes_differ_from_the_reference():
    """Is every named forward mistake distinguishable on every graded problem?"""
    for question in ref.FORWARD_CASES:
        for f, g, X, params in ref.forward_cases(question):
            right = ref.mlp_forward(X, params, f, g)[0]
            for what, wrong in hidden.forward_mistakes(X, params, f, g).items():
                assert _differs(wrong, right), (question, what)


def test_backward_mistakes_differ_from_the_reference():
    """Is every named backward mistake distinguishable on some gradient of each problem?"""
    for question in ("q1c", "q2a"):
        for f, g, X, params, dJ in ref.backward_cases(question):
            cache = ref.mlp_forward(X, params, f, g)[1]
            right = ref.mlp_backward(dJ, cache, params, f, g)
            for what, wrong in hidden.backward_mistakes(dJ, cache, params, f, g).items():
                assert any(_differs(wrong[key], right[key]) for key in right), (question, what)


@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_loss_mistakes_differ_from_the_reference(loss):
    """Is every named loss mistake distinguishable on every graded batch?"""
    for y_hat, y in ref.loss_cases(loss):
        J, dJ = ref.LOSSES[loss](y_hat, y)
        J_bad, dJ_bad = hidden.loss_mistakes(loss, y_hat, y)
        assert all(_differs(wrong, J) for wrong in J_bad.values())
        assert all(_differs(wrong, dJ) for wrong in dJ_bad.values())


def test_gradient_table_and_jacobian_mistakes_differ_from_the_reference():
    """Is every named 1.2(c) row mistake and Jacobian mistake distinguishable?"""
    for args in ref.gradient_table_cases():
        right = ref.gradient_table(*args)
        for row, mistakes in hidden.gradient_table_mistakes(*args).items():
            for what, wrong in mistakes.items():
                assert _differs(wrong, right[row]), (row, what)
    for name, z in ref.activation_jacobian_cases():
        right = ref.activation_jacobian(z, name)
        named = [w for w in hidden.activation_jacobian_mistakes(z, name).values()
                 if _differs(w, right)]
        # for m = 1 the tiled forms are the diagonal itself; for identity so is the activation
        assert len(named) >= (1 if len(z) == 1 else 2), (name, len(z))


def test_each_gradient_is_its_own_test_case():
    """Partial credit: does a backward pass with only dW1 wrong fail the dW1 case alone,
    and a loss with only dJ/dy_hat wrong fail the dJ case alone?"""
    def backward(*args):
        grads = ref.mlp_backward(*args)
        return {**grads, "dW1": 2 * grads["dW1"]}
    for key in ("dW2", "db2", "db1"):
        hidden.backward_values(ref.mlp_forward, backward, "q1c", [key])
    with pytest.raises(AnswerError):
        hidden.backward_values(ref.mlp_forward, backward, "q1c", ["dW1"])

    def mse(y_hat, y):
        J, dJ = ref.mse_loss(y_hat, y)
        return J, 3 * dJ
    hidden.loss_values(mse, "mse", "J")
    with pytest.raises(AnswerError):
        hidden.loss_values(mse, "mse", "dJ")
