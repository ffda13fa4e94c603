"""Reference solutions for the assignment ``matrix-backprop`` (Homework 3, seeds 000 and 001).

Conventions: samples are columns (Y = W X) and the L2 loss is L = ||Y - W X||^2 summed
over every entry (no mean). The numbers of the questions worked out by hand (the handout's,
and every student's own) are parameters, not reference values: they live with the
student's checks, in ``autograder.student.matrix_backprop.VARIANTS``.
"""

import numpy as np

from solutions.activations import sigmoid, sigmoid_prime  # noqa: F401  (q3a asks for them)

# --------------------------------------------------------------------------------------
# q1: matrix backpropagation
# --------------------------------------------------------------------------------------


def linear_backward(W, X, dY):
    """Gradients of Y = W @ X.

    Inputs:
    - W: weights, shape (m, n)
    - X: inputs, one sample per column, shape (n, N)
    - dY: upstream gradient dL/dY, shape (m, N)

    Returns (dW, dX): dL/dW = dY @ X.T, shape (m, n); dL/dX = W.T @ dY, shape (n, N).
    """
    W, X, dY = (np.asarray(a, dtype=np.float64) for a in (W, X, dY))
    return dY @ X.T, W.T @ dY


def l2_loss(W, X, Y):
    """L = ||Y - W X||^2, summed over every entry; W (m, n), X (n, N), Y (m, N) -> float."""
    W, X, Y = (np.asarray(a, dtype=np.float64) for a in (W, X, Y))
    return float(np.sum((Y - W @ X) ** 2))


def l2_loss_dY(W, X, Y):
    """dL/dY_hat of L = ||Y - W X||^2 with Y_hat = W X: 2 (W X - Y), shape (m, N)."""
    W, X, Y = (np.asarray(a, dtype=np.float64) for a in (W, X, Y))
    return 2 * (W @ X - Y)


def l2_loss_grad(W, X, Y):
    """dL/dW of L = ||Y - W X||^2: dL/dY_hat = 2 (W X - Y), so dL/dW = 2 (W X - Y) X^T, (m, n)."""
    dW, _ = linear_backward(np.asarray(W, dtype=np.float64), np.asarray(X, dtype=np.float64),
                            l2_loss_dY(W, X, Y))
    return dW


def gd_step(W, X, Y, lr):
    """One gradient-descent step on L = ||Y - W X||^2.

    Inputs:
    - W: weights, shape (m, n)
    - X: inputs, one sample per column, shape (n, N)
    - Y: targets, shape (m, N)
    - lr: step size

    Returns W_new = W - lr * 2 (W X - Y) X^T, shape (m, n).
    """
    return np.asarray(W, dtype=np.float64) - lr * l2_loss_grad(W, X, Y)


# --------------------------------------------------------------------------------------
# q2: boolean functions as networks of threshold units
# --------------------------------------------------------------------------------------

# Figure 1 of seed 000: y for inputs 0000 .. 1111, x0 the most significant bit.
TRUTH_TABLE = np.array([0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 1])


def all_inputs():
    """The 16 inputs (x0, x1, x2, x3) as rows 0000 .. 1111, x0 the most significant bit; (16, 4)."""
    return np.array([[(i >> (3 - j)) & 1 for j in range(4)] for i in range(16)], dtype=np.float64)


def evaluate_network(net, X=None):
    """Outputs of a network of threshold units.

    Inputs:
    - net: {"W": (h, 4), "b": (h,), "v": (h,), "c": float}; a unit outputs 1 when its
      weighted sum plus bias is > 0, else 0, and so does the output unit
    - X: inputs, shape (N, 4); default all 16 rows of :func:`all_inputs`

    Returns the outputs, shape (N,), of 0s and 1s.
    """
    X = all_inputs() if X is None else np.asarray(X, dtype=np.float64)
    W = np.asarray(net["W"], dtype=np.float64).reshape(-1, 4)
    b = np.asarray(net["b"], dtype=np.float64).reshape(-1)
    v = np.asarray(net["v"], dtype=np.float64).reshape(-1)
    H = (X @ W.T + b > 0).astype(np.float64)
    return (H @ v + float(net["c"]) > 0).astype(int)


