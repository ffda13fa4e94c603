"""Reference solution for ``mlp-backprop``: a two-layer MLP, forward and backward by hand.

The network is ``Linear1 -> f -> Linear2 -> g -> loss``::

    z1    = X W1^T + b1        (n, h)
    z2    = f(z1)              (n, h)
    z3    = z2 W2^T + b2       (n, k)
    y_hat = g(z3)              (n, k)
    J     = loss(y_hat, y)     scalar, averaged over the n samples

Losses follow the handout's per-sample definitions, averaged over the n samples of a
batch: the MSE is the handout's l_MSE(y_hat, y) = ||y_hat - y||^2 (a sum over the k
outputs), so J = (1/n) sum_s ||y_hat_s - y_s||^2 and dJ/dy_hat = 2 (y_hat - y) / n (for
one sample exactly the handout's 2 (y_hat_i - y_i)); the BCE is the handout's per-sample
mean over the k outputs (its 1.3(b) answer carries 1/k), averaged over the samples, which
is the mean over all n k elements (like ``torch.nn.BCELoss()``).

Parameters use PyTorch's ``nn.Linear`` (out, in) layout::

    params = {"W1": (h, d), "b1": (h,), "W2": (k, h), "b2": (k,)}

A batch ``X`` has shape (n, d), one sample per row. ``d`` is the input width, ``h`` the
hidden width and ``k`` the output width. Activations are named ``"relu"``,
``"sigmoid"`` and ``"identity"``; ReLU's derivative at 0 is taken to be 0 (as in PyTorch).

Jacobian convention (used by :func:`activation_jacobian` and :func:`jacobian_shapes`):
the Jacobian of y in R^p with respect to x in R^q is the (p, q) matrix with entries
dy_i / dx_j. A scalar loss therefore has a (1, k) Jacobian with respect to y_hat.
"""

import numpy as np

from solutions import activations

ACTIVATIONS = ("relu", "sigmoid", "identity")

# --------------------------------------------------------------------------------------
# 1.2(a) The five steps of one training iteration
# --------------------------------------------------------------------------------------

training_step_order = ["forward", "loss", "zero_grad", "backward", "step"]
"""The canonical order of one training step, as in a PyTorch loop::

    y_hat = model(x)          # forward
    J = criterion(y_hat, y)   # loss
    optimizer.zero_grad()     # zero_grad
    J.backward()              # backward
    optimizer.step()          # step:  W <- W - eta dJ/dW
"""


def is_valid_training_step_order(order):
    """Whether ``order`` is a valid ordering of one training step.

    Inputs:
    - order: sequence of step names (strings)

    Returns True iff ``order`` contains each of the five names of
    :data:`training_step_order` exactly once (nothing else), with
    forward < loss < backward < step, and zero_grad anywhere before backward
    (before forward, between forward and loss, or between loss and backward: the
    gradients only have to be cleared before ``backward`` accumulates into them).
    Returns False otherwise, including for missing, repeated or unknown names.
    """
    try:
        order = list(order)
    except TypeError:
        return False
    if any(not isinstance(s, str) for s in order):
        return False
    if len(order) != len(training_step_order) or set(order) != set(training_step_order):
        return False
    pos = {name: i for i, name in enumerate(order)}
    return (pos["forward"] < pos["loss"] < pos["backward"] < pos["step"]
            and pos["zero_grad"] < pos["backward"])


# --------------------------------------------------------------------------------------
# 1.2(b) Layer table
# --------------------------------------------------------------------------------------

def layer_table(d, h, k):
    """Input and output shape of each layer for ONE sample.

    Inputs:
    - d, h, k: input, hidden and output widths (ints)

    Returns a list of 5 tuples ``(layer_name, input_shape, output_shape)``, shapes as
    numpy-style tuples, in forward order::

        [("Linear1", (d,), (h,)),    # z1 = W1 x + b1
         ("f",       (h,), (h,)),    # z2 = f(z1), element-wise
         ("Linear2", (h,), (k,)),    # z3 = W2 z2 + b2
         ("g",       (k,), (k,)),    # y_hat = g(z3), element-wise
         ("Loss",    (k,), ())]      # J = loss(y_hat, y), a scalar

    The Loss row's input shape is that of y_hat (the target y has the same shape).
    """
    d, h, k = int(d), int(h), int(k)
    return [
        ("Linear1", (d,), (h,)),
        ("f", (h,), (h,)),
        ("Linear2", (h,), (k,)),
        ("g", (k,), (k,)),
        ("Loss", (k,), ()),
    ]


