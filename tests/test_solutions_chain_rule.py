"""Checks of solutions.chain_rule against central differences and the handout's answers."""

import handout_chain_rule as handout
import numpy as np
import pytest

from solutions import chain_rule as cr
from solutions.gradcheck import (
    assert_close_to_numerical,
    numerical_gradient,
    numerical_jacobian,
    rel_error,
)

SEEDS = [0, 1, 2, 3, 4]


def random_point(seed):
    """A random (c, w, x, y, z), checked to be away from the degenerate a == b (v' = 0)."""
    p = np.random.default_rng(seed).uniform(-2, 2, size=5)
    a, b = cr.intermediates(*p[1:])
    assert abs(a - b) > 1e-2 and abs(p[0]) > 1e-2, "degenerate random point"
    return p


def v_of_vector(p):
    return cr.v_value(*p)


def partials_vector(p):
    d = cr.v_partials(*p)
    return np.array([d["dv_d" + k] for k in cr.INPUTS])


# ---------------------------------------------------------------------------------------
# Q1
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
def test_v_partials_match_central_differences_at_random_point(seed):
    """Does v_partials match central differences at a random point?"""
    p = random_point(seed)
    assert_close_to_numerical(partials_vector(p), numerical_gradient(v_of_vector, p),
                              what=f"dv/d(c,w,x,y,z) seed {seed}")


def test_v_partials_at_the_handout_variants_point():
    """Are the partials at q1b_point's handout variant (2, 1, 0.5, -1, 3) equal to 4, -8, -32,
    16, 24 and to central differences? (The point is this assignment's; the handout evaluates
    nothing.) By hand: a = 0.25, b = 2.25, a - b = -2, v = 8."""
    p = np.array(handout.POINT)
    assert tuple(p) == (2.0, 1.0, 0.5, -1.0, 3.0)
    expected = {"dv_dc": 4.0, "dv_dw": -8.0, "dv_dx": -32.0, "dv_dy": 16.0, "dv_dz": 24.0}
    for got in (cr.partials_at_point(*p), handout.PARTIALS_AT_POINT):
        assert got == pytest.approx(expected, abs=1e-12)
    num = numerical_gradient(v_of_vector, p)
    assert np.allclose(num, [expected["dv_d" + k] for k in cr.INPUTS], atol=1e-6)
    assert cr.v_value(*p) == pytest.approx(8.0)


# The handout's printed closed forms for q1b; each is checked, none is taken on trust.
HANDOUT_FINAL = {
    "dv_dc": lambda c, w, x, y, z, a, b: (a - b) ** 2,
    "dv_dw": lambda c, w, x, y, z, a, b: 4 * c * (a - b) * (w + x + y),
    "dv_dx": lambda c, w, x, y, z, a, b: 4 * c * (a - b) * (w + 2 * y + z),
    "dv_dy": lambda c, w, x, y, z, a, b: 4 * c * (a - b) * (w + 2 * x - z),
    "dv_dz": lambda c, w, x, y, z, a, b: 4 * c * (a - b) * (x - y - z),
}


@pytest.mark.parametrize("name", sorted(HANDOUT_FINAL))
@pytest.mark.parametrize("seed", SEEDS)
def test_handout_closed_forms_match_central_differences(name, seed):
    """Does each of the handout's printed dv/d(input) formulas agree with central differences?

    All five do (dv/dy = 4c(a-b)(w+2x-z) and dv/dz = +4c(a-b)(x-y-z) included), and our
    v_partials agrees with each of them.
    """
    p = random_point(seed)
    a, b = cr.intermediates(*p[1:])
    printed = HANDOUT_FINAL[name](*p, a, b)
    num = numerical_gradient(v_of_vector, p)[cr.INPUTS.index(name[-1])]
    assert rel_error(printed, num) < 1e-6
    assert cr.v_partials(*p)[name] == pytest.approx(printed, rel=1e-12)


# The handout's 1(a) answer, term by term, as functions of the nine edge partials.
HANDOUT_CHAIN_RULE = {
    "dv_dc": lambda p: p["dv_dc"],
    "dv_dw": lambda p: p["dv_da"] * p["da_dw"],
    "dv_dx": lambda p: p["dv_da"] * p["da_dx"] + p["dv_db"] * p["db_dx"],
    "dv_dy": lambda p: p["dv_da"] * p["da_dy"] + p["dv_db"] * p["db_dy"],
    "dv_dz": lambda p: p["dv_db"] * p["db_dz"],
}


