"""Reference solutions for ``jacobians-xor`` (Assignment 3: Jacobians, activations, XOR, a graph).

Conventions used throughout:

- A column vector of the handout (``w`` is d x 1, ``x_i`` is d x 1) is a 1-D array of shape
  (d,). A scalar-valued f returns shape (1,), i.e. f: R^d -> R^1, so its Jacobian has the
  handout's shape 1 x d and matches :func:`solutions.gradcheck.numerical_jacobian`, which
  returns ``out_shape + in_shape``.
- X is (n, d) with rows x_i; W is (k, d). The handout's Y (n, k) appears in no item.
- Floats are float64. Activations take scalars or arrays of any shape, act elementwise, and
  never overflow; underflow to 0 (e.g. exp(-1000)) is the correctly rounded answer, so it is
  silenced locally and the functions stay quiet under ``np.errstate(all="raise")``.

The numbers of the questions worked out by hand (q2's sizes n, d, k and q5's point
[x, y, z]: the handout's, and every student's own) are parameters, not reference values:
they live with the student's checks, in ``autograder.student.jacobians_xor.VARIANTS``.
"""

import numpy as np

from solutions.activations import (  # noqa: F401  (q3 asks for these by name)
    _float_array,
    _result,
    relu,
    relu_prime,
    sigmoid,
    sigmoid_prime,
    tanh,
    tanh_prime,
)

# ---------------------------------------------------------------------------------------
# q1: multiple choice (items 5-8 are written answers and are not auto-graded here)
# ---------------------------------------------------------------------------------------

#: Canonical answers: a string of option letters in sorted order (multi-select would be "AC").
#: All six handout answers were checked and are correct.
mcq_answers = {
    1: "A",   # zero init: neurons of a layer compute the same thing, forever (symmetry)
    2: "B",   # False: the loop over layers l = 1..L cannot be vectorised away
    3: "A",   # True: tanh outputs are zero-centred
    4: "D",   # augmentation, dropout and early stopping all reduce overfitting
    9: "A",   # forward-pass values are cached for the backward pass
    10: "A",  # deeper layers compute more complex features
}
# The items' options are the question's own data: autograder.student.jacobians_xor.MCQ_OPTIONS.


# ---------------------------------------------------------------------------------------
# q2: Jacobian shapes and values
# ---------------------------------------------------------------------------------------

def jacobian_io_shapes_for(n, d, k):
    """(output shape, input shape) of each q2 item: its Jacobian's shape is their concatenation.

    Inputs: n, rows of X; d, length of w and x_i, columns of X and W; k, rows of W.
    Returns {item: (out_shape, in_shape)}: 1-3 (scalar f of w) ((1,), (d,)); 4 (X w)
    ((n,), (d,)); 5 (w) and 6 (w**2) ((d,), (d,)); 7 (X W^T, an (n, k) function of the
    (k, d) matrix W) ((n, k), (k, d)).
    """
    return {1: ((1,), (d,)), 2: ((1,), (d,)), 3: ((1,), (d,)), 4: ((n,), (d,)),
            5: ((d,), (d,)), 6: ((d,), (d,)), 7: ((n, k), (k, d))}


def jacobian_shapes_for(n, d, k):
    """Shapes of the seven Jacobians of q2, as ``output shape + input shape``.

    Returns {item: shape}: 1-3 -> (1, d); 4 -> (n, d); 5, 6 -> (d, d); 7 -> (n, k, k, d).
    """
    return {item: out + inp for item, (out, inp) in jacobian_io_shapes_for(n, d, k).items()}


def _vector(w, name="w"):
    """``w`` as a float64 array of shape (d,); a (d, 1) column vector is flattened."""
    w = np.asarray(w, dtype=np.float64)
    if w.ndim == 2 and w.shape[1] == 1:
        w = w[:, 0]
    if w.ndim != 1:
        raise ValueError(f"{name} should be a vector of shape (d,), got shape {w.shape}")
    return w


