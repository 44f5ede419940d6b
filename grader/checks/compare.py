"""Compare a student's array with a reference: type, then shape, then dtype, then values.

The order matters: ``np.allclose`` happily broadcasts (3, 1) against (3,), so
values are only compared once type, shape and dtype are known to be right.
"""

from __future__ import annotations

import numpy as np

from .errors import fail
from .messages import TEXT
from .student_text import type_label
from .tolerances import rounding_allowance, tolerances_for

# Dtype policy, stated in every notebook.
ALLOWED_OUTPUT_DTYPES = {
    np.dtype("float64"): (np.dtype("float64"),),
    np.dtype("float32"): (np.dtype("float32"), np.dtype("float64")),
}


def check_array(obtained, *, what: str, shape, input_dtype, where: str = "", hidden: bool = False) -> np.ndarray:
    """Check type, shape and dtype of a result; return it as an ndarray.

    The type's name is the student's to choose (a class named after a hidden
    test's data): a hidden check never shows it.
    """
    if not isinstance(obtained, np.ndarray) or type(obtained) is not np.ndarray:
        got = type_label(type(obtained))
        hint = TEXT["type_torch"] if type(obtained).__module__.startswith("torch") else ""
        fail("type", where, TEXT["type_hidden"].format(what=what) if hidden else TEXT["type"].format(what=what, got=got),
             hint)
    if obtained.shape != tuple(shape):
        fail("shape", where, TEXT["shape"].format(what=what, got=obtained.shape, expected=tuple(shape)))
    allowed = ALLOWED_OUTPUT_DTYPES[np.dtype(input_dtype)]
    if obtained.dtype not in allowed:
        fail(
            "dtype", where,
            TEXT["dtype"].format(
                what=what, got=obtained.dtype, input_dtype=np.dtype(input_dtype),
                allowed=", ".join(str(d) for d in allowed),
            ),
            TEXT["dtype_policy"],
        )
    return obtained


def assert_close(
    obtained, expected, *, what: str, reference: str, x=None, input_dtype="float64",
    hidden: bool = False, where: str = "", rtol: float | None = None, atol: float | None = None,
    kind: str = "values", sensitivity=None,
) -> None:
    """Fail with a message in the style of ``numpy.testing.assert_allclose``, in Spanish.

    ``sensitivity``, if given, is a function returning references.sensitivity for this case: only called when
    rtol and atol are exceeded, to forgive what rounding the inputs explains (tolerances.rounding_allowance).
    Hidden checks never show the offending input or the expected value.
    """
    expected = np.asarray(expected, dtype=np.float64)
    obtained = check_array(obtained, what=what, shape=expected.shape, input_dtype=input_dtype, where=where,
                           hidden=hidden)
    default_rtol, default_atol = tolerances_for(input_dtype)
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    got = obtained.astype(np.float64)
    finite_expected = np.isfinite(expected)
    bad_finite = finite_expected & ~np.isfinite(got)
    if bad_finite.any():
        fail("nonfinite", where, TEXT["nonfinite"].format(
            what=what, count=int(bad_finite.sum()), size=got.size))
    with np.errstate(all="ignore"):
        abs_err = np.abs(got - expected)
        rel_err = abs_err / np.abs(expected)
    abs_err = np.where(np.isnan(abs_err), np.inf, abs_err)
    mismatch = ~(abs_err <= atol + rtol * np.abs(expected))
    if mismatch.any() and sensitivity is not None:
        with np.errstate(all="ignore"):
            mismatch &= ~(abs_err <= rounding_allowance(input_dtype, sensitivity(), expected))
    # Matching infinities (e.g. expected -inf, got -inf) are not mismatches.
    mismatch &= ~((got == expected) & ~finite_expected)
    if not mismatch.any():
        return
    max_rel = np.max(np.where(np.isfinite(rel_err), rel_err, np.inf)[mismatch])
    if expected.ndim == 0:      # a number: no count of elements, no index
        numbers = dict(what=what, reference=reference, abs_err=float(abs_err), rel_err=float(max_rel),
                       rtol=rtol, atol=atol)
        fail(kind, where, TEXT["values_scalar_hidden"].format(**numbers) if hidden else
             TEXT["values_scalar"].format(expected=float(expected), got=float(got), **numbers))
    lines = [where, TEXT["values"].format(
        what=what, reference=reference, count=int(mismatch.sum()), size=got.size,
        max_abs=float(np.max(abs_err[mismatch])), max_rel=float(max_rel), rtol=rtol, atol=atol)]
    if not hidden:
        index = tuple(int(i) for i in np.argwhere(mismatch)[0])
        values = dict(index=index, expected=float(expected[index]), got=float(got[index]))
        if x is None or np.shape(x) != expected.shape:
            lines.append(TEXT["first_mismatch_no_x"].format(**values))
        else:
            lines.append(TEXT["first_mismatch"].format(x=float(np.asarray(x)[index]), **values))
    fail(kind, *lines)
