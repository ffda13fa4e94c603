"""Reference solutions for the ``chain-rule`` assignment (Section 08).

Q1: the chain rule on a small scalar network
    v = c (a - b)^2,   a = (w + x + y)^2,   b = (x - y - z)^2.
Q2: a 1-hidden-layer network with one output,
    z = sigma(W0 x + b0),   y = W1 z + b1,
    with W0 (h, d), b0 (h,), W1 (1, h), b1 a scalar and x (d,).
Q4 (optional in the handout): the chain rule for Jacobians.

Conventions (all derivatives of Q2 are "shaped like the variable"): dW1 has the shape of
W1, (1, h); dz of z, (h,); dW0 of W0, (h, d); db0 of b0, (h,); db1 of b1 (a float when b1
is a scalar). Everything is computed in float64. The point of q1b_point, worked out by
hand (the handout's, and every student's own), is a parameter, not a reference value: it
lives with the student's checks, in ``autograder.student.chain_rule.VARIANTS``.
"""

import numpy as np

from solutions.activations import sigmoid

# ---------------------------------------------------------------------------------------
# Q1: chain rule warm-up
# ---------------------------------------------------------------------------------------

INPUTS = ("c", "w", "x", "y", "z")

# q1a: the intermediates each input's derivative flows through. c enters v directly;
# w only reaches v through a, z only through b, x and y through both.
paths = {
    "c": set(),
    "w": {"a"},
    "x": {"a", "b"},
    "y": {"a", "b"},
    "z": {"b"},
}

# The right-hand-side partials of q1a's chain rules, one per edge of the graph.
LOCAL_KEYS = ("dv_da", "dv_db", "dv_dc", "da_dw", "da_dx", "da_dy", "db_dx", "db_dy", "db_dz")


def v_chain_rule(p):
    """q1a: each dv/d(input) written with partial derivative symbols only (the handout's 1(a)).

        dv/dc = dv/dc
        dv/dw = dv/da da/dw
        dv/dx = dv/da da/dx + dv/db db/dx
        dv/dy = dv/da da/dy + dv/db db/dy
        dv/dz = dv/db db/dz

    Input: p, a dict keyed by :data:`LOCAL_KEYS` holding the values of the nine partials
    (numbers, or arrays all of one shape); they need not come from any point (v, a, b).
    Returns a dict keyed "dv_dc", "dv_dw", "dv_dx", "dv_dy", "dv_dz".
    """
    return {
        "dv_dc": p["dv_dc"],
        "dv_dw": p["dv_da"] * p["da_dw"],
        "dv_dx": p["dv_da"] * p["da_dx"] + p["dv_db"] * p["db_dx"],
        "dv_dy": p["dv_da"] * p["da_dy"] + p["dv_db"] * p["db_dy"],
        "dv_dz": p["dv_db"] * p["db_dz"],
    }


def intermediates(w, x, y, z):
    """Intermediates of Q1: returns (a, b) with a = (w+x+y)^2 and b = (x-y-z)^2."""
    return (w + x + y) ** 2, (x - y - z) ** 2


def v_value(c, w, x, y, z):
    """Output of Q1: v = c (a - b)^2 with a, b from :func:`intermediates`."""
    a, b = intermediates(w, x, y, z)
    return c * (a - b) ** 2


def local_partials(c, w, x, y, z):
    """The right-hand-side partials of q1b (one edge of the graph each).

    dv/da = 2c(a-b),    dv/db = -2c(a-b),   dv/dc = (a-b)^2,
    da/dw = da/dx = da/dy = 2(w+x+y),
    db/dx = 2(x-y-z),   db/dy = db/dz = -2(x-y-z).

    Returns a dict keyed "dv_da", "dv_db", "dv_dc", "da_dw", "da_dx", "da_dy", "db_dx",
    "db_dy", "db_dz" of floats.
    """
    a, b = intermediates(w, x, y, z)
    s, t = w + x + y, x - y - z
    return {
        "dv_da": 2 * c * (a - b), "dv_db": -2 * c * (a - b), "dv_dc": (a - b) ** 2,
        "da_dw": 2 * s, "da_dx": 2 * s, "da_dy": 2 * s,
        "db_dx": 2 * t, "db_dy": -2 * t, "db_dz": -2 * t,
    }


