"""Is solutions/matrix_backprop.py right? Checked against central differences and the handouts."""

import itertools

import handout_matrix_backprop as handout
import numpy as np
import pytest

import solutions.matrix_backprop as ref
from solutions.gradcheck import assert_close_to_numerical, numerical_gradient, rel_error


@pytest.mark.parametrize("m, n, N", [(2, 2, 3), (3, 5, 4), (1, 4, 1)])
def test_linear_backward_matches_central_differences(m, n, N):
    """Does linear_backward match central differences of L = sum(G * (W X)) for random G?"""
    rng = np.random.default_rng(m * 100 + n * 10 + N)
    W, X, G = rng.normal(size=(m, n)), rng.normal(size=(n, N)), rng.normal(size=(m, N))
    dW, dX = ref.linear_backward(W, X, G)
    assert dW.shape == W.shape and dX.shape == X.shape
    assert_close_to_numerical(dW, numerical_gradient(lambda W_: np.sum(G * (W_ @ X)), W), what="dW")
    assert_close_to_numerical(dX, numerical_gradient(lambda X_: np.sum(G * (W @ X_)), X), what="dX")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_l2_loss_grad_matches_central_differences(seed):
    """Is dL/dW = 2 (W X - Y) X^T for the summed L2 loss, by central differences?"""
    rng = np.random.default_rng(seed)
    W, X, Y = rng.normal(size=(3, 4)), rng.normal(size=(4, 5)), rng.normal(size=(3, 5))
    numeric = numerical_gradient(lambda W_: ref.l2_loss(W_, X, Y), W)
    assert_close_to_numerical(ref.l2_loss_grad(W, X, Y), numeric)
    assert np.allclose(ref.gd_step(W, X, Y, 0.05), W - 0.05 * numeric, atol=1e-8)


def test_gd_step_reproduces_the_2019_handout():
    """Does gd_step give the 2019 handout's [[0.26, -0.42], [-0.2, 0.28]] (which is right)?"""
    got = ref.gd_step(handout.Q1C_W, handout.Q1C_X, handout.Q1C_Y_2019, 0.1)
    assert np.allclose(got, [[0.26, -0.42], [-0.2, 0.28]], atol=1e-12)


def test_w_updated_is_one_step_on_the_question_data():
    """Is W_updated one step of size 0.1 against the central-difference gradient of L?"""
    numeric = numerical_gradient(lambda W_: ref.l2_loss(W_, handout.Q1C_X, handout.Q1C_Y),
                                 handout.Q1C_W)
    assert np.allclose(handout.W_updated, handout.Q1C_W - 0.1 * numeric, atol=1e-8)
    # by hand: 2 (W X - Y) = [[2, 0.2], [0.4, 3]], times X^T = [[0.4, 6.2], [6, 4.2]]
    assert np.allclose(handout.W_updated, [[0.26, -0.12], [-0.8, -0.02]], atol=1e-12)


def test_handout_norm_formula_for_dL_dY_is_wrong():
    """The 2019 handout writes dL/dy = 2||y - y_hat||: a norm is a number, the gradient is not."""
    W, X, Y = handout.Q1C_W, handout.Q1C_X, handout.Q1C_Y_2019
    norm_version = W - 0.1 * 2 * np.linalg.norm(Y - W @ X) * np.ones_like(Y) @ X.T
    assert not np.allclose(norm_version, ref.gd_step(W, X, Y, 0.1))


# ----------------------------------------------------------------------------- q2

def test_truth_table_rows_are_ordered_with_x0_most_significant():
    """Is row 0b1001 the input x0=1, x1=0, x2=0, x3=1?"""
    assert ref.all_inputs()[0b1001].tolist() == [1, 0, 0, 1]
    assert ref.TRUTH_TABLE.sum() == 7


def test_dnf_network_computes_the_function_with_7_units_35_edges():
    """Does the DNF network compute Figure 1 with one unit per 1 (7 units, 4*7 + 7 edges)?"""
    assert ref.evaluate_network(ref.dnf_network).tolist() == ref.TRUTH_TABLE.tolist()
    assert (ref.dnf_hidden_units, ref.dnf_edges) == (7, 35)


def test_kmap_network_is_minimal_with_3_units_11_edges():
    """Does the K-map network compute Figure 1 with 3 units and 11 edges (not the handout's 12)?"""
    assert ref.evaluate_network(ref.kmap_network).tolist() == ref.TRUTH_TABLE.tolist()
    assert (ref.kmap_hidden_units, ref.kmap_edges) == (3, 11)


def test_handout_kmap_keeps_a_redundant_literal():
    """The handout's not-x0 not-x1 not-x2 x3 term (12 edges) works, but x0 in it is redundant."""
    handout = ref.term_network([{0: 0, 1: 0, 2: 0, 3: 1}, {0: 1, 3: 1}, {0: 0, 1: 1, 3: 0}])
    assert ref.evaluate_network(handout).tolist() == ref.TRUTH_TABLE.tolist()
    assert ref.edges(handout) == 12
    # dropping x0 from its first term still computes the function, with one edge fewer
    assert ref.edges(ref.kmap_network) == ref.edges(handout) - 1


