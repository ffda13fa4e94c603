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
"""

import re

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

#: The option letters each multiple-choice item offers.
mcq_options = {1: "ABCD", 2: "AB", 3: "AB", 4: "ABCD", 9: "ABC", 10: "AB"}

_MCQ_SEPARATORS = re.compile(r"[\s,;/&+]+")


def normalize_mcq(answer, options=None):
    """Canonical form of a multiple-choice answer: a frozenset of uppercase letters.

    Inputs:
    - answer: a string ("A", "ac", "A, C", "A;C", "A C") or an iterable of such strings
      (["A", "C"], {"a"}, frozenset("AC"))
    - options: optional string of allowed letters (e.g. ``mcq_options[1]``); a letter
      outside it raises ValueError

    Returns a frozenset of uppercase letters, e.g. frozenset({"A", "C"}).
    Raises TypeError for a non-string answer (None, ``...``, a number) and ValueError for an
    answer with no letter or with characters other than letters and separators , ; / & +.
    """
    if isinstance(answer, str):
        parts = [answer]
    elif isinstance(answer, (list, tuple, set, frozenset)):
        parts = list(answer)
        if not all(isinstance(p, str) for p in parts):
            raise TypeError(f"multiple-choice answer must contain only strings, got {answer!r}")
    else:
        raise TypeError(f"multiple-choice answer must be a string of option letters such "
                        f"as 'A' or 'AC', got {answer!r}")
    letters = _MCQ_SEPARATORS.sub("", "".join(parts)).upper()
    if not letters:
        raise ValueError(f"no option letter in answer {answer!r}")
    if not letters.isalpha() or not letters.isascii():
        raise ValueError(f"answer {answer!r} should contain only option letters and separators "
                         f"(e.g. 'A' or 'A, C')")
    if options is not None:
        bad = sorted(set(letters) - set(options.upper()))
        if bad:
            raise ValueError(f"answer {answer!r} uses letter(s) {''.join(bad)} not among the "
                             f"options {options}")
    return frozenset(letters)


def mcq_is_correct(question, answer):
    """Whether ``answer`` (any form :func:`normalize_mcq` accepts) is right for ``question``."""
    return normalize_mcq(answer, mcq_options[question]) == normalize_mcq(mcq_answers[question])


# ---------------------------------------------------------------------------------------
# q2: Jacobian shapes and values
# ---------------------------------------------------------------------------------------

def jacobian_shapes_for(n, d, k):
    """Shapes of the seven Jacobians of q2, as ``output shape + input shape``.

    Inputs:
    - n: rows of X; d: length of w and x_i, columns of X and W; k: rows of W

    Returns {item: shape}: 1-3 (scalar f of w) -> (1, d); 4 (Xw) -> (n, d); 5 (w) -> (d, d);
    6 (w**2) -> (d, d); 7 (X W^T, an (n, k) function of the (k, d) matrix W) -> (n, k, k, d).
    """
    return {1: (1, d), 2: (1, d), 3: (1, d), 4: (n, d), 5: (d, d), 6: (d, d), 7: (n, k, k, d)}


#: q2 shapes for the graded sizes n=5, d=3, k=4.
jacobian_shapes = jacobian_shapes_for(5, 3, 4)


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


def xor_failures(W1, b1, W2, b2, tol=1e-6):
    """XOR inputs where the network is wrong: |y_hat - XOR(x)| > tol (NaN counts as wrong).

    Inputs: as :func:`xor_outputs`; tol, absolute tolerance.
    Returns a list of input tuples such as [(1, 1)]; [] means the weights implement XOR.
    """
    y_hat = xor_outputs(W1, b1, W2, b2)
    return [tuple(int(v) for v in x)
            for x, out, y in zip(XOR_INPUTS, y_hat, XOR_TARGETS, strict=True)
            if not abs(out - y) <= tol]


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
GRAPH_INPUTS = ("x", "y", "z")
GRAPH_INTERMEDIATE = ("h1", "h2", "h3")


def normalize_graph(graph, name="computation_graph"):
    """A graph answer as {node: frozenset of its inputs}, every node of the handout present.

    Inputs: graph, a dict from node name (a string) to its inputs (a list, tuple or set of
    names; a single name as a string is accepted too); names are compared without case or
    surrounding spaces. The input nodes x, y, z may be left out or map to no inputs.
    Returns {node: frozenset}. Raises ValueError, with a message for the student, for
    anything else (``...``, unknown names, inputs not given as names).
    """
    if graph is Ellipsis:
        raise ValueError(f"{name} is still `...`: replace it with your answer.")
    if not isinstance(graph, dict):
        raise ValueError(f"{name} should be a dict from each node's name to the list of its "
                         "inputs.")
    known = set(GRAPH_INPUTS) | set(GRAPH_INTERMEDIATE) | {"f"}
    out = {}
    for node, inputs in graph.items():
        if not isinstance(node, str):
            raise ValueError(f"the keys of {name} should be node names such as \"h1\".")
        key = node.strip().lower()
        if isinstance(inputs, str):
            inputs = [inputs]
        if type(inputs) not in (list, tuple, set, frozenset) or \
                not all(isinstance(v, str) for v in inputs):
            raise ValueError(f"{name}[{node!r}] should be a list of node names such as "
                             "[\"x\"] (or [] for an input node).")
        names = [v.strip().lower() for v in inputs]
        for n in [key, *names]:
            if n not in known:
                raise ValueError(f"{name} uses the name {n!r}: use only the names "
                                 f"{', '.join(sorted(known))}.")
        if key in out:
            raise ValueError(f"{name} lists node {key!r} twice.")
        if len(set(names)) != len(names):
            raise ValueError(f"{name}[{node!r}] lists the same input twice.")
        out[key] = frozenset(names)
    for n in GRAPH_INPUTS:
        out.setdefault(n, frozenset())
    return out


def _relabel(graph, mapping):
    return {mapping.get(k, k): frozenset(mapping.get(v, v) for v in ins)
            for k, ins in graph.items()}


def graph_problem(graph, name="computation_graph"):
    """Why ``graph`` is not the computation graph of q5.1, or None if it is.

    Any numbering of the intermediate nodes h1, h2, h3 is accepted (the graph is the same);
    the later parts of q5 use the numbering the prompt fixes. Returns a phrase naming the
    mistake without giving the graph. Raises ValueError as :func:`normalize_graph`.
    """
    import itertools
    got = normalize_graph(graph, name)
    want = normalize_graph(computation_graph)
    for perm in itertools.permutations(GRAPH_INTERMEDIATE):
        if _relabel(got, dict(zip(GRAPH_INTERMEDIATE, perm, strict=True))) == want:
            return None
    reverse = {n: frozenset(m for m, ins in want.items() if n in ins) for n in want}
    if {k: v for k, v in got.items() if v} == {k: v for k, v in reverse.items() if v}:
        return (f"{name} looks reversed: it maps each node to the nodes it feeds (its "
                "outputs), not to its inputs")
    for n in GRAPH_INPUTS:
        if got[n]:
            return f"{name}[{n!r}] lists inputs, but {n} is an input of the graph"
    missing = [n for n in (*GRAPH_INTERMEDIATE, "f") if not got.get(n)]
    if missing:
        return (f"node {missing[0]!r} has no inputs listed: every node other than x, y, z "
                "should list its inputs")
    for n in (*GRAPH_INTERMEDIATE, "f"):
        if n in got[n]:
            return f"node {n!r} lists itself as an input"
    if any(len(got[n]) > 2 for n in got):
        return ("a node has more than two inputs: each node should be one simple operation "
                "(ln, exp, a product or a sum of two things)")
    used = set().union(*got.values())
    if "f" in used:
        return "f is used as an input, but f is the output of the graph"
    unused = [n for n in (*GRAPH_INPUTS, *GRAPH_INTERMEDIATE) if n not in used]
    if unused:
        return f"node {unused[0]!r} is not an input of any node, so it cannot reach f"
    return (f"{name} is not the graph of ln x + exp(y) z with one simple operation per "
            "node: check which node each operation takes its inputs from")


#: q5 is evaluated at [x, y, z] = [1, 3, 2]:
#: h1 = 0, h2 = e^3 ~ 20.0855, h3 = f = 2 e^3 ~ 40.1711, df/dh1 = 1, df/dh2 = 2,
#: df/dh3 = 1, df/dx = 1, df/dy = 2 e^3 ~ 40.1711, df/dz = e^3 ~ 20.0855.
graph_point = (1.0, 3.0, 2.0)
graph_values = graph_forward_backward(*graph_point)
#: q5.3 local partials at [1, 3, 2]: dh1/dx = 1, dh2/dy = e^3, dh3/dh2 = 2, dh3/dz = e^3,
#: df/dh1 = df/dh3 = 1.
local_partials = local_partials_at(*graph_point)


# ---------------------------------------------------------------------------------------
# Helpers for the notebook's hidden tests: plain data in, plain data (or ValueError) out
# ---------------------------------------------------------------------------------------

def jacobian_io_shapes_for(n, d, k):
    """(output shape, input shape) of each q2 item: its Jacobian's shape is their concatenation.

    Inputs: n, d, k as :func:`jacobian_shapes_for`.
    Returns {item: (out_shape, in_shape)}, e.g. {1: ((1,), (d,)), ..., 7: ((n, k), (k, d))}.
    """
    return {1: ((1,), (d,)), 2: ((1,), (d,)), 3: ((1,), (d,)), 4: ((n,), (d,)),
            5: ((d,), (d,)), 6: ((d,), (d,)), 7: ((n, k), (k, d))}


def answer_for(answers, item):
    """The entry for ``item`` of a dict answer keyed by item number (int, or the same as a str).

    Inputs: answers, a dict; item, an int. Returns the entry, or ``...`` if there is none.
    """
    for key in (item, str(item)):
        if key in answers:
            return answers[key]
    return Ellipsis


def shape_answer(value, name):
    """A shape answer as a tuple of ints.

    Inputs: value, a tuple, list or 1-D integer array of whole numbers such as (2, 3) or [2, 3];
    name, what to call it in messages.
    Returns a tuple of python ints. Raises ValueError, with a message for the student, for
    anything else (``...``, a string, a number, floats that are not whole, negative sizes).
    """
    if value is Ellipsis:
        raise ValueError(f"{name} is still `...`: replace it with your answer.")
    if isinstance(value, np.ndarray):
        value = value.tolist() if value.ndim == 1 else None
    if type(value) not in (tuple, list):
        raise ValueError(f"{name} should be a shape: a tuple of whole numbers such as (2, 3).")
    out = []
    for s in value:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, float, np.integer,
                                                                 np.floating)):
            raise ValueError(f"{name} should be a shape: a tuple of whole numbers such as "
                             "(2, 3).")
        if not np.isfinite(s) or s != int(s) or s < 1:
            raise ValueError(f"{name} should hold positive whole numbers.")
        out.append(int(s))
    return tuple(out)


def jacobian_shape_problem(got, out_shape, in_shape):
    """Why ``got`` is not the shape of the Jacobian of a map in_shape -> out_shape, or None.

    Inputs: got, out_shape, in_shape: tuples of ints.
    Returns None if got == out_shape + in_shape, else a phrase to follow the answer's name
    ("looks transposed: ..."). The phrase names the mistake, never the right shape.
    """
    got, out_shape, in_shape = tuple(got), tuple(out_shape), tuple(in_shape)
    want = out_shape + in_shape
    if got == want:
        return None
    rule = "a Jacobian's shape is the output's shape followed by the input's"
    if got == in_shape + out_shape:
        return ("looks transposed: it is the input's shape followed by the output's, but "
                + rule)
    if got == out_shape == in_shape:
        return f"is the shape of the input (and of the output), not of the Jacobian: {rule}"
    if got == in_shape and int(np.prod(out_shape)) == 1:
        return ("has no axis for the output: a scalar output counts as a vector of length 1, "
                f"and {rule}")
    if got == out_shape:
        return f"is the shape of the output, not of the Jacobian: {rule}"
    if got == in_shape:
        return f"is the shape of the input, not of the Jacobian: {rule}"
    squeeze = tuple(s for s in got if s != 1)
    if len(got) > len(want) and squeeze == tuple(s for s in want if s != 1):
        return ("has extra axes of length 1: count a d x 1 column vector as a vector of "
                f"length d, and {rule}")
    if int(np.prod(got)) == int(np.prod(want)) and len(got) < len(want):
        return ("has the right number of entries but too few axes: keep every axis of the "
                f"output and every axis of the input ({rule})")
    return f"is not the right shape: {rule}"