def v_partials(c, w, x, y, z):
    """q1b: derivatives of v wrt each input, by the multivariate chain rule.

    With s = w+x+y and t = x-y-z (so a = s^2, b = t^2):
        dv/dc = (a-b)^2
        dv/dw = dv/da da/dw                 = 4c(a-b) s
        dv/dx = dv/da da/dx + dv/db db/dx   = 4c(a-b)(s - t) = 4c(a-b)(w+2y+z)
        dv/dy = dv/da da/dy + dv/db db/dy   = 4c(a-b)(s + t) = 4c(a-b)(w+2x-z)
        dv/dz = dv/db db/dz                 = 4c(a-b) t      = 4c(a-b)(x-y-z)

    Inputs are scalars (or broadcastable arrays, all the same shape).
    Returns a dict keyed "dv_dc", "dv_dw", "dv_dx", "dv_dy", "dv_dz".
    """
    return v_chain_rule(local_partials(c, w, x, y, z))


def partials_at_point(c, w, x, y, z):
    """q1b_point: q1b at one point (c, w, x, y, z), numbers (an addition: the handout
    evaluates nothing at a point).

    Returns the dict of :func:`v_partials` as floats.
    """
    return {k: float(val) for k, val in v_partials(c, w, x, y, z).items()}


# ---------------------------------------------------------------------------------------
# Q2.1: forward and backward pass of a 1-hidden-layer network
# ---------------------------------------------------------------------------------------


def forward(x, W0, b0, W1, b1):
    """q2_1a: z = sigma(W0 x + b0), y = W1 z + b1.

    Inputs:
    - x: (d,)
    - W0: (h, d);  b0: (h,)
    - W1: (1, h);  b1: scalar (a shape-(1,) array is also accepted)

    Returns (z, y):
    - z: (h,) hidden activations
    - y: (1,) the output, shaped like W1 z (a 1-vector, not a Python float)
    """
    x, W0, b0, W1 = (np.asarray(t, dtype=np.float64) for t in (x, W0, b0, W1))
    z = sigmoid(W0 @ x + b0)
    y = (W1 @ z + np.asarray(b1, dtype=np.float64)).reshape(1)
    return z, y


def output_grads(x, W0, b0, W1, b1):
    """q2_1b-d: derivatives of the output y (not of a loss) wrt each parameter and z.

    With s = z * (1 - z) = sigma'(W0 x + b0), shape (h,):
        dy/dW1 = z^T                       (1, h)  (the handout's "z" is its numerator layout)
        dy/db1 = 1                         scalar  (shaped like b1)
        dy/dz  = W1^T                      (h,)    (the handout's "W1": numerator layout)
        dy/db0 = W1^T * s                  (h,)    (i-th entry W1_i z_i (1 - z_i))
        dy/dW0 = (W1^T * s) x^T            (h, d)  (row i is W1_i z_i (1 - z_i) x^T)

    Inputs and shapes as in :func:`forward`.
    Returns a dict keyed "dW1", "db1", "dz", "dW0", "db0".
    """
    x, W0, b0, W1 = (np.asarray(t, dtype=np.float64) for t in (x, W0, b0, W1))
    z, _ = forward(x, W0, b0, W1, b1)
    w1 = W1[0]
    db0 = w1 * z * (1 - z)
    return {
        "dW1": z[None, :].copy(),
        "db1": 1.0 if np.ndim(b1) == 0 else np.ones(np.shape(b1)),
        "dz": w1.copy(),
        "dW0": np.outer(db0, x),
        "db0": db0,
    }