def hidden_units(net):
    """Number of hidden units h of a network."""
    return int(np.asarray(net["W"]).reshape(-1, 4).shape[0])


def edges(net):
    """Edges of a network: non-zero input weights plus non-zero output weights."""
    return int(np.count_nonzero(net["W"]) + np.count_nonzero(net["v"]))


def term_network(terms):
    """A one-hidden-layer network that ORs AND-terms of literals.

    Inputs:
    - terms: list of dicts {input index: 1 for x_i, 0 for not x_i}

    A term with p positive and q negated literals is the unit sum(+x_i) - sum(x_j) - (p - 0.5),
    which is > 0 only when every literal holds; the output ORs them: sum(h) - 0.5.
    """
    W = np.zeros((len(terms), 4))
    b = np.zeros(len(terms))
    for k, term in enumerate(terms):
        for i, positive in term.items():
            W[k, i] = 1.0 if positive else -1.0
        b[k] = -(sum(term.values()) - 0.5)
    return {"W": W, "b": b, "v": np.ones(len(terms)), "c": -0.5}


def dnf_terms(truth_table):
    """One full term (all four literals) per row whose output is 1."""
    rows = all_inputs()[np.asarray(truth_table) == 1].astype(int)
    return [{i: int(r[i]) for i in range(4)} for r in rows]


dnf_network = term_network(dnf_terms(TRUTH_TABLE))
dnf_hidden_units = hidden_units(dnf_network)   # one unit per 1 in the table: 7
dnf_edges = edges(dnf_network)                 # 7 * 4 + 7 = 35

# Karnaugh map groups: x0 x3 (1001, 1011, 1101, 1111); not-x0 x1 not-x3 (0100, 0110);
# not-x1 not-x2 x3 (0001, 1001). The handout's first group, not-x0 not-x1 not-x2 x3, keeps a
# redundant literal: 0001 is adjacent to 1001, so the pair drops x0.
KMAP_TERMS = [{0: 1, 3: 1}, {0: 0, 1: 1, 3: 0}, {1: 0, 2: 0, 3: 1}]
kmap_network = term_network(KMAP_TERMS)
kmap_hidden_units = hidden_units(kmap_network)  # 3
kmap_edges = edges(kmap_network)                # 2 + 3 + 3 input edges + 3 output edges = 11


def adjacent_ones(truth_table):
    """Pairs of rows (i, j), i < j, both 1 and differing in exactly one input bit."""
    t = np.asarray(truth_table).reshape(-1)
    return [(i, i ^ (1 << k)) for i in range(16) for k in range(4)
            if i < (i ^ (1 << k)) and t[i] == 1 and t[i ^ (1 << k)] == 1]


def is_irreducible_maximal(truth_table):
    """Whether a 16-row table has the most 1s possible (8) with no two 1s adjacent on the map."""
    t = np.asarray(truth_table).reshape(-1)
    return t.shape == (16,) and set(np.unique(t)) <= {0, 1} and int(t.sum()) == 8 \
        and not adjacent_ones(t)


# Parity (x0 xor x1 xor x2 xor x3): a checkerboard map, no two 1s adjacent. Its complement
# is the only other such map.
irreducible_truth_table = (all_inputs().sum(axis=1) % 2).astype(int)
irreducible_dnf_neurons = int(irreducible_truth_table.sum())  # one hidden unit per 1: 8

BOUND_OPTIONS = {
    "A": "O(n)",
    "B": "O(n^2)",
    "C": "O(2^n)",
    "D": "O(n 2^n)",
    "E": "O(2^(2^n))",
}
# At most 2^(n-1) of the 2^n rows can be 1 with no two adjacent, and the worst case for a
# DNF network is one unit per 1: O(2^n) units, each with n + 1 edges: O(n 2^n) edges.
hidden_units_bound = "C"
edges_bound = "D"

# --------------------------------------------------------------------------------------
# q3: vanishing and exploding gradients in y_hat = s(w3 s(w2 s(w1 x)))
# --------------------------------------------------------------------------------------


