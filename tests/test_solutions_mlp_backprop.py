"""Package tests for ``solutions.mlp_backprop``: every derivative against central differences."""

import warnings

import numpy as np
import pytest

import solutions.mlp_backprop as ref
from solutions.gradcheck import (
    assert_close_to_numerical,
    numerical_gradient,
    numerical_jacobian,
)
from solutions.mlp_backprop import (
    ACTIVATIONS,
    BCE_EPS,
    CHANGEABLE_TERMS,
    LOSSES,
    activation,
    activation_jacobian,
    activation_prime,
    bce_loss,
    changed_terms,
    changed_terms_bce,
    changed_terms_handout,
    is_valid_training_step_order,
    jacobian_shapes,
    layer_table,
    mlp_backward,
    mlp_forward,
    mlp_loss_and_grads,
    mse_loss,
    training_step_order,
)

PARAM_NAMES = ("W1", "b1", "W2", "b2")
KINK_MARGIN = 1e-3
# (f, g, loss): every activation pair with MSE; BCE only where y_hat = sigmoid(z3) is in (0, 1).
CASES = ([(f, g, "mse") for f in ACTIVATIONS for g in ACTIVATIONS]
         + [(f, "sigmoid", "bce") for f in ACTIVATIONS])


def make_problem(seed, f, g, loss, n=None, d=None, h=None, k=None):
    """A seeded random problem (X, y, params) of small random size.

    Redraws (from the same generator, so still deterministic) until no ReLU input is
    within KINK_MARGIN of 0, so central differences never straddle a kink, and every
    ReLU layer passes some signal (else the gradients are trivially all zero).
    """
    rng = np.random.default_rng(seed)
    n = n or int(rng.integers(1, 5))
    d = d or int(rng.integers(1, 5))
    h = h or int(rng.integers(1, 6))
    k = k or int(rng.integers(1, 4))
    for _ in range(1000):
        X = rng.normal(size=(n, d))
        params = {"W1": rng.normal(size=(h, d)), "b1": rng.normal(size=h),
                  "W2": rng.normal(size=(k, h)), "b2": rng.normal(size=k)}
        _, cache = mlp_forward(X, params, f, g)
        z1, z3 = cache["z1"], cache["z3"]
        if ((f != "relu" or (np.min(np.abs(z1)) > KINK_MARGIN and np.any(z1 > 0)))
                and (g != "relu" or (np.min(np.abs(z3)) > KINK_MARGIN
                                     and np.all(np.any(z3 > 0, axis=0))))):
            break
    if loss == "bce":
        y = rng.integers(0, 2, size=(n, k)).astype(np.float64)
    else:
        y = rng.normal(size=(n, k))
    return X, y, params


def loss_of(X, y, params, f, g, loss):
    y_hat, _ = mlp_forward(X, params, f, g)
    return LOSSES[loss](y_hat, y)[0]


def numerical_param_grads(X, y, params, f, g, loss):
    out = {}
    for name in PARAM_NAMES:
        def J(p, name=name):
            return loss_of(X, y, {**params, name: p}, f, g, loss)
        out["d" + name] = numerical_gradient(J, params[name], h=1e-6)
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("f,g,loss", CASES, ids=["-".join(c) for c in CASES])
def test_mlp_backward_matches_central_differences(f, g, loss, seed):
    """Does mlp_backward match central differences of the full loss for every parameter?"""
    X, y, params = make_problem(seed, f, g, loss)
    y_hat, cache = mlp_forward(X, params, f, g)
    if f == "relu":
        assert np.min(np.abs(cache["z1"])) > KINK_MARGIN
    if g == "relu":
        assert np.min(np.abs(cache["z3"])) > KINK_MARGIN
    _, dJ = LOSSES[loss](y_hat, y)
    grads = mlp_backward(dJ, cache, params, f, g)
    numeric = numerical_param_grads(X, y, params, f, g, loss)
    assert set(grads) == {"dW1", "db1", "dW2", "db2"}
    for key in grads:
        assert np.max(np.abs(numeric[key])) > 1e-8, f"{key} is degenerate (all zero)"
        assert_close_to_numerical(grads[key], numeric[key], tol=1e-6,
                                  what=f"{key} ({f}, {g}, {loss})")