# ---------------------------------------------------------------------------------------
# Q2.2: weight initialisation
# ---------------------------------------------------------------------------------------


def constant_params(d, h, value=0.0):
    """Every weight and bias set to ``value``.

    Returns {"W0": (h, d), "b0": (h,), "W1": (1, h), "b1": float}.
    """
    return {"W0": np.full((h, d), float(value)), "b0": np.full(h, float(value)),
            "W1": np.full((1, h), float(value)), "b1": float(value)}


def random_params(d, h, rng, scale=1.0):
    """Independent N(0, scale^2) weights and biases drawn from the Generator ``rng``.

    Returns {"W0": (h, d), "b0": (h,), "W1": (1, h), "b1": float}.
    """
    return {"W0": scale * rng.standard_normal((h, d)), "b0": scale * rng.standard_normal(h),
            "W1": scale * rng.standard_normal((1, h)), "b1": float(scale * rng.standard_normal())}


def zero_init_values(x, h=4):
    """q2_2a: (z, y) for all-zero parameters: z = sigma(0) = 1/2 everywhere, y = 0.

    Inputs: x (d,); h the hidden width (4 as in the handout's figure).
    Returns z (h,) full of 0.5 and y (1,) equal to [0.0], whatever x is.
    """
    x = np.asarray(x, dtype=np.float64)
    p = constant_params(x.shape[0], h, 0.0)
    return forward(x, p["W0"], p["b0"], p["W1"], p["b1"])


def zero_init_grads(x, h=4):
    """q2_2b: :func:`output_grads` at all-zero parameters.

        dy/dW1 = z^T = (1/2, ..., 1/2)     (1, h)
        dy/db1 = 1
        dy/dz  = W1^T = 0                  (h,)
        dy/dW0 = (0 * 1/4) x^T = 0         (h, d)
        dy/db0 = 0 * 1/4 = 0               (h,)

    Inputs: x (d,); h the hidden width. Returns the dict of :func:`output_grads`.
    """
    x = np.asarray(x, dtype=np.float64)
    p = constant_params(x.shape[0], h, 0.0)
    return output_grads(x, p["W0"], p["b0"], p["W1"], p["b1"])


def predict(params, X):
    """Batched forward pass. X (N, d) -> (Z (N, h), Yhat (N,))."""
    X = np.asarray(X, dtype=np.float64)
    Z = sigmoid(X @ params["W0"].T + params["b0"])
    return Z, Z @ params["W1"][0] + params["b1"]


def loss(params, X, y):
    """Halved mean squared error L = 1/(2N) sum_n (yhat_n - y_n)^2.

    Inputs: params as in :func:`constant_params`; X (N, d); y (N,). Returns a float.
    """
    _, yhat = predict(params, X)
    r = yhat - np.asarray(y, dtype=np.float64)
    return float(0.5 * np.mean(r ** 2))


def loss_grads(params, X, y):
    """Gradient of :func:`loss` wrt every parameter.

    With r_n = (yhat_n - y_n) / N (N,), Z (N, h) and S = Z * (1 - Z):
        dL/dW1 = r^T Z                     (1, h)
        dL/db1 = sum_n r_n                 float
        dL/dA  = (r W1) * S                (N, h)   (A = X W0^T + b0, pre-activations)
        dL/dW0 = (dL/dA)^T X               (h, d)
        dL/db0 = sum_n (dL/dA)_n           (h,)

    Returns {"W0": (h, d), "b0": (h,), "W1": (1, h), "b1": float}.
    """
    X = np.asarray(X, dtype=np.float64)
    Z, yhat = predict(params, X)
    r = (yhat - np.asarray(y, dtype=np.float64)) / X.shape[0]
    dA = np.outer(r, params["W1"][0]) * Z * (1 - Z)
    return {"W0": dA.T @ X, "b0": dA.sum(axis=0),
            "W1": (r @ Z)[None, :], "b1": float(r.sum())}