def _matrix(A, name):
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2:
        raise ValueError(f"{name} should be a matrix, got shape {A.shape}")
    return A


def f_constant(w, c=1.0):
    """Item 1 forward: f(w) = c. Input w, shape (d,); returns [c], shape (1,)."""
    _vector(w)
    return np.array([c], dtype=np.float64)


def jac_constant(w):
    """Item 1: J_f(w) for f(w) = c is the zero row (0 ... 0).

    Input w, shape (d,). Returns zeros, shape (1, d).
    """
    return np.zeros((1, _vector(w).size))


def f_sq_norm(w):
    """Item 2 forward: f(w) = ||w||^2 = sum_j w_j^2. Input w, shape (d,); returns shape (1,)."""
    w = _vector(w)
    return np.array([w @ w])


def jac_sq_norm(w):
    """Item 2: J_f(w) for f(w) = ||w||^2 is df/dw_j = 2 w_j, i.e. 2 w^T.

    Input w, shape (d,). Returns 2 w as a row, shape (1, d).
    """
    return 2.0 * _vector(w)[None, :]


def f_dot(w, x):
    """Item 3 forward: f(w) = w^T x_i = sum_j w_j x_ij.

    Inputs w, x: shape (d,) each. Returns shape (1,).
    """
    w, x = _vector(w), _vector(x, "x")
    return np.array([w @ x])


def jac_dot(w, x):
    """Item 3: J_f(w) for f(w) = w^T x_i is df/dw_j = x_ij, i.e. x_i^T.

    Inputs w, x: shape (d,) each. Returns x as a row, shape (1, d) (independent of w).
    """
    w, x = _vector(w), _vector(x, "x")
    if x.shape != w.shape:
        raise ValueError(f"w {w.shape} and x {x.shape} should have the same shape")
    return x[None, :].copy()


def f_matvec(w, X):
    """Item 4 forward: f(w) = X w. Inputs w, shape (d,); X, shape (n, d). Returns shape (n,)."""
    return _matrix(X, "X") @ _vector(w)


def jac_matvec(w, X):
    """Item 4: J_f(w) for f(w) = X w is d f_i / d w_j = X_ij, i.e. X itself.

    Inputs w, shape (d,); X, shape (n, d). Returns X, shape (n, d).
    """
    w, X = _vector(w), _matrix(X, "X")
    if X.shape[1] != w.size:
        raise ValueError(f"X {X.shape} needs {w.size} columns to multiply w {w.shape}")
    return X.copy()


def f_identity(w):
    """Item 5 forward: f(w) = w. Input w, shape (d,); returns shape (d,)."""
    return _vector(w).copy()


def jac_identity(w):
    """Item 5: J_f(w) for f(w) = w is d w_i / d w_j = delta_ij, i.e. I_d.

    Input w, shape (d,). Returns the identity, shape (d, d).
    """
    return np.eye(_vector(w).size)


def f_square(w):
    """Item 6 forward: f(w) = w**2 elementwise. Input w, shape (d,); returns shape (d,)."""
    return _vector(w) ** 2


def jac_square(w):
    """Item 6: J_f(w) for f(w) = w**2 is d w_i^2 / d w_j = 2 w_i delta_ij, i.e. diag(2 w).

    Input w, shape (d,). Returns diag(2 w), shape (d, d).
    """
    return np.diag(2.0 * _vector(w))


def f_XWt(W, X):
    """Item 7 forward: f(W) = X W^T, f_ij = sum_p X_ip W_jp.

    Inputs W, shape (k, d); X, shape (n, d). Returns shape (n, k).
    """
    return _matrix(X, "X") @ _matrix(W, "W").T