sigmoid_prime_max = 0.25   # s'(z) = s(1 - s) is largest where s = 1/2 ...
sigmoid_prime_argmax = 0.0  # ... that is, at z = 0
# s(1 - s) > 0 for every real z and tends to 0 as z -> +-inf: the infimum 0 is never reached.
sigmoid_prime_min = 0.0
sigmoid_prime_min_attained = False


def forward_chain(w, x):
    """Forward pass f1 = w1 x, f2 = w2 s(f1), f3 = w3 s(f2); returns (f1, f2, f3)."""
    w1, w2, w3 = np.asarray(w, dtype=np.float64)
    f1 = w1 * x
    f2 = w2 * sigmoid(f1)
    f3 = w3 * sigmoid(f2)
    return f1, f2, f3


def _dout_dw(w, x):
    """d f3 / d(w1, w2, w3) for f3 = w3 s(w2 s(w1 x)); shape (3,)."""
    w1, w2, w3 = np.asarray(w, dtype=np.float64)
    f1, f2, _ = forward_chain(w, x)
    df3_dw3 = sigmoid(f2)
    df3_df2 = w3 * sigmoid_prime(f2)
    df3_dw2 = df3_df2 * sigmoid(f1)
    df3_dw1 = df3_df2 * w2 * sigmoid_prime(f1) * x
    return np.array([df3_dw1, df3_dw2, df3_dw3], dtype=np.float64)


def classification_predict(w, x):
    """y_hat = s(w3 s(w2 s(w1 x))) for w of shape (3,) and a number x."""
    return float(sigmoid(forward_chain(w, x)[2]))


def classification_loss(w, x, y):
    """Cross-entropy L = -(y log y_hat + (1 - y) log(1 - y_hat))."""
    y_hat = classification_predict(w, x)
    return float(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))


def classification_grads(w, x, y):
    """Gradients of the cross-entropy loss of y_hat = s(w3 s(w2 s(w1 x))).

    Inputs: w, shape (3,); x a number; y in {0, 1}.

    Returns [dL/dw1, dL/dw2, dL/dw3], shape (3,). With dL/dy_hat = -y/y_hat +
    (1 - y)/(1 - y_hat) and dy_hat/df3 = y_hat (1 - y_hat), dL/df3 = y_hat - y.
    """
    y_hat = classification_predict(w, x)
    return (y_hat - y) * _dout_dw(w, x)


def regression_predict(w, x):
    """y_hat = w3 s(w2 s(w1 x)) (the last sigmoid removed)."""
    return float(forward_chain(w, x)[2])


def regression_loss(w, x, y):
    """L = (y - y_hat)^2."""
    return float((y - regression_predict(w, x)) ** 2)


def regression_grads(w, x, y):
    """Gradients of L = (y - y_hat)^2 for y_hat = w3 s(w2 s(w1 x)).

    Inputs: w, shape (3,); x and y numbers.

    Returns [dL/dw1, dL/dw2, dL/dw3], shape (3,): dL/dy_hat = -2 (y - y_hat) times
    dy_hat/dw_i.
    """
    return -2.0 * (y - regression_predict(w, x)) * _dout_dw(w, x)


def grads_with_sigmoid(kind, w, x, y, s=sigmoid):
    """q3b (kind "classification") or q3c ("regression") gradients written with the
    sigmoid ``s`` (any function of a number), as the notebook's solution writes them:
    a1 = s(w1 x), a2 = s(w2 a1), s' as a (1 - a). With ``s = sigmoid`` this is
    :func:`classification_grads` or :func:`regression_grads`; with a student's own
    (wrong) sigmoid it is the answer that carries that error forward.

    Returns [dL/dw1, dL/dw2, dL/dw3], shape (3,).
    """
    w1, w2, w3 = np.asarray(w, dtype=np.float64)
    a1 = s(w1 * x)
    a2 = s(w2 * a1)
    if kind == "classification":
        d3 = s(w3 * a2) - y          # dL/df3: the sigmoid and the log cancel
    else:
        d3 = -2.0 * (y - w3 * a2)    # dL/dy_hat, y_hat = f3
    d2 = d3 * w3 * a2 * (1 - a2)
    d1 = d2 * w2 * a1 * (1 - a1)
    return np.array([d1 * x, d2 * a1, d3 * a2], dtype=np.float64)