def gd_train(params, X, y, lr, steps):
    """q2_2c: full-batch gradient descent on :func:`loss`, ``steps`` updates of size ``lr``.

    Each step: p <- p - lr * dL/dp for p in W0, b0, W1, b1. If all rows of W0, all
    entries of b0 and all entries of W1 start equal (e.g. any constant initialisation),
    every hidden unit receives the same gradient, so they stay equal after every step.

    Inputs: params {"W0": (h, d), "b0": (h,), "W1": (1, h), "b1": scalar} (not
    modified); X (N, d); y (N,); lr float; steps int >= 0.
    Returns the trained params as a new dict with the same keys and shapes.
    """
    p = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    p["b1"] = float(p["b1"])
    for _ in range(steps):
        g = loss_grads(p, X, y)
        for k in ("W0", "b0", "W1"):
            p[k] = p[k] - lr * g[k]
        p["b1"] = p["b1"] - lr * g["b1"]
    return p



def gd_train_per_sample(params, X, y, lr, steps, forward=forward, output_grads=output_grads):
    """:func:`gd_train` written as the notebook's solution writes it, one sample at a time
    with ``forward`` and ``output_grads``: dL/dp = (1/N) sum_n (y_hat_n - y_n) dy_n/dp.

    With the reference functions it is :func:`gd_train`; with a student's own (wrong)
    ``forward`` or ``output_grads`` it is the training that carries their errors forward
    into q2_2c (partial credit). Inputs and result as for :func:`gd_train`.
    """
    p = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    N = len(X)
    for _ in range(steps):
        grads = {k: 0.0 for k in p}
        for x_n, y_n in zip(X, y, strict=True):
            _, y_hat = forward(x_n, p["W0"], p["b0"], p["W1"], p["b1"])
            dy = output_grads(x_n, p["W0"], p["b0"], p["W1"], p["b1"])
            r = (float(np.squeeze(y_hat)) - y_n) / N
            for k in grads:
                grads[k] = grads[k] + r * np.asarray(dy["d" + k], dtype=np.float64)
        p = {k: p[k] - lr * grads[k] for k in p}
    return p

# ---------------------------------------------------------------------------------------
# Q4 (optional): the chain rule for Jacobians
# ---------------------------------------------------------------------------------------


def composite_jacobian_shape(m, n, l):
    """q4a: shape of d(f o g)/dx for f: R^n -> R^m, g: R^l -> R^n.

    d(f o g)/dx (x) = df/dy (g(x)) . dg/dx (x), an (m, n) times an (n, l) matrix: (m, l).
    """
    return (m, l)


def composite_jacobian(df_dy, dg_dx):
    """q4a: the product df/dy (m, n) @ dg/dx (n, l) -> (m, l); the inner sizes must agree."""
    df_dy, dg_dx = np.asarray(df_dy, dtype=np.float64), np.asarray(dg_dx, dtype=np.float64)
    if df_dy.shape[1] != dg_dx.shape[0]:
        raise ValueError(f"inner sizes differ: {df_dy.shape} @ {dg_dx.shape}")
    return df_dy @ dg_dx


def composite_derivative_sum(df_dy, dg_dx):
    """q4b: d(f o g)/dx = sum_i df/dy_i (g(x)) * dg_i/dx (x) for f: R^n -> R, g: R -> R^n.

    Inputs: df_dy (n,) the gradient of f at g(x); dg_dx (n,) the derivative of g at x.
    Returns a float.
    """
    return float(np.sum(np.asarray(df_dy, dtype=np.float64) * np.asarray(dg_dx, dtype=np.float64)))


def matrix_input_jacobian_shape(n, p, q):
    """q4c: dg/dW for g: R^{p x q} -> R^n is a 3-tensor of shape (n, p, q), not a matrix."""
    return (n, p, q)


def flattened_jacobian_shape(n, p, q):
    """q4c: dg/dvec(W) after flattening W to vec(W) in R^{pq}: an (n, p*q) matrix."""
    return (n, p * q)
