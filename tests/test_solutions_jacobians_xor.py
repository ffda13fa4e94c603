"""Package tests for :mod:`solutions.jacobians_xor`: every derivative against central differences.

The handout's numbers are compared only where they are correct; its mistakes are asserted to
be mistakes (see the tests named ``..._handout_...``).
"""

import warnings

import handout_jacobians_xor as handout
import numpy as np
import pytest

from autograder.student.checks import normalize_letters
from autograder.student.jacobians_xor import MCQ_OPTIONS
from solutions import jacobians_xor as sol
from solutions.gradcheck import (
    assert_close_to_numerical,
    numerical_gradient,
    numerical_jacobian,
    rel_error,
)

N, D, K = handout.N, handout.D, handout.K  # 5, 3, 4


def _inputs(seed, n=N, d=D, k=K):
    """Random w (d,), x (d,), X (n, d), W (k, d), checked not to be degenerate."""
    rng = np.random.default_rng(seed)
    w, x = rng.normal(size=d), rng.normal(size=d)
    X, W = rng.normal(size=(n, d)), rng.normal(size=(k, d))
    for a in (w, x, X, W):
        assert np.all(np.abs(a) > 1e-3), "degenerate random input; change the seed"
    return w, x, X, W


def _item_call(item, seed):
    """(forward as a function of the differentiated argument, analytic Jacobian, point)."""
    w, x, X, W = _inputs(seed)
    f, jac = sol.jacobian_items[item]
    if item == 3:
        return (lambda v: f(v, x)), jac(w, x), w
    if item == 4:
        return (lambda v: f(v, X)), jac(w, X), w
    if item == 7:
        return (lambda V: f(V, X)), jac(W, X), W
    return f, jac(w), w


# ------------------------------------------------------------------------------ q1


def test_mcq_answers_cover_the_multiple_choice_items_in_canonical_form():
    """Are exactly the items with options answered, each with sorted valid option letters?"""
    assert sorted(sol.mcq_answers) == sorted(MCQ_OPTIONS) == [1, 2, 3, 4, 9, 10]
    for q, ans in sol.mcq_answers.items():
        assert ans == "".join(sorted(ans)) and set(ans) <= set(MCQ_OPTIONS[q]), (q, ans)


def test_mcq_answers_agree_with_the_checked_handout_answers():
    """Do the reference answers equal the handout's (all six were checked and are right)?"""
    printed = {1: "A", 2: "B", 3: "A", 4: "D", 9: "A", 10: "A"}
    assert {q: normalize_letters(a, "answer") for q, a in sol.mcq_answers.items()} == \
        {q: frozenset(a) for q, a in printed.items()}


# ------------------------------------------------------------------------------ q2


@pytest.mark.parametrize("item", range(1, 8))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_jacobian_matches_central_differences(item, seed):
    """Does jac_* for q2 item ``item`` match the central-difference Jacobian of its f?"""
    f, analytic, point = _item_call(item, seed)
    assert_close_to_numerical(analytic, numerical_jacobian(f, point),
                              what=f"q2 item {item} Jacobian")


@pytest.mark.parametrize("item", range(1, 8))
def test_jacobian_shape_table_agrees_with_numerical_and_analytic_shapes(item):
    """For the handout's n=5, d=3, k=4, is jacobian_shapes[item] the shape of both
    Jacobians?"""
    f, analytic, point = _item_call(item, seed=10)
    assert numerical_jacobian(f, point).shape == handout.jacobian_shapes[item]
    assert analytic.shape == handout.jacobian_shapes[item]