def test_gradient_check_rejects_broken_backward_variants():
    """Would the gradient check catch a wrong backward (transposed dW1, handout scalings,
    z>=0 ReLU)?"""
    f, g = "relu", "sigmoid"
    # h == d: a transposed dW1 has the right shape
    X, y, params = make_problem(3, f, g, "bce", n=3, d=4, h=4, k=2)
    y_hat, cache = mlp_forward(X, params, f, g)
    _, dJ = bce_loss(y_hat, y)
    good = mlp_backward(dJ, cache, params, f, g)
    numeric = numerical_param_grads(X, y, params, f, g, "bce")
    assert_close_to_numerical(good["dW1"], numeric["dW1"])

    n, k = y.shape
    p = y_hat
    bce_per_sample_scaling = -(y / p - (1 - y) / (1 - p)) / k  # the 1/k without the batch's 1/n
    broken = {
        "transposed dW1": good["dW1"].T,
        "dW1 without f'(z1)": (dJ * activation_prime(cache["z3"], g)) @ params["W2"],
        "BCE scaled by 1/k not 1/(nk)":
            mlp_backward(bce_per_sample_scaling, cache, params, f, g)["dW1"],
    }
    broken["dW1 without f'(z1)"] = broken["dW1 without f'(z1)"].T @ X
    for what, wrong in broken.items():
        assert wrong.shape == numeric["dW1"].shape
        with pytest.raises(AssertionError):
            assert_close_to_numerical(wrong, numeric["dW1"], what=what)

    X2, y2, params2 = make_problem(4, "relu", "identity", "mse", n=2, d=3, h=3, k=3)
    y_hat2, cache2 = mlp_forward(X2, params2, "relu", "identity")
    one_sample_mse = 2 * (y_hat2 - y2)  # right for one sample; a batch of 2 also needs 1/n
    torch_mse = 2 * (y_hat2 - y2) / y2.size  # torch.nn.MSELoss's mean over the n k elements
    numeric2 = numerical_param_grads(X2, y2, params2, "relu", "identity", "mse")
    for what, upstream in (("MSE without the 1/n", one_sample_mse), ("MSE / (n k)", torch_mse)):
        wrong = mlp_backward(upstream, cache2, params2, "relu", "identity")["dW2"]
        with pytest.raises(AssertionError):
            assert_close_to_numerical(wrong, numeric2["dW2"], what=what)

    # The handout's ReLU condition z >= 0 differs from the correct z > 0 exactly at 0.
    z = np.array([-1.0, 0.0, 2.0])
    assert not np.array_equal(activation_prime(z, "relu"), (z >= 0).astype(float))


@pytest.mark.parametrize("f,g,loss", CASES, ids=["-".join(c) for c in CASES])
def test_gradient_shapes_equal_parameter_shapes(f, g, loss):
    """Is every gradient shaped like its parameter (out, in layout)?"""
    X, y, params = make_problem(7, f, g, loss, n=5, d=2, h=3, k=4)
    _, grads = mlp_loss_and_grads(X, y, params, f, g, loss)
    for name in PARAM_NAMES:
        assert grads["d" + name].shape == params[name].shape