# --------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------

def _check_activation(name):
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {ACTIVATIONS}")


# name -> (the activation, its derivative), element-wise on float arrays
_ACTIVATION_PAIRS = {
    "relu": (activations.relu, activations.relu_prime),
    "sigmoid": (activations.sigmoid, activations.sigmoid_prime),
    "identity": (np.copy, np.ones_like),
}


def activation(z, name):
    """Element-wise activation.

    Inputs:
    - z: array of any shape
    - name: "relu" (max(z, 0)), "sigmoid" (1 / (1 + exp(-z))) or "identity" (z)

    Returns an array shaped like ``z`` (float64). Sigmoid is numerically stable: no
    overflow warning and an exact 0 or 1 at |z| = 1000.
    """
    _check_activation(name)
    return np.asarray(_ACTIVATION_PAIRS[name][0](np.asarray(z, dtype=np.float64)))


def activation_prime(z, name):
    """Element-wise derivative of an activation.

    Inputs:
    - z: array of any shape
    - name: as in :func:`activation`

    Returns an array shaped like ``z``:
    - relu:     1 if z > 0 else 0  (0 at z = 0 exactly, as in PyTorch)
    - sigmoid:  sigma(z) (1 - sigma(z))  (= e^{-z} / (1 + e^{-z})^2, without overflow)
    - identity: 1
    """
    _check_activation(name)
    return np.asarray(_ACTIVATION_PAIRS[name][1](np.asarray(z, dtype=np.float64)))


def activation_jacobian(z, name):
    """Jacobian of an element-wise activation at one sample.

    Inputs:
    - z: array of shape (m,)
    - name: as in :func:`activation`

    Returns the (m, m) matrix with entries d a(z)_i / d z_j, which is diagonal:
    diag(activation_prime(z, name)), since a(z)_i depends on z_i only.
    """
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 1:
        raise ValueError(f"activation_jacobian expects one sample of shape (m,), got {z.shape}")
    return np.diag(activation_prime(z, name))


# --------------------------------------------------------------------------------------
# Losses: the handout's per-sample losses, averaged over the samples of a batch
# --------------------------------------------------------------------------------------

def _n_samples(y_hat):
    """The number of samples n: rows of a (n, k) batch, 1 for a single sample (k,)."""
    return y_hat.shape[0] if y_hat.ndim >= 2 else 1


def mse_loss(y_hat, y):
    """The handout's l_MSE = ||y_hat - y||^2 per sample, averaged over the samples.

    Inputs:
    - y_hat: predictions, shape (n, k), one sample per row (or one sample, shape (k,))
    - y: targets, same shape as y_hat

    Returns a tuple of:
    - J: float, J = (1 / n) sum_s ||y_hat_s - y_s||^2 = (1 / n) sum_{s,i} (y_hat_si - y_si)^2
      (summed over the k outputs, as in the handout; averaged over the n samples)
    - dJ_dyhat: shape of y_hat, dJ/dy_hat_si = 2 (y_hat_si - y_si) / n.
      For one sample (n = 1) this is the handout's dl/dy_hat_i = 2 (y_hat_i - y_i).

    (``torch.nn.MSELoss()`` averages over all n k elements instead: its J is this J / k.)
    """
    y_hat = np.asarray(y_hat, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if y_hat.shape != y.shape:
        raise ValueError(f"y_hat shape {y_hat.shape} != y shape {y.shape}")
    n = _n_samples(y_hat)
    diff = y_hat - y
    return float(np.sum(diff ** 2) / n), 2.0 * diff / n


BCE_EPS = 1e-12
"""Predictions are clipped to [BCE_EPS, 1 - BCE_EPS] inside :func:`bce_loss`."""


def bce_loss(y_hat, y):
    """The handout's l_BCE (a mean over the k outputs) per sample, averaged over the samples.

    Inputs:
    - y_hat: predicted probabilities in [0, 1], shape (n, k) (or one sample, shape (k,))
    - y: targets in [0, 1] (usually 0 or 1), same shape as y_hat

    Returns a tuple of:
    - J: float, J = (1 / n) sum_s l_BCE(y_hat_s, y_s) with
      l_BCE(y_hat, y) = -(1 / k) sum_i [y_i log y_hat_i + (1 - y_i) log(1 - y_hat_i)];
      that is the mean over all N = n k elements, like ``torch.nn.BCELoss()``
    - dJ_dyhat: shape of y_hat,
      dJ/dy_hat_i = -(1 / N) (y_i / y_hat_i - (1 - y_i) / (1 - y_hat_i))
                  = (y_hat_i - y_i) / (N y_hat_i (1 - y_hat_i)).
      For one sample (n = 1) the factor is 1 / k, the handout's 1.3(b) answer; for a
      batch it is 1 / (n k).

    Stability: y_hat is first clipped to p = clip(y_hat, eps, 1 - eps), eps = 1e-12
    (:data:`BCE_EPS`), and J and dJ/dy_hat are the formulas above evaluated at p. So
    y_hat = 0 or 1 exactly gives finite values and no floating-point warnings (each log
    term is >= log(eps) ~ -27.6, each derivative entry at most ~1e12 / N in size).
    Away from the clip region the results are exact; the derivative is that of the
    unclipped formula (it does not vanish where y_hat is clipped).
    """
    y_hat = np.asarray(y_hat, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if y_hat.shape != y.shape:
        raise ValueError(f"y_hat shape {y_hat.shape} != y shape {y.shape}")
    p = np.clip(y_hat, BCE_EPS, 1.0 - BCE_EPS)
    n_el = y_hat.size
    J = -np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p))
    dJ = -(y / p - (1.0 - y) / (1.0 - p)) / n_el
    return float(J), dJ


