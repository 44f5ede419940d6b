"""Overflow that ``np.errstate`` cannot hide, for the stability checks.

The stability cell's rule is «never evaluate exp of a large positive number»; it
sees NumPy's ``overflow encountered in exp`` warning. An answer that wraps its
formula in ``np.errstate(over="ignore")`` still computes ``exp(1000) = inf``
(often in a branch ``np.where`` then discards, so its values are right) but no
warning is left to see. While a stability check runs the student's code, the
exponential ufuncs are replaced by wrappers that record, in NumPy's own words,
every call whose result is infinite where its inputs are finite — whatever the
error state says. ``from numpy import exp`` is covered too: the names of the
student's module that hold those ufuncs are rebound for the duration.
"""

from __future__ import annotations

import functools

import numpy as np

from . import numpy_calls

WATCHED = ("exp", "expm1", "exp2", "power", "float_power", "cosh", "sinh", "ldexp")


def _overflowed(result, args) -> bool:
    """Infinite output from finite numeric inputs (what NumPy calls an overflow)."""
    try:
        out = np.asarray(result)
        if out.dtype.kind not in "fc" or not np.isinf(out).any():
            return False
        finite = functools.reduce(np.logical_and, [np.isfinite(np.asarray(a)) for a in args], True)
        return bool(np.any(np.isinf(out) & finite))
    except (TypeError, ValueError):     # an argument NumPy cannot test: not ours to judge
        return False


def watched(namespace, warnings: list):
    """Within the block, the ufuncs of ``WATCHED`` called from outside NumPy append
    ``"RuntimeWarning: overflow encountered in <name>"`` to ``warnings`` when they overflow."""
    def on_call(name, args, result, outside):
        if outside and _overflowed(result, args):
            warnings.append(f"RuntimeWarning: overflow encountered in {name}")
        return result
    return numpy_calls.intercepted(WATCHED, namespace, on_call)