def test_mlp_forward_shapes_and_cache():
    """Does mlp_forward compute z1 = X W1^T + b1, ... with the documented shapes?"""
    X, y, params = make_problem(8, "relu", "identity", "mse", n=5, d=2, h=3, k=4)
    y_hat, cache = mlp_forward(X, params, "relu", "identity")
    assert y_hat.shape == (5, 4)
    shapes = {"X": (5, 2), "z1": (5, 3), "z2": (5, 3), "z3": (5, 4), "y_hat": (5, 4)}
    for key, shape in shapes.items():
        assert cache[key].shape == shape
    z1 = np.array([params["W1"] @ x + params["b1"] for x in X])
    np.testing.assert_allclose(cache["z1"], z1)
    np.testing.assert_allclose(cache["z2"], np.maximum(z1, 0))
    np.testing.assert_allclose(y_hat, np.maximum(z1, 0) @ params["W2"].T + params["b2"])


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("seed", [0, 1])
def test_activation_jacobian_matches_numerical_jacobian(name, seed):
    """Is activation_jacobian the (m, m) diagonal Jacobian found by central differences?"""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=6) * 3
    z[np.abs(z) < KINK_MARGIN] += 0.1
    jac = activation_jacobian(z, name)
    assert jac.shape == (6, 6)
    assert np.array_equal(jac, np.diag(np.diag(jac)))
    assert_close_to_numerical(jac, numerical_jacobian(lambda t: activation(t, name), z), what=name)