LOSSES = {"mse": mse_loss, "bce": bce_loss}


# --------------------------------------------------------------------------------------
# Forward and backward
# --------------------------------------------------------------------------------------

def mlp_forward(X, params, f, g):
    """Forward pass of Linear1 -> f -> Linear2 -> g.

    Inputs:
    - X: inputs, shape (n, d), one sample per row
    - params: dict with "W1" (h, d), "b1" (h,), "W2" (k, h), "b2" (k,)
    - f, g: activation names (see :func:`activation`)

    Returns a tuple of:
    - y_hat: shape (n, k)
    - cache: dict with "X" (n, d), "z1" (n, h), "z2" (n, h), "z3" (n, k),
      "y_hat" (n, k), and the activation names "f", "g"

    z1 = X W1^T + b1, z2 = f(z1), z3 = z2 W2^T + b2, y_hat = g(z3).
    (A single sample X of shape (d,) also works and gives 1-D results.)
    """
    X = np.asarray(X, dtype=np.float64)
    W1, b1, W2, b2 = (np.asarray(params[key], dtype=np.float64) for key in ("W1", "b1", "W2", "b2"))
    z1 = X @ W1.T + b1
    z2 = activation(z1, f)
    z3 = z2 @ W2.T + b2
    y_hat = activation(z3, g)
    cache = {"X": X, "z1": z1, "z2": z2, "z3": z3, "y_hat": y_hat, "f": f, "g": g}
    return y_hat, cache


