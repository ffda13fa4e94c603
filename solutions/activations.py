"""The element-wise activations every assignment uses, written once.

Each takes an array of any shape (or a number) and returns float64 of the same shape (a
numpy scalar for a 0-d input). The sigmoid is computed from e = exp(-|z|) <= 1, so nothing
overflows: sigma(z) = 1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0, and
exp(-1000) underflowing to 0 gives the correctly rounded result.
"""

import numpy as np


def _float_array(z):
    return np.asarray(z, dtype=np.float64)


def _result(a):
    """0-d arrays come back as numpy scalars; everything else unchanged."""
    return a[()] if a.ndim == 0 else a


def sigmoid(z):
    """sigma(z) = 1 / (1 + e^{-z}), element-wise, without overflow."""
    z = _float_array(z)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(z))
    return _result(np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)))


def sigmoid_prime(z):
    """sigma'(z) = sigma(z) (1 - sigma(z)) = e^{-|z|} / (1 + e^{-|z|})^2, element-wise.

    Even in z, and 0 (not NaN) at z = +-1000.
    """
    z = _float_array(z)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(z))
        return _result(e / (1.0 + e) ** 2)


def relu(z):
    """ReLU(z) = max(0, z), element-wise."""
    return _result(np.maximum(_float_array(z), 0.0))


def relu_prime(z):
    """ReLU'(z) = 1 if z > 0 else 0, element-wise; the undefined ReLU'(0) is taken as 0
    (as in PyTorch)."""
    return _result((_float_array(z) > 0).astype(np.float64))


def tanh(z):
    """tanh(z) = (e^z - e^{-z}) / (e^z + e^{-z}), element-wise."""
    return _result(np.tanh(_float_array(z)))


def tanh_prime(z):
    """tanh'(z) = 1 - tanh(z)^2, element-wise (not 1 / cosh^2 z, which overflows at |z| > 710)."""
    t = np.tanh(_float_array(z))
    return _result(1.0 - t * t)