def jac_XWt(W, X):
    """Item 7 (extra credit): J_f(W) for f(W) = X W^T.

    d f_ij / d W_kl = d/dW_kl sum_p X_ip W_jp = X_il * 1[j = k]
    (the only term that depends on W_kl is p = l, and only in column j = k of f).

    Inputs W, shape (k, d); X, shape (n, d).
    Returns J, shape (n, k, k, d), with J[i, j, k, l] = X[i, l] if j == k else 0.
    The value does not depend on W (f is linear in W); W sets k and is shape-checked.
    """
    W, X = _matrix(W, "W"), _matrix(X, "X")
    if W.shape[1] != X.shape[1]:
        raise ValueError(f"W {W.shape} and X {X.shape} should have the same number of columns")
    return np.einsum("il,jk->ijkl", X, np.eye(W.shape[0]))


#: q2 item -> (forward f, Jacobian), both taking (w) or (w, x) / (w, X) / (W, X) as above.
jacobian_items = {
    1: (f_constant, jac_constant),
    2: (f_sq_norm, jac_sq_norm),
    3: (f_dot, jac_dot),
    4: (f_matvec, jac_matvec),
    5: (f_identity, jac_identity),
    6: (f_square, jac_square),
    7: (f_XWt, jac_XWt),
}


# ---------------------------------------------------------------------------------------
# q3: activations and softmax
# ---------------------------------------------------------------------------------------

def softmax(z):
    """sigma(z)_i = e^{z_i} / sum_k e^{z_k}, over the last axis.

    Input z, shape (m,) (or (..., m)); returns the same shape, entries in [0, 1] summing to 1.
    Shifting by max(z) leaves sigma unchanged and keeps every exponent <= 0, so
    softmax([1000, 0, -1000]) = [1, 0, 0] without overflow.
    """
    z = _float_array(z)
    if z.ndim == 0:
        raise ValueError("softmax needs a vector, got a scalar")
    with np.errstate(under="ignore"):
        e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_jacobian(z):
    """Jacobian of softmax: d sigma_i / d z_j = sigma_i (delta_ij - sigma_j).

    Input z, shape (m,). Returns J = diag(sigma) - sigma sigma^T, shape (m, m). J is
    symmetric and each row sums to sigma_i (1 - sum_j sigma_j) = 0.
    """
    z = _float_array(z)
    if z.ndim != 1:
        raise ValueError(f"softmax_jacobian needs a vector of shape (m,), got shape {z.shape}")
    s = softmax(z)
    with np.errstate(under="ignore"):
        return np.diag(s) - np.outer(s, s)


# ---------------------------------------------------------------------------------------
# q4: XOR
# ---------------------------------------------------------------------------------------

#: q4.1. y_hat = ReLU(w1 x1 + w2 x2 + b) cannot be XOR: with z(x) = w.x + b,
#: z(0,1) + z(1,0) = w1 + w2 + 2b = z(0,0) + z(1,1). XOR needs ReLU(z) = 1 at (0,1), (1,0),
#: so both z there are 1 and the left side is 2, and ReLU(z) = 0 at (0,0), (1,1), so both z
#: there are <= 0 and the right side is <= 0. Contradiction.
single_layer_can_xor = False

#: The four XOR inputs, shape (4, 2), one per row, and their targets, shape (4,).
XOR_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_TARGETS = np.array([0.0, 1.0, 1.0, 0.0])

# q4.2: h = ReLU(W1 x + b1), y_hat = W2 h + b2 (the handout's weights, checked: outputs 0,1,1,0).
# h_1 = ReLU(x1 + x2), h_2 = ReLU(x1 + x2 - 1), y_hat = h_1 - 2 h_2.
W1 = np.array([[1.0, 1.0], [1.0, 1.0]])  # (2, 2): hidden x input
b1 = np.array([0.0, -1.0])               # (2,)
W2 = np.array([[1.0, -2.0]])             # (1, 2): output x hidden, the handout's row (1 -2)
b2 = 0.0                                 # scalar