def mlp_backward(dJ_dyhat, cache, params, f, g):
    """Backward pass: gradients of the scalar loss J with respect to every parameter.

    Inputs:
    - dJ_dyhat: upstream gradient dJ/dy_hat, shape (n, k) (from :func:`mse_loss` or
      :func:`bce_loss`, so it already carries the mean's 1 / n or 1 / (n k))
    - cache: from :func:`mlp_forward`
    - params: dict with "W1" (h, d), "b1" (h,), "W2" (k, h), "b2" (k,)
    - f, g: the activation names used in the forward pass

    Returns a dict of gradients, each shaped like its parameter:
    - "dW1" (h, d), "db1" (h,), "dW2" (k, h), "db2" (k,)

    With row-per-sample batches (the sums run over the n samples):
        dJ/dz3 = dJ/dy_hat * g'(z3)          (n, k)  element-wise
        dJ/dW2 = (dJ/dz3)^T z2               (k, h)
        dJ/db2 = sum_rows dJ/dz3             (k,)
        dJ/dz2 = dJ/dz3 W2                   (n, h)
        dJ/dz1 = dJ/dz2 * f'(z1)             (n, h)  element-wise
        dJ/dW1 = (dJ/dz1)^T X                (h, d)
        dJ/db1 = sum_rows dJ/dz1             (h,)
    For one sample these are the Jacobian chain dJ/dW2 = (dJ/dy_hat dy_hat/dz3)^T z2^T,
    dJ/dW1 = (dJ/dy_hat dy_hat/dz3 W2 dz2/dz1)^T x^T (outer products, (out, in) layout).
    """
    W2 = np.asarray(params["W2"], dtype=np.float64)
    h, d = np.shape(params["W1"])
    k = W2.shape[0]
    X = np.asarray(cache["X"], dtype=np.float64).reshape(-1, d)
    z1 = np.asarray(cache["z1"], dtype=np.float64).reshape(-1, h)
    z2 = np.asarray(cache["z2"], dtype=np.float64).reshape(-1, h)
    z3 = np.asarray(cache["z3"], dtype=np.float64).reshape(-1, k)
    dyhat = np.asarray(dJ_dyhat, dtype=np.float64).reshape(-1, k)

    dz3 = dyhat * activation_prime(z3, g)
    dW2 = dz3.T @ z2
    db2 = dz3.sum(axis=0)
    dz2 = dz3 @ W2
    dz1 = dz2 * activation_prime(z1, f)
    dW1 = dz1.T @ X
    db1 = dz1.sum(axis=0)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def mlp_loss_and_grads(X, y, params, f, g, loss="mse"):
    """Forward, loss and backward in one call.

    Inputs:
    - X: (n, d); y: targets (n, k); params, f, g: as in :func:`mlp_forward`
    - loss: "mse" or "bce"

    Returns a tuple (J, grads): J a float, grads as from :func:`mlp_backward`.
    """
    y_hat, cache = mlp_forward(X, params, f, g)
    J, dJ_dyhat = LOSSES[loss](y_hat, y)
    return J, mlp_backward(dJ_dyhat, cache, params, f, g)


# --------------------------------------------------------------------------------------
# 1.2(c) The gradient table, in the handout's variables and numerator layout
# --------------------------------------------------------------------------------------

def gradient_table(x, W1, b1, W2, b2, dl_dyhat, dyhat_dz3, dz2_dz1, f="relu"):
    """The handout's 1.2(c) table: dl/dW for one sample, in numerator layout.

    Inputs (one sample; only the handout's allowed variables):
    - x: (d,); W1: (h, d); b1: (h,); W2: (k, h); b2: (k,)
    - dl_dyhat: (1, k), dyhat_dz3: (k, k), dz2_dz1: (h, h): the local Jacobians
      (numerator layout: du/dv is (len u, len v)), taken as given
    - f: the hidden activation (ReLU in 1.2), for z2 = f(W1 x + b1)

    Returns {"W1": (d, h), "b1": (1, h), "W2": (h, k), "b2": (1, k)}: the numerator-layout
    derivative dl/dA of the scalar l, shaped like A^T (a row for a vector A):
        dl/dW1 = x (dl/dy_hat dy_hat/dz3 W2 dz2/dz1)       (d, 1)(1, h)
        dl/db1 =    dl/dy_hat dy_hat/dz3 W2 dz2/dz1        (1, h)
        dl/dW2 = f(W1 x + b1) (dl/dy_hat dy_hat/dz3)       (h, 1)(1, k)
        dl/db2 =    dl/dy_hat dy_hat/dz3                   (1, k)
    (The parameter-shaped gradients of :func:`mlp_backward` are their transposes.)
    """
    del b2  # not needed: dl/dW does not depend on it once the Jacobians are given
    x = np.asarray(x, dtype=np.float64)
    dl_dz3 = (np.asarray(dl_dyhat, dtype=np.float64).reshape(1, -1)
              @ np.asarray(dyhat_dz3, dtype=np.float64))
    dl_dz1 = dl_dz3 @ np.asarray(W2, dtype=np.float64) @ np.asarray(dz2_dz1, dtype=np.float64)
    z2 = activation(np.asarray(W1, dtype=np.float64) @ x + np.asarray(b1, dtype=np.float64), f)
    return {"W1": x[:, None] @ dl_dz1, "b1": dl_dz1, "W2": z2[:, None] @ dl_dz3, "b2": dl_dz3}


