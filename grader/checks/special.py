"""Special functions the course provides so that no notebook needs SciPy.

``erf`` is ``math.erf`` (correctly rounded to within an ulp) applied element by
element: the GELU notebook allows the error function and nothing else of SciPy,
and SciPy is hidden when grading (``grader.checks.libraries``).
"""

from __future__ import annotations

import math

import numpy as np

_ERF = np.frompyfunc(math.erf, 1, 1)


def erf(x):
    """The error function, element by element; float32 stays float32, anything else becomes float64."""
    x = np.asarray(x)
    dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    result = np.asarray(_ERF(x.astype(np.float64)), dtype=dtype)
    return result if result.ndim else dtype.type(result)