def test_jacobian_shapes_for_other_sizes():
    """Does jacobian_shapes_for follow (n, d, k) for other sizes, including item 7 =
    (n, k, k, d)?"""
    assert handout.jacobian_shapes == sol.jacobian_shapes_for(5, 3, 4)
    assert handout.jacobian_shapes[7] == (5, 4, 4, 3)
    for n, d, k in [(2, 3, 4), (6, 1, 2)]:
        shapes = sol.jacobian_shapes_for(n, d, k)
        w, x, X, W = _inputs(3, n, d, k)
        # X bound as a default: each lambda is used at once, in its own iteration
        assert (numerical_jacobian(lambda V, X=X: sol.f_XWt(V, X), W).shape == shapes[7]
                == (n, k, k, d))
        assert (numerical_jacobian(lambda v, X=X: sol.f_matvec(v, X), w).shape == shapes[4]
                == (n, d))
        assert numerical_jacobian(sol.f_sq_norm, w).shape == shapes[2] == (1, d)


def test_jac_XWt_handout_formula_with_1_i_eq_k_is_wrong():
    """Does the handout's J_ijkl = X_il 1[i=k] differ from central differences while
    X_il 1[j=k] matches them?"""
    _, _, X, W = _inputs(4)
    numeric = numerical_jacobian(lambda V: sol.f_XWt(V, X), W)
    typo = np.broadcast_to(X[:, None, None, :] * np.eye(N, K)[:, None, :, None], (N, K, K, D))
    correct = np.einsum("il,jk->ijkl", X, np.eye(K))
    assert typo.shape == numeric.shape == (N, K, K, D)
    assert rel_error(typo, numeric) > 0.1, "the handout's 1[i=k] formula should not match"
    assert_close_to_numerical(correct, numeric, what="X_il 1[j=k]")
    np.testing.assert_array_equal(sol.jac_XWt(W, X), correct)


def test_jacobians_accept_column_vectors():
    """Is a (d, 1) column vector w treated like the (d,) vector?"""
    w, x, X, _ = _inputs(5)
    np.testing.assert_array_equal(sol.jac_square(w[:, None]), sol.jac_square(w))
    np.testing.assert_array_equal(sol.jac_dot(w[:, None], x[:, None]), sol.jac_dot(w, x))
    with pytest.raises(ValueError):
        sol.jac_matvec(w, X[:, :2])


# ------------------------------------------------------------------------------ q3

ACTIVATIONS = [(sol.sigmoid, sol.sigmoid_prime), (sol.relu, sol.relu_prime),
               (sol.tanh, sol.tanh_prime)]
EXTREMES = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])


@pytest.mark.parametrize("act, act_prime", ACTIVATIONS, ids=["sigmoid", "relu", "tanh"])
def test_activation_derivative_matches_central_differences(act, act_prime):
    """Is act' the diagonal of the central-difference Jacobian of act (so act is elementwise)?"""
    z = np.random.default_rng(6).uniform(-6, 6, size=12)
    assert np.min(np.abs(z)) > 1e-3 and (z > 0).any() and (z < 0).any()  # away from ReLU's kink
    assert_close_to_numerical(np.diag(act_prime(z)), numerical_jacobian(act, z),
                              what=f"{act.__name__} derivative")


@pytest.mark.parametrize("act, act_prime", ACTIVATIONS, ids=["sigmoid", "relu", "tanh"])
def test_activations_quiet_and_finite_at_plus_minus_1000(act, act_prime):
    """Do act and act' run without any floating-point warning at +-1000 and stay finite?"""
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        out, slope = act(EXTREMES), act_prime(EXTREMES)
    assert out.shape == slope.shape == EXTREMES.shape
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(slope))