GRADIENT_TABLE_SEED = 1220
GRADIENT_TABLE_SIZES = [(3, 2, 2), (3, 4, 2), (2, 5, 3), (4, 3, 1)]
"""(d, h, k) of the graded points of 1.2(c); h == k first, where the handout's W1 row
as printed (dy_hat/dz2 for dy_hat/dz3) can be evaluated at all."""


def gradient_table_cases():
    """The graded points of 1.2(c): a list of argument tuples for :func:`gradient_table`.

    The Jacobians are arbitrary (full, random) matrices: the answer is graded as a formula
    in the given variables, not through the values f' happens to take.
    """
    rng = np.random.default_rng(GRADIENT_TABLE_SEED)
    cases = []
    for d, h, k in GRADIENT_TABLE_SIZES:
        cases.append((rng.normal(size=d), rng.normal(size=(h, d)), rng.normal(size=h),
                      rng.normal(size=(k, h)), rng.normal(size=k), rng.normal(size=(1, k)),
                      rng.normal(size=(k, k)), rng.normal(size=(h, h))))
    return cases


# --------------------------------------------------------------------------------------
# 1.2(d) Jacobian shapes
# --------------------------------------------------------------------------------------

def jacobian_shapes(d, k, h):
    """Shapes of the three local Jacobians for ONE sample (note the argument order).

    Inputs:
    - d: input width (unused by these three shapes; kept for the question's signature)
    - k: output width
    - h: hidden width

    Returns a dict of tuples, using the module's Jacobian convention ((p, q) for
    dy/dx with y in R^p, x in R^q):
    - "dz2_dz1":  (h, h)  z1, z2 are hidden activations in R^h. (The handout's
      "assume z1 in R^d" names the hidden width d; the notebook names it h and keeps
      d for the input width: the same answer under another name.)
    - "dyhat_dz3": (k, k)
    - "dl_dyhat": (1, k)  the Jacobian of the scalar loss, a row vector: the handout's
      numerator layout. (As a gradient it would be (k,).)
    """
    del d
    k, h = int(k), int(h)
    return {"dz2_dz1": (h, h), "dyhat_dz3": (k, k), "dl_dyhat": (1, k)}


# --------------------------------------------------------------------------------------
# 1.3 Classification: which terms change
# --------------------------------------------------------------------------------------

CHANGEABLE_TERMS = [
    "z2",         # f(z1)
    "z3",         # W2 z2 + b2
    "y_hat",      # g(z3)
    "loss",       # l(y_hat, y)
    "dl_dyhat",   # dl/dy_hat as a function of (y_hat, y)
    "dyhat_dz3",  # g'(z3) on the diagonal
    "dz2_dz1",    # f'(z1) on the diagonal
    "dz3_dW2",    # z2 (dz3_i/dW2_ij = z2_j)
    "dz1_dW1",    # x  (dz1_i/dW1_ij = x_j)
    "dl_dW2",     # (dl/dz3)^T z2^T
]
"""The terms a student may name in 1.3(a)/(b)."""

# What "changes" means. The handout's 1.3(a) answer allows two consistent readings, and
# both are accepted:
#
# 1. Formula in its own immediate inputs: a term changes iff its defining formula, as a
#    function of its own inputs, is different. z3 = W2 z2 + b2 is the same function of
#    (W2, z2, b2) in both tasks (its value differs only because z2 does); so are
#    dl/dW2 = (dl/dz3)^T z2^T, dz3/dW2 (= z2), and the MSE and its derivative
#    2 (y_hat - y). Only the activations change, so exactly they and their Jacobians do.
# 2. The handout's: the forward terms z2, z3, y_hat, l written out in x, as in the layer
#    table of 1.2(b); dl/dW2 as in the gradient table of 1.2(c), in x, the parameters
#    and the three local Jacobians; the local derivatives dl/dy_hat, dy_hat/dz3,
#    dz2/dz1 (and dz3/dW2 = z2, dz1/dW1 = x) as functions of their own inputs, as in
#    1.2(d). Then z3, l and dl/dW2 = sigma(W1 x + b1) dl/dy_hat dy_hat/dz3 change too:
#    the handout's answer {z2, z3, y_hat, l, dl/dW2, dz2/dz1, dy_hat/dz3}.
#
#   regression (f = relu, g = identity, MSE) -> classification (f = g = sigmoid, MSE):
changed_terms = frozenset({"z2", "y_hat", "dz2_dz1", "dyhat_dz3"})
changed_terms_handout = frozenset(changed_terms | {"z3", "loss", "dl_dW2"})