def _xor_params(W1, b1, W2, b2):
    """Parameters in canonical shapes W1 (h, 2), b1 (h,), W2 (1, h), b2 float.

    Accepts lists; b1 as (h,) or (h, 1); W2 as (h,), (1, h) or (h, 1); b2 as a scalar,
    (1,) or (1, 1).
    """
    W1 = np.asarray(W1, dtype=np.float64)
    if W1.ndim != 2 or W1.shape[1] != 2:
        raise ValueError(f"W1 should have shape (hidden, 2), got {W1.shape}")
    hidden = W1.shape[0]
    b1 = np.asarray(b1, dtype=np.float64)
    if b1.size != hidden or b1.ndim > 2 or (b1.ndim == 2 and b1.shape[1] != 1):
        raise ValueError(f"b1 should have shape ({hidden},), got {b1.shape}")
    W2 = np.asarray(W2, dtype=np.float64)
    if W2.size != hidden or W2.ndim > 2 or (W2.ndim == 2 and 1 not in W2.shape):
        raise ValueError(f"W2 should have shape (1, {hidden}) or ({hidden},), got {W2.shape}")
    b2 = np.asarray(b2, dtype=np.float64)
    if b2.size != 1:
        raise ValueError(f"b2 should be a scalar, got shape {b2.shape}")
    return W1, b1.reshape(hidden), W2.reshape(1, hidden), float(b2.reshape(()))


def square(t):
    """f(t) = t^2, elementwise: a non-monotone activation (for q4.4)."""
    return _result(_float_array(t) ** 2)


def square_prime(t):
    """f'(t) = 2 t, elementwise."""
    return _result(2.0 * _float_array(t))


#: Hidden activations of the q4 network by name: (f, f').
ACTIVATIONS = {
    "relu": (relu, relu_prime),
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
    "square": (square, square_prime),
}


def xor_forward(W1, b1, W2, b2, X, activation="relu"):
    """Forward pass h = f(W1 x + b1), y_hat = W2 h + b2 for each row x of X.

    Inputs:
    - W1: (h, 2); b1: (h,); W2: (1, h) or (h,); b2: scalar (see :func:`_xor_params`)
    - X: inputs, one per row, shape (N, 2)
    - activation: a key of :data:`ACTIVATIONS` (f = ReLU by default, as in q4.2 and q4.3)

    Returns (y_hat, cache): y_hat, shape (N,); cache = (X, Z1, H, W2) with
    Z1 = X W1^T + b1 and H = f(Z1), each (N, h), and W2 (1, h).
    """
    act = ACTIVATIONS[activation][0]
    W1, b1, W2, b2 = _xor_params(W1, b1, W2, b2)
    X = _matrix(X, "X")
    Z1 = X @ W1.T + b1
    H = np.asarray(act(Z1), dtype=np.float64)
    y_hat = H @ W2[0] + b2
    return y_hat, (X, Z1, H, W2)


def xor_outputs(W1, b1, W2, b2):
    """Network outputs on the XOR inputs (0,0), (0,1), (1,0), (1,1), in that order.

    Inputs: W1 (h, 2); b1 (h,); W2 (1, h) or (h,); b2 scalar; lists are accepted.
    Returns y_hat, shape (4,).
    """
    return xor_forward(W1, b1, W2, b2, XOR_INPUTS)[0]


def xor_mse_loss(W1, b1, W2, b2, X, y, activation="relu"):
    """Mean squared error L = (1/N) sum_s (y_hat_s - y_s)^2 of the q4 network.

    Inputs: parameters and activation as :func:`xor_forward`; X, shape (N, 2); y, targets,
    shape (N,). Returns L, a float.
    """
    y_hat = xor_forward(W1, b1, W2, b2, X, activation)[0]
    y = np.asarray(y, dtype=np.float64).reshape(y_hat.shape)
    return float(np.mean((y_hat - y) ** 2))


