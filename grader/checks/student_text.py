"""What of a student's own text may reach feedback after grading: names from fixed lists, never messages.

While a notebook is graded, student code runs after the hidden test cells and is
called by them: it can read their source (``In``, the call stack) and put it into
anything it hands back — an exception's message or type name, a warning, the name
of the class of an object it returns. So the scorer passes every text of an
observation through here before judging it: exception and warning names survive
only if they are Python's or NumPy's own, NumPy's own warning messages only in
their fixed form, and anything else becomes fixed course text. (At home the
student's kernel judges in place and quotes their messages: there is nothing
hidden to read there.)
"""

from __future__ import annotations

import builtins
import dataclasses
import re

import numpy as np

from . import raised
from .messages import TEXT

# The steps of a layer or model check that may raise (layer_checks, model_checks); anything else was forged.
STEPS = ("instance", "forward", "backward", "numeric", "parameters", "gradients", "zero_grad", "sgd_step",
         "train_step")
# The error type an observation records for a method that returned something other than a list (model checks):
# no exception is named so, the brackets are not valid in an identifier. Its detail is a type_label.
NOT_A_LIST = "<not a list>"
_NUMPY_NAMES = {name: getattr(np.exceptions, name) for name in dir(np.exceptions)}
_NUMPY_NAMES["LinAlgError"] = np.linalg.LinAlgError
# NumPy's floating-point warnings, in the functions an exercise of this course may call.
_WARNED_FUNCTIONS = ("exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "power", "multiply", "divide",
                     "true_divide", "add", "subtract", "negative", "square", "sqrt", "reciprocal", "tanh", "sinh",
                     "cosh", "arctanh", "cast", "matmul", "dot", "einsum", "reduce", "sum", "mean", "var", "std")
_NUMPY_WARNING = re.compile(r"(overflow|underflow|divide by zero|invalid value) encountered in "
                            rf"(scalar )?({'|'.join(_WARNED_FUNCTIONS)})")


def _known(name: str, base: type) -> bool:
    cls = getattr(builtins, name, None) or _NUMPY_NAMES.get(name)
    return isinstance(cls, type) and issubclass(cls, base)


def known_type(module: str, qualname: str) -> bool:
    """Whether ``module.qualname`` names a type of Python, NumPy or PyTorch (not a student's class)."""
    if module == "builtins":
        return isinstance(getattr(builtins, qualname, None), type)
    if module.split(".")[0] == "numpy":
        return isinstance(getattr(np, qualname, None), type)
    return module.split(".")[0] == "torch" and qualname in ("Tensor", "Parameter", "nn.Parameter")


def type_label(cls: type) -> str:
    """How a message names the type of a returned object: Python's, NumPy's or PyTorch's by name, a
    student's own class as «definido en tu código» — the same at home and when graded (its name is the
    student's to choose, and could carry anything read while grading)."""
    module, qualname = getattr(cls, "__module__", "") or "", getattr(cls, "__qualname__", "") or ""
    if not known_type(module, qualname):
        return TEXT["own_class"]
    return qualname if module == "builtins" else f"{module}.{qualname}"


def checked_type_label(text) -> str:
    """``text`` if it is what type_label writes for a type of Python, NumPy or PyTorch, else fixed text."""
    module, _, qualname = str(text).rpartition(".")
    return str(text) if known_type(module or "builtins", qualname) else TEXT["own_class"]


def exception_name(name, unknown: str | None = None) -> str:
    """The exception type's name if Python or NumPy defines it, else fixed text."""
    name = str(name)
    return name if _known(name, BaseException) else (unknown or TEXT["own_exception"])


def warning_text(text) -> str:
    """``Category: message`` of a recorded warning, reduced to what Python and NumPy would write."""
    category, _, message = str(text).partition(": ")
    category = category if _known(category, Warning) else "Warning"
    return f"{category}: {message}" if _NUMPY_WARNING.fullmatch(message) else category


# The hint a stability failure gives, by the NumPy function that warned (messages.TEXT "unstable_<group>").
_WARNED_GROUP = {**dict.fromkeys(("exp", "expm1", "exp2"), "exp"), **dict.fromkeys(("sinh", "cosh"), "hyperbolic"),
                 **dict.fromkeys(("log", "log1p", "log2", "log10"), "log"),
                 **dict.fromkeys(("divide", "true_divide", "reciprocal"), "divide")}


def warned_function(text) -> tuple[str, str] | None:
    """(NumPy function, hint group) named by a NumPy floating-point warning, or None.

    The name is this module's own string for the function matched, never copied from the warning."""
    match = _NUMPY_WARNING.fullmatch(str(text).partition(": ")[2])
    if match is None:
        return None
    function = next(name for name in _WARNED_FUNCTIONS if name == match.group(3))
    return function, _WARNED_GROUP.get(function, "arithmetic")


def _redacted_error(error) -> tuple:
    *steps, name, message = error       # a forged shape raises: the check is incomplete
    steps = [step if step in STEPS else "forward" for step in steps]
    if name == NOT_A_LIST:              # no exception: the type of what a method returned
        return (*steps, name, checked_type_label(message))
    name = exception_name(name)
    # NumPy's fixed messages about shapes survive rebuilt from their digits (grader.checks.raised).
    detail = raised.canonical(name, message) or (TEXT["message_withheld"] if str(message).strip() else "")
    if name in ("ImportError", "ModuleNotFoundError"):   # most likely torch, hidden in the sandbox
        detail = f"{detail} {TEXT['torch_hint']}".strip()
    return (*steps, name, detail)


def redact(observation):
    """The observation with its exception and warnings reduced to fixed names (a dataclass copy)."""
    changes = {}
    if getattr(observation, "error", None):
        changes["error"] = _redacted_error(observation.error)
    if getattr(observation, "warnings", None):
        changes["warnings"] = [warning_text(w) for w in observation.warnings]
    if hasattr(observation, "line"):
        changes["line"] = raised.valid_line(observation.line)
    return dataclasses.replace(observation, **changes) if changes else observation