# classification with MSE -> classification with BCE (1.3(b)): under both readings only
# the loss and its derivative dl/dy_hat change (dl/dW2 is written with dl/dy_hat, one of
# the handout's allowed variables). The handout's answer is exactly this set.
changed_terms_bce = frozenset({"loss", "dl_dyhat"})

CHANGED_TERMS_READINGS = {
    "activations": (changed_terms, changed_terms_handout),
    "bce": (changed_terms_bce, changed_terms_bce),
}
"""The accepted answers of 1.3(a) ("activations") and 1.3(b) ("bce"): one per reading."""


# --------------------------------------------------------------------------------------
# The question's own data: the layer table as asked, and seeded problems
# --------------------------------------------------------------------------------------

# The widths d, h, k of the layer table (1.2(b)) and the Jacobian shapes (1.2(d)) are
# parameters, not reference values: every student's own, they live with the student's
# checks, in ``autograder.student.mlp_backprop.VARIANTS``.


def layer_table_dict(d, h, k):
    """:func:`layer_table` as the notebook asks for it: {layer: (input_shape, output_shape)}."""
    return {name: (shape_in, shape_out) for name, shape_in, shape_out in layer_table(d, h, k)}


def random_problem(rng, f, g, n, d, h, k, margin=1e-3):
    """A random problem (X, y, params) drawn from ``rng``, safe for every reasonable answer.

    Redraws until no ReLU input (z1 for f, z3 for g) is within ``margin`` of 0, so the
    derivative at 0 never matters and a central difference never straddles a kink, and
    until some hidden unit is active. y is 0/1 when g is the sigmoid, else normal.
    """
    for _ in range(10_000):
        X = rng.normal(size=(n, d))
        params = {"W1": rng.normal(size=(h, d)), "b1": rng.normal(size=h),
                  "W2": rng.normal(size=(k, h)), "b2": rng.normal(size=k)}
        _, cache = mlp_forward(X, params, f, g)
        z1, z3 = cache["z1"], cache["z3"]
        if f == "relu" and (np.min(np.abs(z1)) <= margin or not np.any(z1 > 0)):
            continue
        if g == "relu" and np.min(np.abs(z3)) <= margin:
            continue
        break
    y = (rng.integers(0, 2, size=(n, k)).astype(np.float64) if g == "sigmoid"
         else rng.normal(size=(n, k)))
    return X, y, params


# --------------------------------------------------------------------------------------
# The graded problems, and the fallback problems for mlp_backward
# --------------------------------------------------------------------------------------

FORWARD_CASES = {
    "q1b": (1021, [("relu", "identity", (4, 3, 3, 2)),   # d == h: a W1 layout slip gets a name
                   ("relu", "identity", (5, 2, 4, 3)),
                   ("relu", "identity", (1, 4, 5, 2)),
                   ("identity", "identity", (3, 2, 3, 3))]),
    "q2a": (2021, [("sigmoid", "sigmoid", (4, 3, 5, 2)), ("sigmoid", "sigmoid", (3, 2, 2, 3)),
                   ("sigmoid", "sigmoid", (1, 4, 3, 1))]),
}
"""The forward passes the hidden tests grade: question -> (seed, [(f, g, (n, d, h, k))])."""

BACKWARD_CASES = {
    "q1c": (1207, [("relu", "identity", (4, 3, 5, 2)), ("relu", "identity", (3, 4, 4, 3)),
                   ("relu", "identity", (5, 2, 3, 1)), ("identity", "identity", (2, 3, 2, 4))]),
    "q1c_shapes": (31, None),  # five relu/identity problems of random sizes 2..7
    "q2a": (2022, [("sigmoid", "sigmoid", (4, 3, 5, 2)), ("sigmoid", "sigmoid", (3, 4, 4, 3)),
                   ("sigmoid", "sigmoid", (5, 2, 3, 1))]),
}
"""The backward passes the hidden tests grade: question -> (seed, [(f, g, (n, d, h, k))])."""

LOSS_CASES = {"mse": 77, "bce": 2042}
"""Seeds of the batches the hidden tests grade the losses on (see :func:`loss_cases`)."""
LOSS_SIZES = [(4, 3), (2, 5), (6, 2)]