def xor_mse_grads(W1, b1, W2, b2, X, y, activation="relu"):
    """Gradients of the mean squared error :func:`xor_mse_loss`.

    Inputs: parameters and activation as :func:`xor_forward`; X, shape (N, 2); y, shape (N,).

    Returns a dict, with dy_hat = 2 (y_hat - y) / N of shape (N,) and
    dZ1 = (dy_hat W2) * f'(Z1) of shape (N, h) (for ReLU, ReLU'(0) = 0):
    - "dW1": dL/dW1 = dZ1^T X, shape (h, 2)
    - "db1": dL/db1 = sum_s dZ1_s, shape (h,)
    - "dW2": dL/dW2 = dy_hat^T H, shape (1, h)
    - "db2": dL/db2 = sum_s dy_hat_s, a float
    """
    act_prime = ACTIVATIONS[activation][1]
    y_hat, (X, Z1, H, W2c) = xor_forward(W1, b1, W2, b2, X, activation)
    y = np.asarray(y, dtype=np.float64).reshape(y_hat.shape)
    dy_hat = 2.0 * (y_hat - y) / y.size
    dZ1 = np.outer(dy_hat, W2c[0]) * np.asarray(act_prime(Z1), dtype=np.float64)
    return {
        "dW1": dZ1.T @ X,
        "db1": dZ1.sum(axis=0),
        "dW2": (dy_hat @ H)[None, :],
        "db2": float(dy_hat.sum()),
    }


def xor_zero_init_grads(X, y, hidden=2):
    """q4.3: gradients of the mean squared error at W1 = 0, b1 = 0, W2 = 0, b2 = 0.

    The handout allows any differentiable loss l(y_hat, y); this uses
    L = (1/N) sum_s (y_hat_s - y_s)^2 over the N samples (N = 4 for XOR).

    With zero parameters Z1 = 0 and H = ReLU(0) = 0, so y_hat = 0 and
    dW2 = dy_hat^T H = 0, dZ1 = (dy_hat W2) * ReLU'(Z1) = 0, hence dW1 = 0 and db1 = 0;
    only db2 = sum_s 2 (0 - y_s) / N = -2 mean(y) is non-zero (-1 for XOR). The zero
    gradients stay zero after every step, so W1, b1, W2 never move.

    Inputs: X, shape (N, 2); y, shape (N,); hidden, number of hidden units h.
    Returns a dict "dW1" (h, 2), "db1" (h,), "dW2" (1, h), "db2" float.
    """
    return xor_mse_grads(np.zeros((hidden, 2)), np.zeros(hidden), np.zeros((1, hidden)), 0.0,
                         X, y)


def constant_init(c, hidden=2):
    """Every weight and bias of the q4 network equal to the number c (q4.3: c = 0; q4.4).

    Returns a dict "W1" (hidden, 2), "b1" (hidden,), "W2" (1, hidden), "b2" float.
    """
    return {"W1": np.full((hidden, 2), float(c)), "b1": np.full(hidden, float(c)),
            "W2": np.full((1, hidden), float(c)), "b2": float(c)}


def xor_gradient_descent(params, X, y, lr, steps, activation="relu"):
    """Full-batch gradient descent on :func:`xor_mse_loss` from ``params``.

    Inputs: params, a dict as :func:`constant_init` returns (not modified); X, shape (N, 2);
    y, shape (N,); lr, the step size; steps, the number of steps; activation as
    :func:`xor_forward`.

    Returns (params, losses): the parameters after ``steps`` steps
    p <- p - lr dL/dp, same keys and shapes, and the loss before each step, a list.
    """
    p = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    losses = []
    for _ in range(steps):
        losses.append(xor_mse_loss(p["W1"], p["b1"], p["W2"], p["b2"], X, y, activation))
        g = xor_mse_grads(p["W1"], p["b1"], p["W2"], p["b2"], X, y, activation)
        for k in p:
            p[k] = p[k] - lr * np.asarray(g["d" + k])
    p["b2"] = float(p["b2"])
    return p, losses