def test_no_sop_cover_with_fewer_than_8_literals():
    """Is 8 input edges (3 terms) the fewest any sum of products of Figure 1 needs?"""
    ones = {i for i in range(16) if ref.TRUTH_TABLE[i]}
    implicants = []
    for assignment in itertools.product([None, 0, 1], repeat=4):
        rows = {i for i in range(16)
                if all(a is None or ((i >> (3 - j)) & 1) == a for j, a in enumerate(assignment))}
        if rows <= ones:
            implicants.append((sum(a is not None for a in assignment), rows))
    best = None
    for k in range(1, 5):
        for combo in itertools.combinations(implicants, k):
            if set().union(*(r for _, r in combo)) == ones:
                cost = (k, sum(c for c, _ in combo))
                best = cost if best is None or cost < best else best
        if best:
            break
    assert best == (3, 8)


def test_irreducible_maps_are_exactly_parity_and_its_complement():
    """Are parity and its complement the only 16-row maps with eight 1s and no two adjacent?"""
    found = [t for t in itertools.product([0, 1], repeat=16) if ref.is_irreducible_maximal(t)]
    parity = tuple(ref.irreducible_truth_table.tolist())
    assert sorted(found) == sorted([parity, tuple(1 - np.array(parity))])
    assert ref.irreducible_dnf_neurons == 8


def test_no_map_has_more_than_eight_isolated_ones():
    """Can 9 ones avoid adjacency? (No: the map is bipartite with 8 + 8 cells.)"""
    for t in itertools.product([0, 1], repeat=16):
        if sum(t) > 8:
            assert ref.adjacent_ones(t)


# ----------------------------------------------------------------------------- q3

def test_sigmoid_is_stable_at_plus_minus_1000():
    """Does sigmoid(+-1000) give 1 and 0 without an overflow warning?"""
    with np.errstate(all="raise"):
        assert ref.sigmoid(np.array([-1000.0, 0.0, 1000.0])).tolist() == [0.0, 0.5, 1.0]


def test_sigmoid_prime_matches_central_differences_and_peaks_at_zero():
    """Is s' = s(1 - s) by central differences, with its maximum 1/4 at z = 0?"""
    z = np.linspace(-6, 6, 41)
    numeric = np.array([numerical_gradient(lambda t: ref.sigmoid(t).sum(), np.array([zi]))[0]
                        for zi in z])
    assert rel_error(ref.sigmoid_prime(z), numeric) < 1e-8
    assert z[np.argmax(ref.sigmoid_prime(z))] == ref.sigmoid_prime_argmax
    assert ref.sigmoid_prime(0.0) == ref.sigmoid_prime_max == 0.25


