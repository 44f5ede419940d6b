"""An exception the student's code raised, turned into a verdict: the one place that says so.

NotImplementedError is an exercise not yet solved. NumPy's own errors about shapes have
fixed English forms; ``parse`` reads only their numbers (shape tuples of digits, sizes,
axes) with patterns that match the whole message, so the Spanish sentence, and the
message a graded check shows (``canonical``), are rebuilt from digits: no text a
student wrote reaches them. A hidden check names only the kind of error, by type.
"""

from __future__ import annotations

import os
import re
import sysconfig

import numpy as np

from .errors import fail
from .messages import HIDDEN, TEXT

_SHAPE = r"\((?:\d{1,9},)*\d{0,9}\)"        # a NumPy shape as NumPy prints it: (3,5) (3,) ()
_NUMBER = r"(\d{1,9})"
# key -> (exception types, full-message pattern, canonical form with the same fields)
PATTERNS = {
    "broadcast": (("ValueError",), rf"operands could not be broadcast together with shapes ((?:{_SHAPE} ){{2,8}})",
                  "operands could not be broadcast together with shapes {shapes} "),
    "matmul": (("ValueError",), rf"matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
                                rf"signature \(n\?,k\),\(k,m\?\)->\(n\?,m\?\) \(size {_NUMBER} is different from "
                                rf"{_NUMBER}\)",
               "matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature "
               "(n?,k),(k,m?)->(n?,m?) (size {right} is different from {left})"),
    "dot": (("ValueError",), rf"shapes ({_SHAPE}) and ({_SHAPE}) not aligned: {_NUMBER} \(dim \d+\) != {_NUMBER} "
                             rf"\(dim \d+\)",
            "shapes {a} and {b} not aligned: {left} != {right}"),
    "reshape": (("ValueError",), rf"cannot reshape array of size {_NUMBER} into shape ({_SHAPE})",
                "cannot reshape array of size {size} into shape {shape}"),
    "inplace": (("ValueError",), rf"non-broadcastable output operand with shape ({_SHAPE}) doesn't match the "
                                 rf"broadcast shape ({_SHAPE})",
                "non-broadcastable output operand with shape {out} doesn't match the broadcast shape {shape}"),
    "index": (("IndexError",), rf"index (-?\d{{1,9}}) is out of bounds for axis {_NUMBER} with size {_NUMBER}",
              "index {index} is out of bounds for axis {axis} with size {size}"),
    "axis": (("AxisError",), rf"axis (-?\d{{1,9}}) is out of bounds for array of dimension {_NUMBER}",
             "axis {axis} is out of bounds for array of dimension {ndim}"),
}
_FIELDS = {"broadcast": ("shapes",), "matmul": ("right", "left"), "dot": ("a", "b", "left", "right"),
           "reshape": ("size", "shape"), "inplace": ("out", "shape"), "index": ("index", "axis", "size"),
           "axis": ("axis", "ndim")}
# A hidden check's fixed text, by the kind of error only (HIDDEN keys).
_HIDDEN = {"broadcast": "exception_shapes", "matmul": "exception_shapes", "dot": "exception_shapes",
           "reshape": "exception_shapes", "inplace": "exception_shapes", "index": "exception_index",
           "axis": "exception_index"}
# Any other message of these types: (TEXT key after "raised_", HIDDEN key).
_BY_TYPE = {"IndexError": ("index_any", "exception_index"), "AxisError": ("index_any", "exception_index"),
            "TypeError": ("type", "exception_type")}
MAX_LINE = 9999


def parse(error: str, message: str) -> tuple[str, dict] | None:
    """(pattern key, its fields as digit strings) if the message is one of NumPy's fixed forms."""
    for key, (types, pattern, _) in PATTERNS.items():
        match = re.fullmatch(pattern, str(message).strip() + (" " if key == "broadcast" else ""))
        if error in types and match:
            fields = dict(zip(_FIELDS[key], match.groups()))
            if key == "broadcast":
                fields["shapes"] = " ".join(re.findall(_SHAPE, fields["shapes"]))
            return key, fields
    return None


def canonical(error: str, message: str) -> str | None:
    """NumPy's message rebuilt from its numbers alone, or None if it is not one of the known forms."""
    parsed = parse(error, message)
    if parsed is None:
        return None
    key, fields = parsed
    return PATTERNS[key][2].format(**fields).strip()


def valid_line(line) -> int | None:
    """A line number as the judge may show it: a plain int in range, else nothing."""
    return line if type(line) is int and 0 < line <= MAX_LINE else None


_LIBRARY = tuple(os.path.dirname(p) + os.sep for p in (np.__file__, os.path.dirname(__file__)))
_STDLIB = sysconfig.get_paths()["stdlib"] + os.sep


def student_line(exc: BaseException) -> int | None:
    """The line, in the student's own cell, of the last call the traceback passes through there.

    Frames in NumPy, in this package and in Python's library are not the student's."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if not (name.startswith(_LIBRARY) or name.startswith(_STDLIB) or name.startswith("<__array_function__")):
            line = tb.tb_lineno
        tb = tb.tb_next
    return valid_line(line)


def explain(error: str, message: str) -> str:
    """The Spanish sentence for a visible check: NumPy's numbers in it, or fixed text by type ("" if none)."""
    parsed = parse(error, message)
    if parsed is not None:
        key, fields = parsed
        return TEXT["raised_" + key].format(**fields)
    return TEXT["raised_" + _BY_TYPE[error][0]] if error in _BY_TYPE else ""


def hidden_key(error: str, message: str) -> str:
    """Which of HIDDEN's fixed texts a hidden check shows for this exception."""
    parsed = parse(error, message)
    if parsed is not None:
        return _HIDDEN[parsed[0]]
    return _BY_TYPE[error][1] if error in _BY_TYPE else "exception"


def fail_raised(what: str, where: str, error: str, detail, *, line=None, hidden: bool = False,
                expected: str = "") -> None:
    """Fail for an exception ``what`` raised: unsolved, or «lanzó», explained in Spanish.

    ``error`` is the exception's type name and ``detail`` its message (at grading, already reduced by
    ``student_text.redact``); ``line``, its line in the student's cell; ``expected``, the exception the
    exercise asked for with these arguments, when it asked for one."""
    if error == "NotImplementedError":
        fail("not_implemented", TEXT["not_implemented"].format(what=what))
    if expected:
        fail("exception", where, TEXT["expected_other_error"].format(what=what, error=expected, got=error))
    detail = str(detail)
    if hidden:
        key = hidden_key(error, detail)
        fail("exception", where, HIDDEN[key], hidden=key)
    line = valid_line(line)
    detail = canonical(error, detail) or detail     # the same text at home and when graded
    fail("exception", where, explain(error, detail), TEXT["raised_line"].format(line=line) if line else "",
         TEXT["exception"].format(what=what, error=error, detail=detail), hidden=hidden_key(error, detail))
