"""Numerical gradients and a gradient error that does not blow up near zero."""

from __future__ import annotations

import numpy as np

from .tolerances import STEP


def numerical_gradient(f, x, upstream, h: float = STEP) -> np.ndarray:
    """Central differences of L(x) = sum(f(x) * upstream) with respect to x, in float64.

    Driving the check with a random ``upstream`` (not ``f(x).sum()``) is what
    exposes a backward that ignores the upstream gradient or returns zeros where
    the sum of outputs is constant (softmax).
    """
    x = np.array(x, dtype=np.float64)
    upstream = np.asarray(upstream, dtype=np.float64)
    grad = np.empty_like(x)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        original = flat_x[i]
        flat_x[i] = original + h
        plus = np.sum(np.asarray(f(x.copy()), dtype=np.float64) * upstream)
        flat_x[i] = original - h
        minus = np.sum(np.asarray(f(x.copy()), dtype=np.float64) * upstream)
        flat_x[i] = original
        flat_grad[i] = (plus - minus) / (2 * h)
    return grad


def relative_error(a, b, eps: float = 1e-12) -> float:
    """Norm-wise ‖a − b‖ / max(eps, ‖a‖ + ‖b‖): 0 when equal, 1 when unrelated or opposite."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(eps, np.linalg.norm(a) + np.linalg.norm(b)))