@pytest.mark.parametrize("kind", ["classification", "regression"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_q3_grads_match_central_differences(kind, seed):
    """Do classification_grads and regression_grads match central differences of their losses?"""
    rng = np.random.default_rng(seed)
    w, x = rng.normal(size=3), float(rng.normal())
    y = float(rng.integers(0, 2)) if kind == "classification" else float(rng.normal() * 10)
    loss = getattr(ref, f"{kind}_loss")
    grads = getattr(ref, f"{kind}_grads")(w, x, y)
    assert_close_to_numerical(grads, numerical_gradient(lambda w_: loss(w_, x, y), w))


def test_q3_values_agree_with_the_handout():
    """Do the gradients at w = (0.25, -0.11, 0.78), x = 0.63 match the handout's numbers?"""
    assert np.allclose(handout.grads_classification, [0.001364, -0.04271, -0.19723], rtol=6e-4)
    assert np.allclose(handout.grads_regression, [0.8562, -26.818, -123.84], rtol=6e-4)
    assert_close_to_numerical(handout.grads_regression, numerical_gradient(
        lambda w_: ref.regression_loss(w_, handout.Q3_X, handout.Q3_Y_REGRESSION), handout.Q3_W))


def test_handout_dyhat_dw2_for_regression_has_a_stray_factor():
    """The handout's regression dy_hat/dw2 keeps s'(f3) (there is no last sigmoid); its
    number omits it."""
    f1, f2, f3 = ref.forward_chain(handout.Q3_W, handout.Q3_X)
    right = handout.Q3_W[2] * ref.sigmoid_prime(f2) * ref.sigmoid(f1)
    as_written = ref.sigmoid_prime(f3) * right
    assert abs(right - 0.1051) < 1e-4 and abs(as_written - 0.1051) > 1e-2


# ----------------------------------------------------------------------------- issue 12

def test_w_updated_2019_is_the_000_handout_answer_two_ways():
    """Is W_updated_2019 the 2019 answer [[0.26, -0.42], [-0.2, 0.28]], by formula and
    numerically?"""
    W, X, Y = handout.Q1C_W, handout.Q1C_X, handout.Q1C_Y_2019
    numeric = numerical_gradient(lambda W_: ref.l2_loss(W_, X, Y), W)
    assert np.allclose(handout.W_updated_2019, W - 0.1 * numeric, atol=1e-8)
    # by hand, as the handout: 2 (Y_hat - Y) = [[3, 0.2], [0.4, 0]], X^T = [[0, 3], [2, 1]]
    closed = W - 0.1 * np.array([[3, 0.2], [0.4, 0]]) @ np.array([[0, 3], [2, 1]])
    assert np.allclose(handout.W_updated_2019, closed, atol=1e-12)
    assert np.allclose(handout.W_updated_2019, [[0.26, -0.42], [-0.2, 0.28]], atol=1e-12)


def test_handout_xT_swaps_x12_and_x21_but_keeps_x13_in_place():
    """The 2019 q1(a) prints X^T with x12 and x21 swapped; x13 (and x22, x23) are in place."""
    X = np.array([[11, 12, 13], [21, 22, 23]])
    printed = np.array([[11, 12], [21, 22], [13, 23]])  # the handout's "X^T"
    wrong = {tuple(int(v) for v in pair) for pair in np.argwhere(printed != X.T)}
    assert wrong == {(0, 1), (1, 0)}
    assert {int(printed[0, 1]), int(printed[1, 0])} == {12, 21}
    assert printed[2, 0] == X.T[2, 0] == 13


def test_sigmoid_prime_minimum_is_0_and_never_attained():
    """Is inf s' = 0, approached at both ends but not reached (s' > 0 for every finite z)?"""
    assert (ref.sigmoid_prime_min, ref.sigmoid_prime_min_attained) == (0.0, False)
    # closed form: s' = e^{-|z|} / (1 + e^{-|z|})^2 > 0, below e^{-|z|} -> 0
    z = np.array([-700.0, -30.0, -10.0, 10.0, 30.0])  # (s rounds to 1.0 beyond z = 36)
    s = ref.sigmoid_prime(z)
    assert np.all(s > 0) and np.all(s <= np.exp(-np.abs(z)))
    # central differences of sigmoid agree at z = +-10 (4.5e-5, the handout's "fast")
    for zi in (-10.0, 10.0):
        numeric = numerical_gradient(lambda t: ref.sigmoid(t).sum(), np.array([zi]))[0]
        assert abs(numeric - ref.sigmoid_prime(zi)) < 1e-9 and 4e-5 < numeric < 5e-5
    # and it is the infimum: every value on a wide grid lies above 0 and below the max
    grid = np.linspace(-30, 30, 10001)
    assert ref.sigmoid_prime(grid).min() > ref.sigmoid_prime_min
    assert ref.sigmoid_prime(grid).max() <= ref.sigmoid_prime_max


def test_handout_dyhat_dw3_for_regression_keeps_the_same_stray_factor():
    """000's regression dy_hat/dw3 writes [s'(f3)] [s(f2)] but its number 0.4852 is s(f2) alone."""
    f1, f2, f3 = ref.forward_chain(handout.Q3_W, handout.Q3_X)
    right = ref.sigmoid(f2)  # y_hat = w3 s(f2): dy_hat/dw3 = s(f2)
    numeric = numerical_gradient(lambda w_: np.array(ref.regression_predict(w_, handout.Q3_X)),
                                 handout.Q3_W.copy())[2]
    assert abs(right - numeric) < 1e-8
    as_written = ref.sigmoid_prime(f3) * right
    assert abs(right - 0.4852) < 1e-4 and abs(as_written - 0.4852) > 0.1


@pytest.mark.parametrize("kind, hand, intermediates", [
    ("classification", [0.001364, -0.04271, -0.19723],
     [0.00081 * 1.6849, -0.02535 * 1.6849, -0.1171 * 1.6849]),
    ("regression", [0.8562, -26.8184, -123.8373],
     [-0.003354 * -255.2431, 0.1051 * -255.2431, 0.4852 * -255.2431]),
])
def test_handout_q3_answers_pass_the_hand_tolerance(kind, hand, intermediates):
    """Do 000's printed 3(b)/3(c) answers, and the products of its 4-digit intermediates,
    pass HAND?"""
    from autograder.runtime.verdicts import HAND, check_close
    expected = getattr(handout, f"grads_{kind}")
    check_close(hand, expected, kind, **HAND)
    check_close(intermediates, expected, kind, **HAND)


@pytest.mark.parametrize("kind", ["classification", "regression"])
def test_grads_with_the_true_sigmoid_are_the_reference(kind):
    """Is q3's carried-forward formula, given the true sigmoid, the reference gradient?"""
    rng = np.random.default_rng(7)
    for _ in range(5):
        w, x, y = rng.normal(size=3), float(rng.normal()), float(rng.integers(0, 2))
        assert np.allclose(ref.grads_with_sigmoid(kind, w, x, y),
                           getattr(ref, f"{kind}_grads")(w, x, y), rtol=1e-12)
