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

import contextlib
import functools
import sys

import numpy as np

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


@contextlib.contextmanager
def watched(namespace, warnings: list):
    """Within the block, the ufuncs of ``WATCHED`` called from outside NumPy append
    ``"RuntimeWarning: overflow encountered in <name>"`` to ``warnings`` when they overflow."""
    originals = {name: getattr(np, name) for name in WATCHED}
    wrappers = {}
    for name, original in originals.items():
        def wrapper(*args, __name=name, __original=original, **kwargs):
            result = __original(*args, **kwargs)
            caller = sys._getframe(1).f_globals.get("__name__", "")
            if not caller.startswith("numpy") and _overflowed(result, args):
                warnings.append(f"RuntimeWarning: overflow encountered in {__name}")
            return result
        wrappers[id(original)] = wrapper
        setattr(np, name, wrapper)
    rebound = {}
    if isinstance(namespace, dict):
        for key, value in list(namespace.items()):
            if id(value) in wrappers and value is originals.get(getattr(value, "__name__", ""), None):
                rebound[key] = value
                namespace[key] = wrappers[id(value)]
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(np, name, original)
        for key, value in rebound.items():
            namespace[key] = value