def test_activation_values_and_relu_derivative_at_zero():
    """Are the activations right, with ReLU'(0) = 0 and sigmoid' = sigma(1 - sigma)?"""
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(activation(z, "relu"), [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(activation_prime(z, "relu"), [0.0, 0.0, 1.0])
    np.testing.assert_allclose(activation(z, "sigmoid"), 1 / (1 + np.exp(-z)), rtol=1e-15)
    np.testing.assert_allclose(activation_prime(z, "sigmoid"), np.exp(-z) / (1 + np.exp(-z)) ** 2,
                               rtol=1e-14)
    np.testing.assert_array_equal(activation(z, "identity"), z)
    np.testing.assert_array_equal(activation_prime(z, "identity"), np.ones(3))
    with pytest.raises(ValueError):
        activation(z, "tanh")


def test_sigmoid_is_stable_at_large_inputs():
    """Does the sigmoid stay finite and warning-free at |z| = 1000?"""
    z = np.array([-1000.0, -50.0, 50.0, 1000.0])
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        s = activation(z, "sigmoid")
        ds = activation_prime(z, "sigmoid")
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(ds))
    assert s[0] == 0.0 and s[-1] == 1.0
    assert np.all((0 <= s) & (s <= 1)) and np.all(ds >= 0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mse_loss_value_and_derivative(seed):
    """Is mse_loss (1/n) sum_s ||y_hat_s - y_s||^2, with dJ/dy_hat matching central differences?"""
    rng = np.random.default_rng(seed)
    y_hat, y = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    J, dJ = mse_loss(y_hat, y)
    per_sample = [np.linalg.norm(a - b) ** 2 for a, b in zip(y_hat, y, strict=True)]
    assert J == pytest.approx(np.mean(per_sample), rel=1e-14)
    np.testing.assert_allclose(dJ, 2 * (y_hat - y) / 3, rtol=1e-14)
    assert_close_to_numerical(dJ, numerical_gradient(lambda t: mse_loss(t, y)[0], y_hat),
                              what="dMSE")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bce_loss_value_and_derivative(seed):
    """Is bce_loss the mean binary cross-entropy, with dJ/dy_hat matching central differences?"""
    rng = np.random.default_rng(seed)
    y_hat = rng.uniform(0.05, 0.95, size=(3, 4))
    y = rng.integers(0, 2, size=(3, 4)).astype(float)
    J, dJ = bce_loss(y_hat, y)
    expected = -np.mean([np.log(p) if t == 1 else np.log(1 - p)
                         for p, t in zip(y_hat.ravel(), y.ravel(), strict=True)])
    assert J == pytest.approx(expected, rel=1e-13)
    assert_close_to_numerical(dJ, numerical_gradient(lambda t: bce_loss(t, y)[0], y_hat),
                              what="dBCE")
    # soft targets
    y_soft = rng.uniform(size=(3, 4))
    assert_close_to_numerical(bce_loss(y_hat, y_soft)[1],
                              numerical_gradient(lambda t: bce_loss(t, y_soft)[0], y_hat),
                              what="dBCE soft")


def test_bce_loss_is_stable_at_zero_and_one():
    """Is bce_loss finite and warning-free when y_hat is exactly 0 or 1?"""
    y_hat = np.array([[0.0, 1.0, 0.0, 1.0]])
    y = np.array([[0.0, 1.0, 1.0, 0.0]])
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        J, dJ = bce_loss(y_hat, y)
        J_right, dJ_right = bce_loss(y_hat[:, :2], y[:, :2])
    assert np.isfinite(J) and np.all(np.isfinite(dJ))
    assert J == pytest.approx(-np.log(BCE_EPS) / 2, rel=1e-6)  # two maximally wrong of four
    assert J_right == pytest.approx(0.0, abs=1e-11)
    assert dJ[0, 2] < 0 < dJ[0, 3]  # push y_hat toward the target


@pytest.mark.parametrize("k", [1, 3, 5])
def test_handout_single_sample_formulas(k):
    """For n = 1, are the losses and derivatives exactly the handout's: l_MSE = ||y_hat - y||^2
    with dl/dy_hat_i = 2 (y_hat_i - y_i) (1.2(d)), and l_BCE with
    dl/dy_hat_i = -(1/k)(y_i/y_hat_i - (1-y_i)/(1-y_hat_i)) (1.3(b))? And for a batch of n,
    the mean of the n per-sample losses?"""
    rng = np.random.default_rng(k)
    y_hat, y = rng.uniform(0.1, 0.9, size=(1, k)), rng.integers(0, 2, size=(1, k)).astype(float)
    assert mse_loss(y_hat, y)[0] == pytest.approx(np.linalg.norm(y_hat - y) ** 2, rel=1e-14)
    np.testing.assert_allclose(mse_loss(y_hat, y)[1], 2 * (y_hat - y), rtol=1e-14)
    np.testing.assert_allclose(mse_loss(y_hat[0], y[0])[1], 2 * (y_hat[0] - y[0]), rtol=1e-14)
    np.testing.assert_allclose(bce_loss(y_hat, y)[1], -(y / y_hat - (1 - y) / (1 - y_hat)) / k,
                               rtol=1e-13)
    # A batch of n samples: the mean of the per-sample losses, so each derivative gains 1/n.
    Y_hat = np.concatenate([y_hat, rng.uniform(0.1, 0.9, size=(3, k))])
    Y = np.concatenate([y, rng.integers(0, 2, size=(3, k)).astype(float)])
    for name, loss in LOSSES.items():
        per_sample = [loss(a[None], b[None]) for a, b in zip(Y_hat, Y, strict=True)]
        J, dJ = loss(Y_hat, Y)
        assert J == pytest.approx(np.mean([p[0] for p in per_sample]), rel=1e-13), name
        np.testing.assert_allclose(dJ, np.concatenate([p[1] for p in per_sample]) / 4,
                                   rtol=1e-13, err_msg=name)


def test_single_sample_backward_is_the_jacobian_chain():
    """For one sample, is dJ/dW1 the outer product (dl/dyhat dyhat/dz3 W2 dz2/dz1)^T x^T?"""
    f, g = "sigmoid", "sigmoid"
    X, y, params = make_problem(11, f, g, "bce", n=1, d=3, h=4, k=2)
    y_hat, cache = mlp_forward(X, params, f, g)
    _, dJ = bce_loss(y_hat, y)
    grads = mlp_backward(dJ, cache, params, f, g)
    x, z1, z3 = X[0], cache["z1"][0], cache["z3"][0]
    dl_dyhat = dJ.reshape(1, -1)  # (1, k) Jacobian
    dl_dz3 = dl_dyhat @ activation_jacobian(z3, g)  # (1, k)
    dl_dz1 = dl_dz3 @ params["W2"] @ activation_jacobian(z1, f)  # (1, h)
    np.testing.assert_allclose(grads["dW1"], dl_dz1.T @ x[None, :], rtol=1e-12)
    np.testing.assert_allclose(grads["dW2"], dl_dz3.T @ cache["z2"], rtol=1e-12)
    np.testing.assert_allclose(grads["db1"], dl_dz1[0], rtol=1e-12)
    np.testing.assert_allclose(grads["db2"], dl_dz3[0], rtol=1e-12)
    shapes = jacobian_shapes(d=3, k=2, h=4)
    assert dl_dyhat.shape == shapes["dl_dyhat"]
    assert activation_jacobian(z1, f).shape == shapes["dz2_dz1"]
    assert activation_jacobian(z3, g).shape == shapes["dyhat_dz3"]


def test_jacobian_shapes():
    """Are the one-sample Jacobians (h, h), (k, k) and (1, k), with d not mistaken for h?"""
    assert jacobian_shapes(2, 3, 5) == {"dz2_dz1": (5, 5), "dyhat_dz3": (3, 3), "dl_dyhat": (1, 3)}
    assert jacobian_shapes(d=7, k=1, h=4) == {"dz2_dz1": (4, 4), "dyhat_dz3": (1, 1),
                                              "dl_dyhat": (1, 1)}


def test_layer_table():
    """Does the layer table give each layer's one-sample input and output shape?"""
    assert layer_table(2, 5, 3) == [("Linear1", (2,), (5,)), ("f", (5,), (5,)),
                                    ("Linear2", (5,), (3,)), ("g", (3,), (3,)), ("Loss", (3,), ())]


def test_training_step_order_validator():
    """Does the validator accept the canonical order and valid zero_grad placements, and
    reject the rest?"""
    assert training_step_order == ["forward", "loss", "zero_grad", "backward", "step"]
    assert is_valid_training_step_order(training_step_order)
    assert is_valid_training_step_order(("zero_grad", "forward", "loss", "backward", "step"))
    assert is_valid_training_step_order(["forward", "zero_grad", "loss", "backward", "step"])
    for bad in (["forward", "loss", "zero_grad", "step", "backward"],  # step before backward
                ["forward", "loss", "backward", "zero_grad", "step"],  # gradients wiped
                ["loss", "forward", "zero_grad", "backward", "step"],
                ["forward", "loss", "backward", "step"],
                ["forward", "loss", "zero_grad", "backward", "step", "step"],
                ["forward", "loss", "zero_grad", "backward", "update"],
                "forward", None):
        assert not is_valid_training_step_order(bad), bad


def _local_terms(f, g, loss, inp):
    """Each CHANGEABLE_TERMS entry as a function of its own immediate inputs ``inp``."""
    lf = LOSSES[loss]
    dl_dz3 = inp["dl_dz3"]
    return {
        "z2": activation(inp["z1"], f),
        "z3": inp["W2"] @ inp["z2"] + inp["b2"],
        "y_hat": activation(inp["z3"], g),
        "loss": lf(inp["y_hat"], inp["y"])[0],
        "dl_dyhat": lf(inp["y_hat"], inp["y"])[1],
        "dyhat_dz3": activation_jacobian(inp["z3"], g),
        "dz2_dz1": activation_jacobian(inp["z1"], f),
        "dz3_dW2": inp["z2"],
        "dz1_dW1": inp["x"],
        "dl_dW2": np.outer(dl_dz3, inp["z2"]),
    }


def test_changed_terms_by_evaluating_each_term_as_a_function_of_its_inputs():
    """Do exactly the listed terms change as functions of their inputs (1.3(a) and 1.3(b))?"""
    assert set(changed_terms) <= set(CHANGEABLE_TERMS)
    assert set(changed_terms_bce) <= set(CHANGEABLE_TERMS)
    assert set(changed_terms_bce) == {"loss", "dl_dyhat"}
    rng = np.random.default_rng(0)
    d, h, k = 3, 4, 2
    inp = {"x": rng.normal(size=d), "z1": rng.normal(size=h), "z2": rng.uniform(0.1, 0.9, size=h),
           "z3": rng.normal(size=k), "W2": rng.normal(size=(k, h)), "b2": rng.normal(size=k),
           "y_hat": rng.uniform(0.1, 0.9, size=k), "y": rng.integers(0, 2, size=k).astype(float),
           "dl_dz3": rng.normal(size=k)}
    to_classification, to_bce = _changes(_local_terms, inp)
    assert to_classification == set(changed_terms)
    assert to_bce == set(changed_terms_bce)


@pytest.mark.parametrize("f,g,loss", CASES, ids=["-".join(c) for c in CASES])
def test_mlp_loss_matches_the_formula_written_out(f, g, loss):
    """Is the loss mlp_loss_and_grads returns the handout's J, computed here sample by sample
    with plain numpy (MSE: ||y_hat_s - y_s||^2 averaged over the n samples; BCE: the mean
    over all n k outputs)? (The gradients are checked against central differences above;
    this replaces a torch comparison that was always skipped: torch is not installed.)"""
    X, y, params = make_problem(5, f, g, loss, n=4, d=3, h=5, k=2)
    act = {"relu": lambda t: np.maximum(t, 0.0), "sigmoid": lambda t: 1 / (1 + np.exp(-t)),
           "identity": lambda t: t}
    per_sample = []
    for x_s, y_s in zip(X, y, strict=True):
        z1 = params["W1"] @ x_s + params["b1"]
        y_hat = act[g](params["W2"] @ act[f](z1) + params["b2"])
        if loss == "mse":
            per_sample.append(np.sum((y_hat - y_s) ** 2))
        else:
            per_sample.append(np.mean(-(y_s * np.log(y_hat) + (1 - y_s) * np.log(1 - y_hat))))
    J_ours, _ = mlp_loss_and_grads(X, y, params, f, g, loss)
    assert J_ours == pytest.approx(np.mean(per_sample), rel=1e-12)


def _terms_written_out(f, g, loss, inp):
    """Each CHANGEABLE_TERMS entry under the handout's reading of 1.3(a).

    Forward terms as functions of the input x (the layer table of 1.2(b)); dl/dW2 as a
    function of x, the parameters and the three local Jacobians (the gradient table of
    1.2(c), here in the (out, in) layout); the local derivatives as functions of their own
    inputs (1.2(d)).
    """
    lf = LOSSES[loss]
    W1, b1, W2, b2, x = inp["W1"], inp["b1"], inp["W2"], inp["b2"], inp["x"]
    z2 = activation(W1 @ x + b1, f)
    y_hat = activation(W2 @ z2 + b2, g)
    dl_dyhat = inp["dl_dyhat"][None, :]  # the given local Jacobians
    dyhat_dz3 = np.diag(inp["dyhat_dz3_diag"])
    return {
        "z2": z2,
        "z3": W2 @ z2 + b2,
        "y_hat": y_hat,
        "loss": lf(y_hat, inp["y"])[0],
        "dl_dyhat": lf(inp["y_hat"], inp["y"])[1],
        "dyhat_dz3": activation_jacobian(inp["z3"], g),
        "dz2_dz1": activation_jacobian(inp["z1"], f),
        "dz3_dW2": inp["z2"],
        "dz1_dW1": inp["x"],
        "dl_dW2": (dl_dyhat @ dyhat_dz3).T @ z2[None, :],
    }


def test_changed_terms_under_the_handouts_reading():
    """Written out as the handout's tables do, do exactly its 1.3(a) terms change, and only
    l and dl/dy_hat in 1.3(b)?"""
    rng = np.random.default_rng(1)
    d, h, k = 3, 4, 2
    inp = {"x": rng.normal(size=d), "W1": rng.normal(size=(h, d)), "b1": rng.normal(size=h),
           "W2": rng.normal(size=(k, h)), "b2": rng.normal(size=k),
           "z1": rng.normal(size=h), "z2": rng.uniform(0.1, 0.9, size=h), "z3": rng.normal(size=k),
           "y_hat": rng.uniform(0.1, 0.9, size=k), "y": rng.integers(0, 2, size=k).astype(float),
           "dl_dyhat": rng.normal(size=k), "dyhat_dz3_diag": rng.normal(size=k)}
    to_classification, to_bce = _changes(_terms_written_out, inp)
    handout_13a = {"z2", "z3", "y_hat", "loss", "dl_dW2", "dz2_dz1", "dyhat_dz3"}
    assert to_classification == handout_13a == set(changed_terms_handout)
    assert to_bce == {"loss", "dl_dyhat"}


def test_fallback_problems_share_no_forward_value_with_the_graded_problems():
    """Is every fallback cache (sent to the student's kernel) free of any graded forward value?"""
    graded = ref.graded_forward_values()
    graded = graded[np.abs(graded) > 1e-6]
    assert graded.size > 500
    for question in ref.BACKWARD_CASES:
        cases = ref.backward_cases(question)
        assert cases
        for i, (f, g, X, params, dJ) in enumerate(cases):
            n, d = X.shape
            h, k = params["W1"].shape[0], params["W2"].shape[0]
            params_fb, cache_fb, dJ_fb = ref.fallback_case(question, i, f, g, n, d, h, k)
            assert set(cache_fb) == {"X", "z1", "z2", "z3", "y_hat"}
            assert cache_fb["X"].shape == X.shape and dJ_fb.shape == dJ.shape
            for name, shape in {"W1": (h, d), "b1": (h,), "W2": (k, h), "b2": (k,)}.items():
                assert params_fb[name].shape == shape
            sent = np.concatenate([np.ravel(v) for v in
                                   (*cache_fb.values(), *params_fb.values(), dJ_fb)])
            close = np.isclose(sent[:, None], graded[None, :], rtol=1e-7, atol=0)
            assert not close.any(), (question, i)
            # the graded problem's own upstream gradient is not computed from its forward pass
            y_ref = mlp_forward(X, params, f, g)[0]
            assert not np.isclose(np.ravel(dJ)[:, None], np.ravel(y_ref)[None, :],
                                  rtol=1e-7).any()


_FLOAT = r"-?\d+\.\d+(?:e[-+]?\d+)?"


@pytest.mark.slow  # a kernel: the zip lane
def test_a_backward_that_stashes_its_arguments_leaks_no_graded_forward_value(graded):
    """Graded through the real zip, does a submission whose mlp_backward raises with everything
    it was ever sent show only values that are not the answer to any graded test case?"""
    import json
    import re
    text = json.dumps(graded("mlp-backprop",
                             "q1c-backward-stashes-what-it-receives-and-raises")["results"])
    shown = np.array([float(v) for v in re.findall(_FLOAT, text)])
    assert shown.size > 50

    def appears(values):
        values = values[np.abs(values) > 1e-3]
        return values[np.isclose(values[:, None], shown[None, :], rtol=2e-5, atol=0).any(axis=1)]

    # no forward value of any graded problem shows...
    leaked = appears(ref.graded_forward_values())
    assert leaked.size == 0, leaked[:5]
    # ...though the channel works: the fallback caches sent into the kernel do show up
    fallback = []
    for question in ref.BACKWARD_CASES:
        for i, (f, g, X, params, _) in enumerate(ref.backward_cases(question)):
            n, d = X.shape
            h, k = params["W1"].shape[0], params["W2"].shape[0]
            fallback.append(np.ravel(ref.fallback_case(question, i, f, g, n, d, h, k)[1]["y_hat"]))
    assert appears(np.concatenate(fallback)).size > 0


def _changes(terms, inp):
    """The terms that differ (regression -> classification, then MSE -> BCE), with ``terms``
    evaluating every changeable term of the network at the inputs ``inp``."""
    regression = terms("relu", "identity", "mse", inp)
    classification = terms("sigmoid", "sigmoid", "mse", inp)
    classification_bce = terms("sigmoid", "sigmoid", "bce", inp)
    assert set(regression) == set(CHANGEABLE_TERMS)

    def differing(a, b):
        return {t for t in a if not np.allclose(a[t], b[t])}

    return differing(regression, classification), differing(classification, classification_bce)