def test_activation_values_at_extremes_and_zero():
    """Are sigma, ReLU, tanh and their derivatives right at -1000, 0, 1000, with ReLU'(0) = 0?"""
    np.testing.assert_allclose(sol.sigmoid(EXTREMES), [0, 1 / (1 + np.exp(50)), 0.5,
                                                        1 / (1 + np.exp(-50)), 1], rtol=1e-12)
    np.testing.assert_array_equal(sol.relu(EXTREMES), [0, 0, 0, 50, 1000])
    np.testing.assert_array_equal(sol.relu_prime(EXTREMES), [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(sol.tanh(EXTREMES), [-1, -1, 0, 1, 1])
    assert sol.sigmoid_prime(EXTREMES)[[0, -1]].tolist() == [0.0, 0.0]
    assert sol.tanh_prime(EXTREMES)[[0, -1]].tolist() == [0.0, 0.0]
    assert sol.sigmoid(0.0) == 0.5 and sol.sigmoid_prime(0.0) == 0.25
    assert sol.relu_prime(0.0) == 0.0 and sol.tanh_prime(0.0) == 1.0
    z = np.linspace(-3, 3, 7).reshape(7, 1)
    assert sol.sigmoid(z).shape == (7, 1)


def test_handout_sigmoid_code_is_right_on_its_own_range():
    """Is the handout's 1 / (1 + np.exp(-z)) quiet and right on the range it plots, [-10, 10]?

    It is a convention of the handout, not an error: only far outside that range (the
    addition q3_stable) does it overflow, see the next test.
    """
    z = np.linspace(-10, 10, 201)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        theirs = 1 / (1 + np.exp(-z))
        s = theirs * (1 - theirs)
    np.testing.assert_allclose(theirs, sol.sigmoid(z), rtol=1e-14)
    np.testing.assert_allclose(s, sol.sigmoid_prime(z), rtol=1e-10)


def test_handout_sigmoid_code_overflows_at_minus_1000():
    """Does the handout's 1 / (1 + np.exp(-z)) overflow at z = -1000 (why q3_stable exists)?"""
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        1 / (1 + np.exp(-np.array([-1000.0])))


def test_softmax_stable_at_1000_0_minus_1000():
    """Is softmax([1000, 0, -1000]) = [1, 0, 0], warning-free, with a finite Jacobian?"""
    z = np.array([1000.0, 0.0, -1000.0])
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        s, J = sol.softmax(z), sol.softmax_jacobian(z)
    np.testing.assert_allclose(s, [1.0, 0.0, 0.0], atol=1e-300)
    assert s.sum() == 1.0 and J.shape == (3, 3) and np.all(np.isfinite(J))
    np.testing.assert_allclose(J.sum(axis=1), 0.0, atol=1e-15)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_softmax_and_jacobian_match_central_differences(seed):
    """Does softmax sum to 1, ignore shifts, and have the central-difference Jacobian?"""
    z = np.random.default_rng(seed).normal(scale=2.0, size=5)
    s = sol.softmax(z)
    assert s.shape == (5,) and np.all(s > 0)
    np.testing.assert_allclose(s.sum(), 1.0, rtol=1e-15)
    np.testing.assert_allclose(sol.softmax(z + 100.0), s, rtol=1e-12)
    J = sol.softmax_jacobian(z)
    assert_close_to_numerical(J, numerical_jacobian(sol.softmax, z), what="softmax Jacobian")
    np.testing.assert_allclose(J.sum(axis=1), 0.0, atol=1e-15)
    np.testing.assert_allclose(J, J.T, atol=1e-17)


def test_softmax_jacobian_without_diagonal_term_fails_the_check():
    """Would -sigma sigma^T (missing diag(sigma)) be caught by central differences?"""
    z = np.random.default_rng(7).normal(size=4)
    wrong = -np.outer(sol.softmax(z), sol.softmax(z))
    assert rel_error(wrong, numerical_jacobian(sol.softmax, z)) > 0.1
    assert np.max(np.abs(wrong.sum(axis=1))) > 0.1  # its rows do not sum to 0 either


# ------------------------------------------------------------------------------ q4


def test_single_layer_cannot_xor_because_z_is_linear():
    """Is single_layer_can_xor False, and does z(0,1)+z(1,0) = z(0,0)+z(1,1) (the proof's
    identity) hold for random single-layer weights?"""
    assert sol.single_layer_can_xor is False
    rng = np.random.default_rng(8)
    for _ in range(5):
        w, b = rng.normal(size=2), rng.normal()
        z = sol.XOR_INPUTS @ w + b
        np.testing.assert_allclose(z[1] + z[2], z[0] + z[3], rtol=1e-12)


def test_reference_xor_weights_compute_xor():
    """Do the (handout's) weights W1, b1, W2, b2 output exactly 0, 1, 1, 0?"""
    assert sol.W1.shape == (2, 2) and sol.b1.shape == (2,) and sol.W2.shape == (1, 2)
    assert np.ndim(sol.b2) == 0
    np.testing.assert_array_equal(sol.xor_outputs(sol.W1, sol.b1, sol.W2, sol.b2), [0, 1, 1, 0])


def test_xor_outputs_accept_equivalent_parameter_forms():
    """Are lists, W2 as (2,) or (2, 1), b1 as (2, 1) and b2 as (1,) all accepted alike?"""
    forms = [
        ([[1, 1], [1, 1]], [0, -1], [1, -2], 0),
        ([[1, 1], [1, 1]], [[0], [-1]], [[1], [-2]], [0.0]),
        (sol.W1, sol.b1, sol.W2.ravel(), np.array([[0.0]])),
    ]
    for params in forms:
        np.testing.assert_array_equal(sol.xor_outputs(*params), [0, 1, 1, 0])
    with pytest.raises(ValueError):
        sol.xor_outputs(sol.W1, sol.b1, [1, -2, 3], 0)


def _loss_of(name, params, X, y):
    """The MSE as a function of one parameter, the others held at ``params``."""
    def loss(value):
        p = dict(params, **{name: value})
        return sol.xor_mse_loss(p["W1"], p["b1"], p["W2"], p["b2"], X, y)
    return loss


def test_xor_zero_init_grads_match_central_differences():
    """At all-zero parameters, do the gradients match central differences, with only db2
    = -2 mean(y) = -1 non-zero?"""
    X, y = sol.XOR_INPUTS, sol.XOR_TARGETS
    grads = sol.xor_zero_init_grads(X, y)
    zeros = {"W1": np.zeros((2, 2)), "b1": np.zeros(2), "W2": np.zeros((1, 2)), "b2": 0.0}
    for name, value in zeros.items():
        numeric = numerical_gradient(_loss_of(name, zeros, X, y), value)
        assert np.shape(grads["d" + name]) == np.shape(value)
        np.testing.assert_allclose(grads["d" + name], numeric, atol=1e-8, err_msg=name)
    for name in ("dW1", "db1", "dW2"):
        assert np.all(grads[name] == 0.0), name
    assert grads["db2"] == pytest.approx(-1.0, rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_xor_mse_grads_match_central_differences_at_random_params(seed):
    """Away from zero, does the backward pass (used for q4.3) match central differences?"""
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(size=(3, 2)), "b1": rng.normal(size=3),
              "W2": rng.normal(size=(1, 3)), "b2": float(rng.normal())}
    X, y = sol.XOR_INPUTS, sol.XOR_TARGETS
    Z1 = X @ params["W1"].T + params["b1"]
    assert np.min(np.abs(Z1)) > 1e-3, "too close to ReLU's kink; change the seed"
    grads = sol.xor_mse_grads(params["W1"], params["b1"], params["W2"], params["b2"], X, y)
    for name, value in params.items():
        numeric = numerical_gradient(_loss_of(name, params, X, y), value)
        assert_close_to_numerical(grads["d" + name], numeric, what="d" + name)


# ------------------------------------------------------------------------------ q5

HANDOUT_GRAPH = {  # the handout's rounded numbers at [1, 3, 2]; all of these are right
    "h1": 0.0, "h2": 20.0855, "h3": 40.171, "f": 40.171, "df_dh1": 1.0, "df_dh2": 2.0,
    "df_dh3": 1.0, "df_dx": 1.0, "df_dy": 40.171, "df_dz": 20.0855,
}


def test_graph_values_at_1_3_2_match_central_differences():
    """At [x, y, z] = [1, 3, 2], do f's and each node's derivatives match central differences?"""
    x, y, z = handout.GRAPH_POINT
    g = sol.graph_forward_backward(x, y, z)
    assert g == handout.graph_values
    assert g["h1"] == 0.0 and g["h2"] == pytest.approx(np.exp(3.0), rel=1e-15)
    assert g["f"] == pytest.approx(g["h1"] + g["h3"], rel=1e-15)

    def f(v):
        return np.log(v[0]) + np.exp(v[1]) * v[2]
    d_inputs = numerical_gradient(f, np.array([x, y, z]))
    assert_close_to_numerical([g["df_dx"], g["df_dy"], g["df_dz"]], d_inputs, what="df/d(x,y,z)")
    # f as a function of (h1, h2) with h3 = h2 z, and of h3 directly.
    d_h12 = numerical_gradient(lambda h: h[0] + h[1] * z, np.array([g["h1"], g["h2"]]))
    d_h3 = numerical_gradient(lambda h: g["h1"] + h[0], np.array([g["h3"]]))
    assert_close_to_numerical([g["df_dh1"], g["df_dh2"], g["df_dh3"]],
                              np.concatenate([d_h12, d_h3]), what="df/dh")


def test_graph_values_agree_with_handout_where_it_is_right():
    """Do the handout's rounded values (to 4 significant figures) agree with ours?"""
    for name, value in HANDOUT_GRAPH.items():
        assert handout.graph_values[name] == pytest.approx(value, rel=1e-4, abs=1e-12), name


def test_graph_handout_upstream_bullet_df_dh2_equals_1_is_wrong():
    """The handout's first upstream bullet says df/dh2 = 1; is the value really z = 2?"""
    assert handout.graph_values["df_dh2"] == 2.0 != 1.0


@pytest.mark.parametrize("seed", [0, 1])
def test_graph_gradients_match_central_differences_at_random_points(seed):
    """Away from [1, 3, 2], does graph_forward_backward match central differences?"""
    rng = np.random.default_rng(seed)
    v = np.array([rng.uniform(0.5, 3.0), rng.normal(), rng.normal()])
    g = sol.graph_forward_backward(*v)
    numeric = numerical_gradient(lambda u: np.log(u[0]) + np.exp(u[1]) * u[2], v)
    assert_close_to_numerical([g["df_dx"], g["df_dy"], g["df_dz"]], numeric, what="df/d(x,y,z)")
    with pytest.raises(ValueError):
        sol.graph_forward_backward(0.0, 1.0, 1.0)


def _graph_eval(graph, x, y, z):
    """Evaluate a computation graph {node: inputs} node by node, with the handout's operations."""
    ops = {"h1": lambda v: np.log(v["x"]), "h2": lambda v: np.exp(v["y"]),
           "h3": lambda v: v["h2"] * v["z"], "f": lambda v: v["h1"] + v["h3"]}
    values = {"x": x, "y": y, "z": z}
    pending = [n for n in graph if n not in values]
    while pending:
        ready = [n for n in pending if all(i in values for i in graph[n])]
        assert ready, "the graph has a cycle"
        for n in ready:
            values[n] = ops[n](values)
            pending.remove(n)
    return values


def test_computation_graph_computes_f_one_operation_per_node():
    """Evaluated node by node, does the q5.1 graph give the forward values of q5.2, with
    each node using only its listed inputs and at most two of them?"""
    g = sol.computation_graph
    assert set(g) == {"x", "y", "z", "h1", "h2", "h3", "f"}
    assert all(len(ins) <= 2 for ins in g.values())
    values = _graph_eval(g, *handout.GRAPH_POINT)
    for name in ("h1", "h2", "h3", "f"):
        assert values[name] == pytest.approx(handout.graph_values[name], rel=1e-15), name
    rng = np.random.default_rng(11)
    x, y, z = rng.uniform(0.5, 3), rng.normal(), rng.normal()
    assert _graph_eval(g, x, y, z)["f"] == pytest.approx(np.log(x) + np.exp(y) * z, rel=1e-14)


def test_local_partials_at_1_3_2_match_central_differences_of_each_node():
    """Is each q5.3 local partial the central difference of its node's operation, and equal
    to the closed forms 1/x, e^y, z, e^y, 1, 1 at [1, 3, 2]?"""
    x, y, z = handout.GRAPH_POINT
    lp = handout.local_partials
    assert lp == sol.local_partials_at(x, y, z)
    h2 = np.exp(y)
    numeric = {
        "dh1_dx": numerical_gradient(lambda v: np.log(v[0]), np.array([x]))[0],
        "dh2_dy": numerical_gradient(lambda v: np.exp(v[0]), np.array([y]))[0],
        "dh3_dh2": numerical_gradient(lambda v: v[0] * z, np.array([h2]))[0],
        "dh3_dz": numerical_gradient(lambda v: h2 * v[0], np.array([z]))[0],
        "df_dh1": numerical_gradient(lambda v: v[0] + 2 * h2, np.array([0.0]))[0],
        "df_dh3": numerical_gradient(lambda v: 0.0 + v[0], np.array([2 * h2]))[0],
    }
    closed = {"dh1_dx": 1 / x, "dh2_dy": np.exp(y), "dh3_dh2": z, "dh3_dz": np.exp(y),
              "df_dh1": 1.0, "df_dh3": 1.0}
    assert set(lp) == set(numeric) == set(closed)
    for key in lp:
        assert lp[key] == pytest.approx(numeric[key], rel=1e-6), key
        assert lp[key] == pytest.approx(closed[key], rel=1e-15), key


def test_local_partials_chain_to_the_input_gradients():
    """Do the local partials multiply along each path to df/dx, df/dy, df/dz of q5.4?"""
    lp, v = handout.local_partials, handout.graph_values
    assert lp["df_dh1"] * lp["dh1_dx"] == pytest.approx(v["df_dx"], rel=1e-15)
    assert lp["df_dh3"] * lp["dh3_dh2"] * lp["dh2_dy"] == pytest.approx(v["df_dy"], rel=1e-15)
    assert lp["df_dh3"] * lp["dh3_dz"] == pytest.approx(v["df_dz"], rel=1e-15)


def test_handout_local_partials_are_right():
    """Do the handout's 5.3 local partials (1, 20.0855, 2, 20.0855, 1, 1) agree to 4 s.f.?"""
    printed = {"dh1_dx": 1, "dh2_dy": 20.0855, "dh3_dh2": 2, "dh3_dz": 20.0855, "df_dh1": 1,
               "df_dh3": 1}
    for key, value in printed.items():
        assert handout.local_partials[key] == pytest.approx(value, rel=1e-4), key


# ------------------------------------------------------------------ the handout's q4 claims


def test_handout_4_3_zero_init_is_not_stuck_at_0_but_at_the_mean():
    """From zero initialisation, do W1, b1, W2 stay exactly 0 while b2 moves, so the output
    becomes the constant mean(y) = 0.5 (the handout says "stuck outputting 0")?

    Checked two ways: gradient descent with the reference gradients, and the closed form
    b2_t = mean(y) (1 - (1 - 2 lr)^t) of the MSE's gradient -2 (mean(y) - b2) in b2 alone.
    """
    X, y, lr = sol.XOR_INPUTS, sol.XOR_TARGETS, 0.1
    for steps in (1, 5, 200):
        p, losses = sol.xor_gradient_descent(sol.constant_init(0.0), X, y, lr, steps)
        for name in ("W1", "b1", "W2"):
            assert np.all(p[name] == 0.0), name
        assert p["b2"] == pytest.approx(np.mean(y) * (1 - (1 - 2 * lr) ** steps), rel=1e-12)
    y_hat = sol.xor_outputs(p["W1"], p["b1"], p["W2"], p["b2"])
    np.testing.assert_allclose(y_hat, 0.5, atol=1e-12)  # constant, and not 0
    assert losses[0] == pytest.approx(0.5) and losses[-1] == pytest.approx(0.25, rel=1e-9)
    assert np.all(np.abs(y_hat - sol.XOR_TARGETS) > 0.4)  # wrong on every input


def test_handout_4_4_claim_fails_for_a_non_monotone_activation():
    """With f(t) = t^2, does one symmetric unit represent XOR, and does gradient descent from
    every parameter equal to 0.5 learn XOR (so 4.4's "arbitrary activation" is false)?"""
    u = sol.XOR_SQUARE_UNIT
    y_hat = sol.xor_forward(u["W1"], u["b1"], u["W2"], u["b2"], sol.XOR_INPUTS, "square")[0]
    np.testing.assert_array_equal(y_hat, sol.XOR_TARGETS)
    np.testing.assert_array_equal(1 - (sol.XOR_INPUTS.sum(axis=1) - 1) ** 2, sol.XOR_TARGETS)
    p, losses = sol.xor_gradient_descent(sol.constant_init(0.5), sol.XOR_INPUTS,
                                         sol.XOR_TARGETS, lr=0.1, steps=5000,
                                         activation="square")
    assert losses[-1] < 1e-12 < losses[0]
    y_hat = sol.xor_forward(p["W1"], p["b1"], p["W2"], p["b2"], sol.XOR_INPUTS, "square")[0]
    np.testing.assert_allclose(y_hat, sol.XOR_TARGETS, atol=1e-6)
    # the symmetry was never broken: it did not need to be
    np.testing.assert_allclose(p["W1"], p["W1"][0, 0], rtol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_handout_4_4_claim_holds_for_monotone_activations(activation):
    """From every parameter equal to 0.5, do the hidden units stay identical (and both input
    weights equal), so that the MSE never drops below the monotone bound 1/6?"""
    X, y = sol.XOR_INPUTS, sol.XOR_TARGETS
    p, losses = sol.xor_gradient_descent(sol.constant_init(0.5), X, y, lr=0.1, steps=3000,
                                         activation=activation)
    np.testing.assert_allclose(p["W1"], p["W1"][0, 0], rtol=1e-12)
    np.testing.assert_allclose(p["b1"], p["b1"][0], rtol=1e-12)
    np.testing.assert_allclose(p["W2"], p["W2"][0, 0], rtol=1e-12)
    assert min(losses) >= sol.XOR_MONOTONE_SYMMETRIC_MIN_MSE - 1e-9


def test_monotone_bound_one_sixth_is_the_isotonic_minimum():
    """Is 1/6 the least MSE of a monotone g at s = x1 + x2 = 0, 1, 1, 2 against 0, 1, 1, 0,
    by brute force over a grid and attained at (0, 2/3, 2/3, 2/3)?"""
    t = sol.XOR_TARGETS
    grid = np.linspace(-0.5, 1.5, 41)
    best = np.inf
    for a in grid:
        for b in grid[grid >= a]:
            for c in grid[grid >= b]:
                best = min(best, np.mean((np.array([a, b, b, c]) - t) ** 2))
    assert best >= sol.XOR_MONOTONE_SYMMETRIC_MIN_MSE - 1e-12  # increasing g; decreasing is
    assert np.mean((np.array([0, 2 / 3, 2 / 3, 2 / 3]) - t) ** 2) == \
        pytest.approx(sol.XOR_MONOTONE_SYMMETRIC_MIN_MSE)  # symmetric: g(s) -> g(2 - s)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "square"])
def test_xor_grads_for_each_activation_match_central_differences(activation):
    """For each hidden activation, does the reference backward pass match central differences?"""
    rng = np.random.default_rng(12)
    params = {"W1": rng.normal(size=(3, 2)), "b1": rng.normal(size=3),
              "W2": rng.normal(size=(1, 3)), "b2": float(rng.normal())}
    X, y = sol.XOR_INPUTS, sol.XOR_TARGETS
    assert np.min(np.abs(X @ params["W1"].T + params["b1"])) > 1e-3
    grads = sol.xor_mse_grads(params["W1"], params["b1"], params["W2"], params["b2"], X, y,
                              activation)
    for name, value in params.items():
        def loss(v, name=name):
            q = dict(params, **{name: v})
            return sol.xor_mse_loss(q["W1"], q["b1"], q["W2"], q["b2"], X, y, activation)
        assert_close_to_numerical(grads["d" + name], numerical_gradient(loss, value),
                                  what=f"d{name} ({activation})")
