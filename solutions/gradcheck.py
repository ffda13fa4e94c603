"""Central-difference gradient checks in float64: the one helper every test uses.

Like CS231n's ``gradient_check.py`` and minitorch's ``derivative_check``, but the
threshold is for callers to *assert*, never only print.
"""

import numpy as np


def numerical_gradient(f, x, h=1e-6):
    """Central-difference gradient of a scalar function.

    Inputs:
    - f: callable taking an array shaped like ``x`` and returning a scalar
    - x: point, any shape; not modified
    - h: step

    Returns an array shaped like ``x``: (f(x + h e_i) - f(x - h e_i)) / 2h for each entry i.
    """
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = float(f(x.copy()))
        x[i] = old - h
        f_minus = float(f(x.copy()))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_jacobian(f, x, h=1e-6):
    """Central-difference Jacobian of an array-valued function.

    Inputs:
    - f: callable taking an array shaped like ``x`` (shape S_in) and returning an array
      of shape S_out
    - x: point; not modified

    Returns an array of shape S_out + S_in whose entry [o..., i...] is d f[o...] / d x[i...].
    """
    x = np.array(x, dtype=np.float64)
    out_shape = np.shape(f(x.copy()))
    jac = np.zeros(out_shape + x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = np.array(f(x.copy()), dtype=np.float64)
        x[i] = old - h
        f_minus = np.array(f(x.copy()), dtype=np.float64)
        x[i] = old
        jac[(...,) + i] = (f_plus - f_minus) / (2 * h)
    return jac


def rel_error(a, b, eps=1e-12):
    """Relative error of two arrays: max |a - b| over max(max |a|, max |b|, eps).

    Scaled by the arrays' largest entry rather than entry by entry, so that an entry that
    is exactly 0 analytically and 1e-11 numerically does not count as a 100% error.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)), eps)
    return float(np.max(np.abs(a - b), initial=0.0)) / scale


def assert_close_to_numerical(analytic, numeric, tol=1e-6, what="gradient"):
    """Assert an analytic derivative matches central differences to relative error ``tol``."""
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    assert analytic.shape == numeric.shape, (
        f"{what}: analytic shape {analytic.shape} != numerical shape {numeric.shape}")
    err = rel_error(analytic, numeric)
    assert err < tol, (f"{what}: relative error {err:.2e} against central differences "
                       f"(tol {tol:.0e})")