def random_partials(seed):
    """Nine arbitrary edge partials, each of magnitude in [0.5, 2], keyed by LOCAL_KEYS."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.5, 2.0, size=9) * rng.choice([-1.0, 1.0], size=9)
    return dict(zip(cr.LOCAL_KEYS, values, strict=True))


@pytest.mark.parametrize("seed", SEEDS)
def test_v_chain_rule_is_the_handouts_1a_answer(seed):
    """Does v_chain_rule give the handout's 1(a) expressions for arbitrary partials?"""
    p = random_partials(seed)
    got = cr.v_chain_rule(p)
    assert set(got) == set(HANDOUT_CHAIN_RULE)
    for key, expr in HANDOUT_CHAIN_RULE.items():
        assert got[key] == pytest.approx(expr(p), rel=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
def test_v_chain_rule_of_the_edge_partials_matches_central_differences(seed):
    """Fed the edge partials at a point, do the 1(a) expressions give dv/d(input) numerically?"""
    point = random_point(seed)
    d = cr.v_chain_rule(cr.local_partials(*point))
    assert_close_to_numerical(np.array([d["dv_d" + k] for k in cr.INPUTS]),
                              numerical_gradient(v_of_vector, point), what="1(a) expressions")


@pytest.mark.parametrize("seed", SEEDS)
def test_local_partials_match_central_differences(seed):
    """Do the edge partials dv/da, dv/db, dv/dc, da/d*, db/d* match central differences?"""
    c, w, x, y, z = random_point(seed)
    a, b = cr.intermediates(w, x, y, z)
    loc = cr.local_partials(c, w, x, y, z)
    # v as a function of (a, b, c) alone
    num_v = numerical_gradient(lambda q: q[2] * (q[0] - q[1]) ** 2, np.array([a, b, c]))
    assert_close_to_numerical([loc["dv_da"], loc["dv_db"], loc["dv_dc"]], num_v, what="dv/d(a,b,c)")
    num_a = numerical_gradient(lambda q: cr.intermediates(*q, z)[0], np.array([w, x, y]))
    assert_close_to_numerical([loc["da_dw"], loc["da_dx"], loc["da_dy"]], num_a, what="da/d(w,x,y)")
    num_b = numerical_gradient(lambda q: cr.intermediates(w, *q)[1], np.array([x, y, z]))
    assert_close_to_numerical([loc["db_dx"], loc["db_dy"], loc["db_dz"]], num_b, what="db/d(x,y,z)")


@pytest.mark.parametrize("seed", SEEDS)
def test_paths_are_the_intermediates_that_depend_on_each_input(seed):
    """Is paths[input] exactly the set of intermediates with a non-zero partial wrt that input?"""
    p = random_point(seed)
    # d(a, b)/d(c, w, x, y, z), shape (2, 5); c does not enter a or b at all.
    jac = numerical_jacobian(lambda q: np.array(cr.intermediates(*q[1:])), p)
    assert np.all(np.abs(jac[0, 1:4]) > 1e-3) and np.all(np.abs(jac[1, 2:]) > 1e-3), \
        "degenerate point: a structurally non-zero partial vanished"
    assert set(cr.paths) == set(cr.INPUTS)
    for j, name in enumerate(cr.INPUTS):
        depends = {inter for i, inter in enumerate("ab") if abs(jac[i, j]) > 1e-8}
        assert cr.paths[name] == depends, name
    assert cr.paths == {"c": set(), "w": {"a"}, "x": {"a", "b"}, "y": {"a", "b"}, "z": {"b"}}


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_wrong_v_partials_are_rejected(seed):
    """Would the check catch dv/dx missing the b path, or dv/dz with the wrong sign?"""
    p = random_point(seed)
    c, w, x, y, z = p
    a, b = cr.intermediates(w, x, y, z)
    num = numerical_gradient(v_of_vector, p)
    only_a_path = 4 * c * (a - b) * (w + x + y)
    with pytest.raises(AssertionError):
        assert_close_to_numerical(only_a_path, num[2], what="dv/dx without the b path")
    flipped = -4 * c * (a - b) * (x - y - z)
    with pytest.raises(AssertionError):
        assert_close_to_numerical(flipped, num[4], what="dv/dz with the sign flipped")


# ---------------------------------------------------------------------------------------
# Q2.1
# ---------------------------------------------------------------------------------------

def random_net(seed, d=3, h=4):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(d)
    p = cr.random_params(d, h, rng)
    assert np.linalg.norm(x) > 1e-2 and np.all(np.abs(p["W1"]) > 1e-3), "degenerate draw"
    return x, p["W0"], p["b0"], p["W1"], p["b1"]


@pytest.mark.parametrize("seed", SEEDS)
def test_forward_shapes_and_values(seed):
    """Does forward return z (h,) = sigma(W0 x + b0) and y (1,) = W1 z + b1?"""
    x, W0, b0, W1, b1 = random_net(seed, d=3, h=4)
    z, y = cr.forward(x, W0, b0, W1, b1)
    assert z.shape == (4,) and y.shape == (1,)
    assert np.allclose(z, 1 / (1 + np.exp(-(W0 @ x + b0))), rtol=1e-12)
    assert np.allclose(y, [W1[0] @ z + b1], rtol=1e-12)
    assert np.all((z > 0) & (z < 1))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("d,h", [(2, 4), (3, 5), (1, 1)])
def test_output_grads_match_central_differences(seed, d, h):
    """Does each dy/d(parameter) from output_grads match central differences, with the
    stated shape?"""
    x, W0, b0, W1, b1 = random_net(seed, d, h)
    g = cr.output_grads(x, W0, b0, W1, b1)
    assert g["dW1"].shape == (1, h) and g["dz"].shape == (h,)
    assert g["dW0"].shape == (h, d) and g["db0"].shape == (h,) and np.ndim(g["db1"]) == 0

    def y_of(**kw):
        args = dict(x=x, W0=W0, b0=b0, W1=W1, b1=b1)
        args.update(kw)
        return cr.forward(**args)[1][0]

    assert_close_to_numerical(g["dW0"], numerical_gradient(lambda t: y_of(W0=t), W0), what="dy/dW0")
    assert_close_to_numerical(g["db0"], numerical_gradient(lambda t: y_of(b0=t), b0), what="dy/db0")
    assert_close_to_numerical(g["dW1"], numerical_gradient(lambda t: y_of(W1=t), W1), what="dy/dW1")
    assert_close_to_numerical(g["db1"], numerical_gradient(lambda t: y_of(b1=float(t)), b1),
                              what="dy/db1")
    z, _ = cr.forward(x, W0, b0, W1, b1)
    num_dz = numerical_gradient(lambda t: W1[0] @ t + b1, z)
    assert_close_to_numerical(g["dz"], num_dz, what="dy/dz")


def test_output_grads_accept_b1_as_a_1_vector():
    """With b1 of shape (1,), is y still (1,) and db1 shaped like b1?"""
    x, W0, b0, W1, b1 = random_net(0)
    z, y = cr.forward(x, W0, b0, W1, np.array([b1]))
    assert y.shape == (1,) and np.allclose(y, cr.forward(x, W0, b0, W1, b1)[1])
    assert cr.output_grads(x, W0, b0, W1, np.array([b1]))["db1"].shape == (1,)


def test_transposed_dW0_and_handout_literal_db0_are_rejected():
    """Would the check reject dW0 transposed, dW0 without sigma', or dy/db0 = W1 o s left (1, h)?"""
    x, W0, b0, W1, b1 = random_net(0, d=3, h=3)  # square, so a transpose is not a shape error
    g = cr.output_grads(x, W0, b0, W1, b1)
    num = numerical_gradient(lambda t: cr.forward(x, t, b0, W1, b1)[1][0], W0)
    with pytest.raises(AssertionError):
        assert_close_to_numerical(g["dW0"].T, num, what="dW0 transposed")
    with pytest.raises(AssertionError):
        assert_close_to_numerical(np.outer(W1[0], x), num, what="dW0 missing z(1-z)")
    # The handout's dy/db0 = W1 o z o (1 - z), read literally with W1 (1, h), is a row.
    z, _ = cr.forward(x, W0, b0, W1, b1)
    literal = W1 * z * (1 - z)
    num_b0 = numerical_gradient(lambda t: cr.forward(x, W0, t, W1, b1)[1][0], b0)
    with pytest.raises(AssertionError, match="shape"):
        assert_close_to_numerical(literal, num_b0, what="literal dy/db0")
    assert_close_to_numerical(literal.T[:, 0], num_b0, what="dy/db0 = W1^T o z o (1 - z)")


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_handout_2_1bc_answers_are_one_layout_the_numerator_layout(seed):
    """Are the handout's dy/dW1 = z (a column, h x 1) and dy/dz = W1 (a row, 1 x h) both the
    numerator layout, i.e. both the transposes of the derivatives shaped like W1 and z?

    So (b) and (c) agree with each other; it is (d) that states its shapes in the other
    layout (dy/dW0 in R^{h x d}, dy/db0 in R^h, shaped like W0 and b0).
    """
    x, W0, b0, W1, b1 = random_net(seed, d=3, h=4)
    z, _ = cr.forward(x, W0, b0, W1, b1)
    # numerator layout, from central differences: d(scalar)/d(column z) is a row (1, h) ...
    row = numerical_jacobian(lambda t: np.atleast_1d(W1[0] @ t + b1), z)
    assert row.shape == (1, 4)
    assert np.allclose(row, W1, atol=1e-7)                    # ... the handout's "W1"
    # ... and d(scalar)/d(W1, 1 x h) is (h, 1): the transpose of the gradient shaped like W1
    grad_W1 = numerical_gradient(lambda t: cr.forward(x, W0, b0, t, b1)[1][0], W1)
    assert np.allclose(grad_W1.T, z[:, None], atol=1e-7)     # ... the handout's "z", a column
    g = cr.output_grads(x, W0, b0, W1, b1)
    assert np.allclose(g["dW1"].T, z[:, None]) and np.allclose(g["dz"][None, :], W1)


def test_handout_2_2b_dW1_is_a_vector_not_the_scalar_one_half():
    """At zero init, is dy/dW1 a vector of h entries 1/2 (the handout writes "z = 1/2")?"""
    from autograder.runtime.verdicts import check_close
    from autograder.student.checks import AnswerError
    x = np.array([0.4, -1.3, 2.0])
    p = cr.constant_params(3, 4, 0.0)
    num = numerical_gradient(lambda t: cr.forward(x, p["W0"], p["b0"], t, 0.0)[1][0], p["W1"])
    assert num.shape == (1, 4) and np.allclose(num, 0.5, atol=1e-8)
    with pytest.raises(AnswerError, match="shape"):
        check_close(0.5, cr.zero_init_grads(x, h=4)["dW1"], "dy/dW1 = 1/2")


def test_handout_2_2b_dW0_as_written_does_not_multiply():
    """Is the zero-init [W1 o z o (1 - z)] x^T, with W1 a row as written, undefined (the
    transpose of 2.1(d) is dropped), while [W1^T o z o (1 - z)] x^T is the (h, d) zero?"""
    x = np.array([0.4, -1.3, 2.0])
    p = cr.constant_params(3, 4, 0.0)
    z, _ = cr.zero_init_values(x, h=4)
    with pytest.raises(ValueError):
        (p["W1"] * z * (1 - z)) @ x[None, :]                  # (1, h) times (1, d)
    fixed = (p["W1"].T * z[:, None] * (1 - z[:, None])) @ x[None, :]
    num = numerical_gradient(lambda t: cr.forward(x, t, p["b0"], p["W1"], 0.0)[1][0], p["W0"])
    assert fixed.shape == (4, 3) and np.allclose(fixed, num, atol=1e-9)
    assert np.allclose(fixed, cr.zero_init_grads(x, h=4)["dW0"])


# ---------------------------------------------------------------------------------------
# Q2.2
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
def test_zero_init_values(seed):
    """With all-zero parameters, is z = 1/2 everywhere and y = 0 for any x?"""
    x = 10 * np.random.default_rng(seed).standard_normal(3)
    for h in (1, 4, 7):
        z, y = cr.zero_init_values(x, h=h)
        assert z.shape == (h,) and np.all(z == 0.5)
        assert y.shape == (1,) and y[0] == 0.0


@pytest.mark.parametrize("seed", SEEDS)
def test_zero_init_grads(seed):
    """At zero init, is dy/dW1 = 1/2, dy/db1 = 1, dy/dz = 0, dy/dW0 = 0, dy/db0 = 0 (and
    right numerically)?"""
    x = np.random.default_rng(seed).standard_normal(3)
    g = cr.zero_init_grads(x, h=4)
    assert np.all(g["dW1"] == 0.5) and g["dW1"].shape == (1, 4)
    assert g["db1"] == 1.0
    assert np.all(g["dz"] == 0) and np.all(g["dW0"] == 0) and np.all(g["db0"] == 0)
    assert g["dW0"].shape == (4, 3) and g["db0"].shape == (4,)
    p = cr.constant_params(3, 4, 0.0)
    num = numerical_gradient(lambda t: cr.forward(x, p["W0"], p["b0"], t, 0.0)[1][0], p["W1"])
    assert_close_to_numerical(g["dW1"], num, what="dy/dW1 at zero init")


def regression_data(seed, n=20, d=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = np.sin(X[:, 0]) + X[:, 1] ** 2 - 0.5 * X[:, 2]
    assert np.std(y) > 0.1 and np.linalg.matrix_rank(X) == d
    return X, y


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_loss_grads_match_central_differences(seed):
    """Does loss_grads (of L = 1/(2N) sum (yhat - y)^2) match central differences for every
    parameter?"""
    X, y = regression_data(seed)
    params = cr.random_params(3, 4, np.random.default_rng(100 + seed))
    g = cr.loss_grads(params, X, y)
    for k in ("W0", "b0", "W1", "b1"):
        def f(t, k=k):
            q = dict(params)
            q[k] = float(t) if k == "b1" else t
            return cr.loss(q, X, y)
        assert np.shape(g[k]) == np.shape(params[k])
        assert_close_to_numerical(g[k], numerical_gradient(f, params[k]), what=f"dL/d{k}")


def test_loss_is_half_mean_squared_error():
    """Is loss exactly 1/(2N) sum (yhat - y)^2?"""
    X, y = regression_data(0)
    params = cr.random_params(3, 4, np.random.default_rng(7))
    _, yhat = cr.predict(params, X)
    assert cr.loss(params, X, y) == pytest.approx(0.5 * np.mean((yhat - y) ** 2), rel=1e-12)


def spread(a):
    """Largest difference between any entry/row and the first one."""
    a = np.asarray(a)
    return float(np.max(np.abs(a - a[0:1]))) if a.ndim == 2 and a.shape[0] > 1 else float(np.ptp(a))


@pytest.mark.parametrize("value", [0.0, 0.3, -0.7, 1.5])
def test_constant_init_keeps_hidden_units_identical(value):
    """From a constant init (zero or not), do all hidden units stay identical after many GD
    steps?"""
    X, y = regression_data(0)
    start = cr.constant_params(3, 5, value)
    trained = cr.gd_train(start, X, y, lr=0.5, steps=1000)
    assert np.max(np.abs(trained["W0"] - start["W0"])) > 1e-2, "parameters did not move"
    scale = max(1.0, float(np.max(np.abs(trained["W0"]))))
    assert spread(trained["W0"]) < 1e-9 * scale
    assert spread(trained["b0"]) < 1e-9 * scale and spread(trained["W1"][0]) < 1e-9 * scale
    # So the network is a single hidden unit with output weight sum(W1).
    Z, yhat = cr.predict(trained, X)
    z1 = cr.sigmoid(X @ trained["W0"][0] + trained["b0"][0])
    assert np.allclose(yhat, trained["W1"].sum() * z1 + trained["b1"], atol=1e-9)
    assert cr.loss(trained, X, y) < cr.loss(start, X, y)


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_random_init_hidden_units_differ(seed):
    """From a random init, do the hidden units get different updates and stay distinct?"""
    X, y = regression_data(0)
    start = cr.random_params(3, 5, np.random.default_rng(seed))
    g = cr.loss_grads(start, X, y)
    rows = g["W0"]
    assert min(np.linalg.norm(rows[i] - rows[j]) for i in range(5) for j in range(i)) > 1e-6
    trained = cr.gd_train(start, X, y, lr=0.5, steps=1000)
    W0 = trained["W0"]
    assert min(np.linalg.norm(W0[i] - W0[j]) for i in range(5) for j in range(i)) > 1e-2


@pytest.mark.parametrize("init", ["constant", "random"])
def test_gd_train_decreases_loss_and_leaves_input_alone(init):
    """Does the loss decrease step after step, with the input params unchanged?"""
    X, y = regression_data(1)
    start = (cr.constant_params(3, 4, 0.2) if init == "constant"
             else cr.random_params(3, 4, np.random.default_rng(5)))
    before = {k: np.copy(v) for k, v in start.items()}
    losses = [cr.loss(cr.gd_train(start, X, y, lr=0.1, steps=s), X, y)
              for s in (0, 1, 10, 100, 500)]
    assert np.all(np.diff(losses) < 0), losses
    assert losses[0] == pytest.approx(cr.loss(start, X, y))
    for k in start:
        assert np.array_equal(start[k], before[k])
    trained = cr.gd_train(start, X, y, lr=0.1, steps=3)
    assert set(trained) == {"W0", "b0", "W1", "b1"}
    assert all(np.shape(trained[k]) == np.shape(start[k]) for k in start)


def test_gd_train_one_step_is_a_gradient_step():
    """Is one gd_train step exactly p - lr * dL/dp?"""
    X, y = regression_data(2)
    start = cr.random_params(3, 4, np.random.default_rng(3))
    g = cr.loss_grads(start, X, y)
    one = cr.gd_train(start, X, y, lr=0.05, steps=1)
    for k in start:
        assert np.allclose(one[k], np.asarray(start[k]) - 0.05 * np.asarray(g[k]), rtol=1e-14)


# ---------------------------------------------------------------------------------------
# Q4
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("m,n,l", [(2, 3, 4), (1, 5, 2), (3, 1, 1)])
def test_composite_jacobian_shape_and_product(m, n, l):
    """Is d(f o g)/dx an (m, l) matrix equal to df/dy @ dg/dx?"""
    rng = np.random.default_rng(m * 100 + n * 10 + l)
    A, B, x = rng.standard_normal((m, n)), rng.standard_normal((n, l)), rng.standard_normal(l)
    f = lambda u: np.tanh(A @ u)
    g = lambda u: np.sin(B @ u)
    J = numerical_jacobian(lambda u: f(g(u)), x)
    assert J.shape == cr.composite_jacobian_shape(m, n, l) == (m, l)
    prod = cr.composite_jacobian(numerical_jacobian(f, g(x)), numerical_jacobian(g, x))
    assert_close_to_numerical(prod, J, tol=1e-6, what="chain rule product")
    with pytest.raises(ValueError):
        cr.composite_jacobian(np.ones((m, n + 1)), np.ones((n, l)))


@pytest.mark.parametrize("n", [1, 3, 6])
def test_composite_derivative_sum(n):
    """For f: R^n -> R and g: R -> R^n, is (f o g)' = sum_i df/dy_i dg_i/dx?"""
    rng = np.random.default_rng(n)
    a, k, x0 = rng.standard_normal(n), rng.standard_normal(n), 0.3
    f = lambda u: float(np.sum(a * u ** 2))
    g = lambda t: np.cos(k * t)
    got = cr.composite_derivative_sum(2 * a * g(x0), -k * np.sin(k * x0))
    num = numerical_gradient(lambda t: f(g(float(t))), np.array(x0))
    assert_close_to_numerical(got, num, what="(f o g)'")


@pytest.mark.parametrize("n", [1, 3, 6])
def test_handout_4b_sum_is_the_4a_product_with_m_l_1(n):
    """Is the 4(b) sum the 4(a) product of a (1, n) by an (n, 1) Jacobian, as it should be?"""
    rng = np.random.default_rng(40 + n)
    df_dy, dg_dx = rng.standard_normal(n), rng.standard_normal(n)
    prod = cr.composite_jacobian(df_dy[None, :], dg_dx[:, None])
    assert prod.shape == (1, 1)
    assert cr.composite_derivative_sum(df_dy, dg_dx) == pytest.approx(prod[0, 0], rel=1e-12)


@pytest.mark.parametrize("n,p,q", [(2, 3, 4), (4, 2, 2), (1, 1, 3)])
def test_matrix_input_jacobian_shapes(n, p, q):
    """Is dg/dW an (n, p, q) tensor, and dg/dvec(W) its (n, p*q) row-major flattening?"""
    rng = np.random.default_rng(n + p + q)
    A, W = rng.standard_normal((n, p * q)), rng.standard_normal((p, q))
    g = lambda M: np.tanh(A @ M.reshape(-1))
    J = numerical_jacobian(g, W)
    assert J.shape == cr.matrix_input_jacobian_shape(n, p, q) == (n, p, q)
    Jflat = numerical_jacobian(lambda v: g(v.reshape(p, q)), W.reshape(-1))
    assert Jflat.shape == cr.flattened_jacobian_shape(n, p, q) == (n, p * q)
    assert np.allclose(J.reshape(cr.flattened_jacobian_shape(n, p, q)), Jflat, atol=1e-9)


def test_gd_train_per_sample_is_gd_train():
    """Is q2_2c's per-sample training (what carries a student's errors forward), with the
    reference forward and output_grads, the reference training?"""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(6, 3))
    y = rng.normal(size=6)
    start = cr.random_params(3, 4, rng)
    want = cr.gd_train(start, X, y, 0.1, 7)
    got = cr.gd_train_per_sample(start, X, y, 0.1, 7)
    for k in want:
        assert np.allclose(got[k], want[k], rtol=1e-12, atol=1e-14), k
