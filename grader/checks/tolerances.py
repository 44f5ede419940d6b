"""The one table of tolerances and the one finite-difference step every check uses.

Kept apart so that a layer, a task and a model with parameters are judged by the
same numbers: changing one here changes them everywhere, and nowhere else.
"""

from __future__ import annotations

import numpy as np

# (rtol, atol) by the dtype the student was *given*: a float32 input cannot be
# expected to give more than float32 accuracy, whatever dtype comes back.
TOLERANCES = {
    np.dtype("float64"): (1e-7, 1e-10),
    np.dtype("float32"): (1e-5, 1e-6),
}

# A float32 result may also be off by what rounding its inputs costs (a backward-stable algorithm computes
# the exact answer for inputs a few unit roundoffs u away): |got − ref| ≤ max(atol + rtol·|ref|,
# ROUNDING_FACTOR·u·(S + |ref|)), S from references.sensitivity. It matters where rtol is smaller than the
# problem's condition, e.g. softmax of logits near 1000 (u·|x| ≈ 6e-5 in float32).
ROUNDING_FACTOR = 4.0

STEP = 1e-6               # central-difference step h: f(x ± h) in float64
NUMERIC_TOLERANCE = 1e-6  # norm-wise relative error between a backward and central differences
# Rounding in f(x ± h) leaves ~1e-10 per component in the differences: a gradient whose norm is that small
# (softmax of two far-apart logits) cannot be judged relatively. This floor keeps a zero backward failing.
NUMERIC_FLOOR = 1e-8
# A forward sample at perturbed parameters must equal PyTorch's to within rounding (an honest float64
# forward is ~1e-16 off): any freedom left here would let samples be shaped to fit a wrong gradient.
SAMPLE_TOLERANCE = 1e-11


def tolerances_for(input_dtype) -> tuple[float, float]:
    """(rtol, atol) for a result computed from an input of this dtype."""
    return TOLERANCES[np.dtype(input_dtype)]


def rounding_allowance(input_dtype, sensitivity, expected) -> np.ndarray:
    """ROUNDING_FACTOR·u·(S + |ref|): the error rounding alone explains, u the input dtype's unit roundoff."""
    unit_roundoff = np.finfo(np.dtype(input_dtype)).eps / 2
    return ROUNDING_FACTOR * unit_roundoff * (np.asarray(sensitivity, dtype=np.float64) + np.abs(expected))
