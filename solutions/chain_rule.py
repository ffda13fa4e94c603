"""Reference solutions for the ``chain-rule`` assignment (Section 08).

Q1: the chain rule on a small scalar network
    v = c (a - b)^2,   a = (w + x + y)^2,   b = (x - y - z)^2.
Q2: a 1-hidden-layer network with one output,
    z = sigma(W0 x + b0),   y = W1 z + b1,
    with W0 (h, d), b0 (h,), W1 (1, h), b1 a scalar and x (d,).
Q4 (optional in the handout): the chain rule for Jacobians.

Conventions (all derivatives of Q2 are "shaped like the variable"): dW1 has the shape of
W1, (1, h); dz of z, (h,); dW0 of W0, (h, d); db0 of b0, (h,); db1 of b1 (a float when b1
is a scalar). Everything is computed in float64.
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

# q1b_point (an addition: the handout evaluates nothing at a point): the point this
# assignment chose for a hand computation, (c, w, x, y, z).
EXAMPLE_POINT = (2.0, 1.0, 0.5, -1.0, 3.0)


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


def partials_at_point(c=2.0, w=1.0, x=0.5, y=-1.0, z=3.0):
    """q1b_point: q1b at a point, by default :data:`EXAMPLE_POINT` = (2, 1, 0.5, -1, 3).

    There a = 0.25, b = 2.25, a - b = -2, v = 8 and the partials are
    dv/dc = 4, dv/dw = -8, dv/dx = -32, dv/dy = 16, dv/dz = 24.
    Returns the dict of :func:`v_partials` as floats.
    """
    return {k: float(val) for k, val in v_partials(c, w, x, y, z).items()}


PARTIALS_AT_POINT = partials_at_point(*EXAMPLE_POINT)

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

def numerator_layout(grad):
    """The derivative ``grad`` (shaped like its variable) rewritten in numerator layout.

    Numerator layout gives d(scalar)/d(column vector, n) as a row (1, n) and
    d(scalar)/d(matrix, p x q) as a (q, p) matrix: the transpose of "shaped like the
    variable". So (1, h) -> (h, 1) (the handout's dy/dW1 = z), (h,) -> (1, h) (its
    dy/dz = W1, and its literal dy/db0 = W1 o z o (1 - z)), (h, d) -> (d, h); a scalar stays.
    """
    g = np.asarray(grad, dtype=np.float64)
    if g.ndim == 2:
        return g.T.copy()
    if g.ndim == 1:
        return g[None, :].copy()
    return g


def numerator_layout_mistake(value, expected):
    """A description if ``value`` is the derivative ``expected`` written in numerator layout.

    Inputs: value, the student's answer as a float array; expected, the derivative shaped
    like its variable. Returns a description for the student (no expected value), or None.
    """
    arr, exp = np.asarray(value, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    num = numerator_layout(exp)
    if arr.shape != exp.shape and arr.shape == num.shape \
            and np.allclose(arr, num, rtol=1e-6, atol=1e-9):
        return (f"it is in numerator layout, shape {arr.shape}, as the handout writes it; this "
                "notebook asks for every derivative shaped like its variable")
    return None


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

# ---------------------------------------------------------------------------------------
# Plausible mistakes: what a wrong answer of each kind evaluates to, for the hidden tests'
# diagnosis (autograder.student.checks.check_close's ``mistakes=``). Each maps a description,
# written for the student and free of the expected value, to the wrong value.
# ---------------------------------------------------------------------------------------


def v_partials_mistakes(c, w, x, y, z):
    """q1b: per key of :func:`v_partials`, {description: the value that mistake gives}, in the
    order they are tried.

    With k = 4c(a-b), s = w+x+y, t = x-y-z the right answers are k s, k(s - t), k(s + t),
    k t; the mistakes drop one of the two paths through x or y, flip the sign of the b
    path, or lose a factor 2 of the chain 2c(a-b) * 2(...).
    """
    a, b = intermediates(w, x, y, z)
    s, t = w + x + y, x - y - z
    k = 4 * c * (a - b)
    right = v_partials(c, w, x, y, z)
    half = "one factor 2 is missing: v, a and b are all squares, so the chain gives 2 * 2 = 4"
    quarter = "both factors 2 are missing: v, a and b are all squares"
    out = {"dv_dc": {"it looks like v itself, but dv/dc = v / c": c * (a - b) ** 2,
                     "it looks like dv/da, not dv/dc": 2 * c * (a - b)},
           "dv_dw": {},
           "dv_dz": {"a minus sign is lost: dv/db = -2c(a - b) and db/dz = -2(x - y - z)":
                     -k * t}}
    for var in ("x", "y"):  # the named path mistakes first: they win a tie at EXAMPLE_POINT
        key = "dv_d" + var
        out[key] = {
            f"it drops the path through b: {var} reaches v through both a and b": k * s,
            f"it drops the path through a: {var} reaches v through both a and b":
                right[key] - k * s,
            "the path through b has the wrong sign: remember dv/db = -2c(a - b)":
                2 * k * s - right[key],
        }
    for key in ("dv_dw", "dv_dx", "dv_dy", "dv_dz"):
        out[key].update({half: right[key] / 2, quarter: right[key] / 4})
    return out


def v_chain_rule_mistakes(p):
    """q1a: per key of :func:`v_chain_rule`, {description: the value that mistake gives} for
    the partials ``p`` (a dict keyed by :data:`LOCAL_KEYS`).

    A path dropped or taken through the wrong intermediate, the partials along a path
    added instead of multiplied, the two paths multiplied instead of added, the b path
    subtracted.
    """
    right = v_chain_rule(p)
    via_a = {v: p["dv_da"] * p["da_d" + v] for v in "wxy"}
    via_b = {v: p["dv_db"] * p["db_d" + v] for v in "xyz"}
    added = "the partials along one path are added: along a path they multiply"
    out = {
        "dv_dc": {"it goes through a: c enters v directly, not through a or b":
                  p["dv_da"] * p["dv_dc"],
                  "it looks like dv/da, not dv/dc": p["dv_da"]},
        "dv_dw": {"it goes through b, but w does not appear in b": p["dv_db"] * p["da_dw"],
                  added: p["dv_da"] + p["da_dw"]},
        "dv_dz": {"it goes through a, but z does not appear in a": p["dv_da"] * p["db_dz"],
                  added: p["dv_db"] + p["db_dz"]},
    }
    for v in "xy":
        out["dv_d" + v] = {
            f"it drops the path through b: {v} reaches v through both a and b": via_a[v],
            f"it drops the path through a: {v} reaches v through both a and b": via_b[v],
            "the path through b is subtracted: the terms of the paths add": via_a[v] - via_b[v],
            "the two paths are multiplied: one term per path, and the terms add":
                via_a[v] * via_b[v],
            added: p["dv_da"] + p["da_d" + v] + p["dv_db"] + p["db_d" + v],
        }
    for key in out:
        out[key] = {d: w for d, w in out[key].items() if not np.isclose(w, right[key])}
    return out


def local_partials_mistakes(c, w, x, y, z):
    """q1b: per key of :func:`local_partials`, {description: the value that mistake gives}.

    The generic diagnosis of the grading core already names a wrong sign and a missing
    factor 2; these are the mistakes it cannot name.
    """
    a, b = intermediates(w, x, y, z)
    s, t = w + x + y, x - y - z
    return {
        "dv_da": {"it looks like dv/dc = (a - b)^2, not dv/da": (a - b) ** 2},
        "dv_db": {"it looks like dv/dc = (a - b)^2, not dv/db": (a - b) ** 2},
        "dv_dc": {"it looks like v itself, but dv/dc = v / c": c * (a - b) ** 2,
                  "it looks like dv/da, not dv/dc": 2 * c * (a - b)},
        "da_dw": {"it looks like a itself, not its derivative": s ** 2},
        "da_dx": {"it looks like a itself, not its derivative": s ** 2},
        "da_dy": {"it looks like a itself, not its derivative": s ** 2},
        "db_dx": {"it looks like b itself, not its derivative": t ** 2},
        "db_dy": {"it looks like b itself, not its derivative": t ** 2},
        "db_dz": {"it looks like b itself, not its derivative": t ** 2},
    }


def composite_derivative_sum_mistakes(df_dy, dg_dx):
    """q4b: {description: the value that mistake gives} for the sum of products."""
    df_dy, dg_dx = np.asarray(df_dy, dtype=np.float64), np.asarray(dg_dx, dtype=np.float64)
    return {
        "it multiplies the two sums, which adds the cross terms df/dy_i dg_j/dx with j != i: "
        "the chain rule has one product per path x -> y_i -> f":
            float(df_dy.sum() * dg_dx.sum()),
        "it adds the partials: along the path x -> y_i -> f they multiply":
            float(np.sum(df_dy + dg_dx)),
    }


def output_grads_mistakes(x, W0, b0, W1, b1):
    """q2_1b-d: per key of :func:`output_grads`, {description: the value that mistake gives}.

    Covers z where z(1 - z) belongs, a missing sigma', sigma' applied to z a second time
    (sigma(z)(1 - sigma(z))), a missing factor W1 and, for dz, sigma' included where y is
    linear in z. A transposed dW0 is caught by the shape check itself.
    """
    x, W0, b0, W1 = (np.asarray(t, dtype=np.float64) for t in (x, W0, b0, W1))
    z, _ = forward(x, W0, b0, W1, b1)
    w1 = W1[0]
    s = z * (1 - z)
    s_twice = sigmoid(z) * (1 - sigmoid(z))
    db0 = {
        "it uses z where z(1 - z) belongs: sigma'(u) = sigma(u)(1 - sigma(u))": w1 * z,
        "the sigmoid's derivative z(1 - z) is missing": w1,
        "it applies sigma' to z, but z is already sigma(W0 x + b0): sigma'(u) = z(1 - z)":
            w1 * s_twice,
        "the factor dy/dz = W1 is missing": s,
    }
    return {
        "dW1": {"it looks like dy/dz, not dy/dW1": W1,
                "it includes sigma', but y = W1 z + b1 is linear in W1": (w1 * s)[None, :]},
        "db1": {"it looks like b1 itself, but y changes one for one with b1": b1},
        "dz": {"it includes sigma' = z(1 - z), but y = W1 z + b1 is linear in z": w1 * s,
               "it looks like z: that is dy/dW1, not dy/dz": z},
        "dW0": {d: np.outer(v, x) for d, v in db0.items()},
        "db0": db0,
    }


def _gd_train_variant(params, X, y, lr, steps, *, hidden_slope="z(1-z)", train_hidden=True,
                      output_first=False):
    """:func:`gd_train` with one mistake switched on (the defaults give gd_train itself).

    - hidden_slope="z": z where sigma' = z(1 - z) belongs in dL/dW0 and dL/db0
    - train_hidden=False: W0 and b0 are never updated
    - output_first=True: W1 and b1 are updated before the gradients of W0 and b0 are taken
    """
    p = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    p["b1"] = float(p["b1"])
    X = np.asarray(X, dtype=np.float64)
    for _ in range(steps):
        Z, yhat = predict(p, X)
        r = (yhat - np.asarray(y, dtype=np.float64)) / X.shape[0]
        W1_before = p["W1"]
        p["W1"] = p["W1"] - lr * (r @ Z)[None, :]
        p["b1"] = p["b1"] - lr * float(r.sum())
        if not train_hidden:
            continue
        W1 = p["W1"] if output_first else W1_before
        slope = Z if hidden_slope == "z" else Z * (1 - Z)
        dA = np.outer(r, W1[0]) * slope
        p["W0"] = p["W0"] - lr * dA.T @ X
        p["b0"] = p["b0"] - lr * dA.sum(axis=0)
    return p


def gd_train_mistakes(params, X, y, lr, steps):
    """q2_2c: {description: the params a plausible wrong gd_train returns}, same keys and shapes.

    Wrong scale of the gradient (sum instead of mean, the 1/2 not cancelling the 2), the
    wrong direction, one step too few or too many, the hidden layer never trained, z in
    place of z(1 - z), W1 updated before the hidden layer's gradient, nothing updated.
    """
    N = len(X)
    out = {
        f"the gradient looks {N} times too large: the loss summed over the N = {N} samples "
        "instead of averaged": gd_train(params, X, y, lr * N, steps),
        "the gradient looks twice too large: the 1/2 in the loss cancels the 2 from the "
        "square": gd_train(params, X, y, 2 * lr, steps),
        "the gradient looks half as large as it should be": gd_train(params, X, y, lr / 2, steps),
        "it steps uphill: p + lr dL/dp instead of p - lr dL/dp": gd_train(params, X, y, -lr, steps),
        "it does one step too many": gd_train(params, X, y, lr, steps + 1),
        "only W1 and b1 change: W0 and b0 are never updated":
            _gd_train_variant(params, X, y, lr, steps, train_hidden=False),
        "it uses z where z(1 - z) belongs in the gradients of W0 and b0":
            _gd_train_variant(params, X, y, lr, steps, hidden_slope="z"),
        "W1 is updated before the gradients of W0 and b0 are computed: compute every "
        "gradient first, then update": _gd_train_variant(params, X, y, lr, steps,
                                                         output_first=True),
        "the parameters come back unchanged": gd_train(params, X, y, lr, 0),
    }
    if steps >= 1:
        out["it does one step too few"] = gd_train(params, X, y, lr, steps - 1)
    return out