#: q4.4: with the non-monotone f(t) = t^2 one symmetric hidden unit (both input weights
#: equal) already outputs XOR: y_hat = 1 - (x1 + x2 - 1)^2. So the handout's claim for an
#: "arbitrary" activation holds only for monotone ones (ReLU, sigmoid, tanh).
XOR_SQUARE_UNIT = {"W1": np.array([[1.0, 1.0]]), "b1": np.array([-1.0]),
                   "W2": np.array([[-1.0]]), "b2": 1.0}

#: The smallest mean squared error on XOR of any y_hat = g(x1 + x2) with g monotone: the
#: isotonic fit of (0, 1, 1, 0) at x1 + x2 = (0, 1, 1, 2) is (0, 2/3, 2/3, 2/3), L = 1/6.
XOR_MONOTONE_SYMMETRIC_MIN_MSE = 1.0 / 6.0


# ---------------------------------------------------------------------------------------
# q5: computation graph of f(x, y, z) = ln x + exp(y) z
# ---------------------------------------------------------------------------------------

def graph_forward_backward(x, y, z):
    """Forward and backward pass through h1 = ln x, h2 = exp(y), h3 = h2 z, f = h1 + h3.

    Inputs: x > 0, y, z, floats.

    Returns a dict of floats:
    - forward: "h1" = ln x, "h2" = e^y, "h3" = e^y z, "f" = ln x + e^y z
    - upstream gradients: "df_dh1" = 1, "df_dh3" = 1, "df_dh2" = df/dh3 * dh3/dh2 = z
    - inputs: "df_dx" = df/dh1 * 1/x = 1/x, "df_dy" = df/dh2 * e^y = z e^y,
      "df_dz" = df/dh3 * h2 = e^y
    """
    x, y, z = float(x), float(y), float(z)
    if not x > 0:
        raise ValueError(f"ln x needs x > 0, got x = {x}")
    h1 = np.log(x)
    h2 = np.exp(y)
    h3 = h2 * z
    f = h1 + h3
    df_dh1 = 1.0
    df_dh3 = 1.0
    df_dh2 = df_dh3 * z
    return {
        "h1": float(h1), "h2": float(h2), "h3": float(h3), "f": float(f),
        "df_dh1": df_dh1, "df_dh2": float(df_dh2), "df_dh3": df_dh3,
        "df_dx": float(df_dh1 / x),
        "df_dy": float(df_dh2 * h2),
        "df_dz": float(df_dh3 * h2),
    }


def local_partials_at(x, y, z):
    """q5.3: the local partial derivative of each node with respect to each of its inputs.

    Inputs: x > 0, y, z, floats. Returns a dict of floats:
    "dh1_dx" = 1/x (h1 = ln x), "dh2_dy" = e^y (h2 = exp y), "dh3_dh2" = z and
    "dh3_dz" = h2 = e^y (h3 = h2 z), "df_dh1" = 1 and "df_dh3" = 1 (f = h1 + h3).
    """
    x, y, z = float(x), float(y), float(z)
    if not x > 0:
        raise ValueError(f"ln x needs x > 0, got x = {x}")
    ey = float(np.exp(y))
    return {"dh1_dx": 1.0 / x, "dh2_dy": ey, "dh3_dh2": z, "dh3_dz": ey,
            "df_dh1": 1.0, "df_dh3": 1.0}


#: q5.1: the computation graph of f(x, y, z) = ln x + exp(y) z, one simple operation per
#: node, as a dict from each node to the list of its inputs (the handout's names; the
#: intermediate nodes numbered in the order Python evaluates np.log(x) + np.exp(y) * z).
computation_graph = {"x": [], "y": [], "z": [], "h1": ["x"], "h2": ["y"],
                     "h3": ["h2", "z"], "f": ["h1", "h3"]}