def loss_cases(name):
    """The graded batches of a loss: a list of (y_hat, y), each (n, k).

    MSE: normal predictions and targets. BCE: predictions strictly inside (0, 1) (the
    stability at 0 and 1 is a test of its own) with 0/1 targets, then one batch of soft
    targets in [0, 1].
    """
    rng = np.random.default_rng(LOSS_CASES[name])
    if name == "mse":
        return [(rng.normal(size=(n, k)), rng.normal(size=(n, k))) for n, k in LOSS_SIZES]
    cases = [(rng.uniform(0.02, 0.98, size=(n, k)),
              rng.integers(0, 2, size=(n, k)).astype(np.float64)) for n, k in LOSS_SIZES]
    cases.append((rng.uniform(0.02, 0.98, size=(3, 2)), rng.uniform(size=(3, 2))))
    return cases


ACTIVATION_JACOBIAN_SEED = 404


def activation_jacobian_cases():
    """The graded points of activation_jacobian: a list of (name, z), z of shape (m,) for
    m in 3, 1, 5, with no entry within 1e-3 of ReLU's kink."""
    rng = np.random.default_rng(ACTIVATION_JACOBIAN_SEED)
    cases = []
    for name in ACTIVATIONS:
        for m in (3, 1, 5):
            z = rng.normal(scale=3, size=m)
            z[np.abs(z) < 1e-3] += 0.1
            cases.append((name, z))
    return cases


FALLBACK_SEED = 90_210
"""Seed of the fallback problems: a stream of its own, shared by no graded problem."""


def forward_cases(question):
    """The graded forward problems of a question: a list of (f, g, X, params)."""
    seed, cases = FORWARD_CASES[question]
    rng = np.random.default_rng(seed)
    out = []
    for f, g, (n, d, h, k) in cases:
        X, _, params = random_problem(rng, f, g, n, d, h, k)
        out.append((f, g, X, params))
    return out


def backward_cases(question):
    """The graded backward problems of a question: a list of (f, g, X, params, dJ_dyhat).

    The upstream gradient dJ_dyhat is drawn at random (shaped (n, k), scaled like the MSE's
    2 (y_hat - y) / n): it is not computed from the reference's forward pass, so it reveals
    none of its values.
    """
    seed, cases = BACKWARD_CASES[question]
    rng = np.random.default_rng(seed)
    if cases is None:
        cases = [("relu", "identity", tuple(int(v) for v in rng.integers(2, 8, size=4)))
                 for _ in range(5)]
    out = []
    for f, g, (n, d, h, k) in cases:
        X, _, params = random_problem(rng, f, g, n, d, h, k)
        out.append((f, g, X, params, 2.0 * rng.normal(size=(n, k)) / n))
    return out


def fallback_case(question, index, f, g, n, d, h, k):
    """A problem to grade mlp_backward with a correct cache when the student's forward fails.

    Drawn from its own seed stream (:data:`FALLBACK_SEED`, the question and the case
    index), so its forward values are not the answer to any graded test case: sending its
    cache into the student's kernel reveals nothing graded. Same f, g and sizes as the
    graded case it stands in for.

    Returns (params, cache, dJ_dyhat): cache from :func:`mlp_forward` with the suggested
    keys "X", "z1", "z2", "z3", "y_hat" only (plain arrays).
    """
    tag = sorted(BACKWARD_CASES).index(question)
    rng = np.random.default_rng([FALLBACK_SEED, tag, index])
    X, _, params = random_problem(rng, f, g, n, d, h, k)
    _, cache = mlp_forward(X, params, f, g)
    cache = {key: cache[key] for key in ("X", "z1", "z2", "z3", "y_hat")}
    return params, cache, 2.0 * rng.normal(size=(n, k)) / n


def graded_forward_values():
    """Every forward value (z1, z2, z3, y_hat) of every graded problem, as one flat array.

    None of these may ever be sent into the student's kernel (see :func:`fallback_case`).
    """
    values = []
    problems = [(f, g, X, params) for q in FORWARD_CASES for f, g, X, params in forward_cases(q)]
    problems += [(f, g, X, params) for q in BACKWARD_CASES
                 for f, g, X, params, _ in backward_cases(q)]
    for f, g, X, params in problems:
        _, cache = mlp_forward(X, params, f, g)
        values += [np.ravel(cache[key]) for key in ("z1", "z2", "z3", "y_hat")]
    return np.concatenate(values)
