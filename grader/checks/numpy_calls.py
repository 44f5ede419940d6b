"""NumPy functions intercepted while a student's code runs: the one mechanism behind watching calls.

``np.<name>`` is replaced, and so is every global of the student's namespace bound to the same
function (``from numpy import einsum``), for the duration of a block; both are restored after it.
The task checks use it to see which functions an answer calls (and to poison them), the stability
checks to see overflow that ``np.errstate`` silenced (``overflow``).
"""

from __future__ import annotations

import contextlib
import functools
import sys

import numpy as np


@contextlib.contextmanager
def intercepted(names, namespace, on_call):
    """Within the block, each call of ``np.<name>`` returns ``on_call(name, args, result, outside)``, where
    ``outside`` says the caller is not NumPy itself (the answer's own call, not NumPy calling itself)."""
    originals = {name: getattr(np, name) for name in names}
    rebound = {}
    for name, original in originals.items():
        @functools.wraps(original)
        def wrapper(*args, __name=name, __original=original, **kwargs):
            outside = not sys._getframe(1).f_globals.get("__name__", "").startswith("numpy")
            return on_call(__name, args, __original(*args, **kwargs), outside)
        setattr(np, name, wrapper)
        if isinstance(namespace, dict):
            for key, value in list(namespace.items()):
                if value is original:
                    rebound[key] = value
                    namespace[key] = wrapper
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(np, name, original)
        for key, value in rebound.items():
            namespace[key] = value
