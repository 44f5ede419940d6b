"""Registered exercises for ``check_task``: how to build arguments, and PyTorch's answer.

Each topic module registers its tasks with ``@register``; the registry is what a
test cell names (``grader.check_task(f, "pairwise_sq_dists", ...)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..messages import CASE, TEXT, WORDS
from ..tolerances import tolerances_for


@dataclass(frozen=True)
class Expected:
    """An expected outcome that is not a value: the function must raise ``error``."""
    error: str = ""


@dataclass(frozen=True)
class Task:
    name: str
    label: str                                  # what the student reads: the reference used
    make_args: Callable                         # (size, rng, dtype) -> tuple of arguments
    reference: Callable                         # (*float64 args, **init) -> expected value(s) or Expected
    outputs: tuple = ("resultado",)             # names of the returned values, in order
    requires: tuple = ()                        # numpy functions the answer must call, e.g. ("einsum",)
    forbids: tuple = ()                         # numpy functions the answer must not call
    # Read from the answer's code: of NumPy it may name only ufuncs (np.maximum on two ints), scalar types and
    # constants; anything else it names (np.ndarray, np.tile, np.random, ...) is forbidden like ``forbids``.
    scalar_numpy_only: bool = False
    judge: Callable | None = None               # custom judgement (statistical checks)
    kind: str = "values"                        # failure kind for a value mismatch
    describe: Callable | None = None            # args -> short Spanish description of a visible case
    stability: bool = False                     # a warning, or a non-finite value, is instability
    arity: int | None = None                    # the student gets the first `arity` arguments (the rest: reference)
    random: bool = False                        # takes a generator: reproducibility is judged too
    output_kinds: tuple = ()                    # failure kind per output, when they differ (a loss and gradients)
    hints: tuple = ()                           # (output, mistake(got, *float64 args) -> bool, TEXT key), in order
    # (*float64 args, **init) -> references.sensitivity of the one output: Σ_j |∂q/∂v_j|·|v_j| over the inputs
    sensitivity: Callable | None = None

    def output_kind(self, index: int) -> str:
        return self.output_kinds[index] if self.output_kinds else self.kind

    def hint(self, output: str, got, args: tuple) -> str:
        return hint_for(self.hints, output, got, args)

    def expected(self, args: tuple, init: dict):
        return self.reference(*_float64(args), **init)

    def rounding(self, args: tuple, init: dict):
        """A function giving the output's sensitivity to its inputs' rounding (assert_close), or None."""
        if self.sensitivity is None or len(self.outputs) != 1:
            return None
        return lambda: self.sensitivity(*_float64(args), **init)

    def describe_case(self, args: tuple) -> str:
        if self.describe is not None:
            return self.describe(args)
        parts = [CASE["argument_shape"].format(shape=a.shape) if isinstance(a, np.ndarray) else repr(a) for a in args]
        return CASE["arguments"].format(arguments=", ".join(parts))


TASKS: dict[str, Task] = {}


def register(task: Task) -> Task:
    if task.name in TASKS:
        raise ValueError(f"task {task.name!r} registered twice")
    TASKS[task.name] = task
    return task


def get_task(name: str) -> Task:
    _load_all()
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; known: {sorted(TASKS)}") from None


def _load_all() -> None:
    # Registration happens on import.
    from . import backprop, broadcasting, einsum, initialization, network  # noqa: F401


def _float64(args: tuple) -> tuple:
    return tuple(np.asarray(a, dtype=np.float64) if isinstance(a, np.ndarray) and a.dtype.kind == "f"
                 else a for a in args)


def hint_for(hints: tuple, output: str, got, args: tuple) -> str:
    """The hint of the first known mistake (of ``hints``, as ``Task.hints``) the student's output shows, or "".

    Judged from the case's own arguments, so it says nothing the case does not."""
    for name, mistake, key in hints:
        try:
            if name == output and mistake(got, *_float64(args)):
                return TEXT[key]
        except (TypeError, ValueError, IndexError):     # a wrong output may have any shape
            continue
    return ""


def matches(got, value) -> bool:
    """Whether a student's output equals ``value`` (what a known mistake computes), to float32 accuracy."""
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    rtol, atol = tolerances_for("float32")
    return got.shape == np.shape(value) and bool(np.allclose(got, value, rtol=rtol, atol=atol))


def column_minus_vector(got, column, vector) -> bool:
    """The (n, 1) − (n,) trap: the mean of the (n, n) matrix of every squared difference."""
    return matches(got, np.mean((column - vector) ** 2))


def autograd_of(reference: str) -> str:
    """The label of a task judged against autograd of ``reference``."""
    return WORDS["autograd_of"].format(reference=reference)


def torch64(a):
    from ..references import single_threaded_torch
    return single_threaded_torch().as_tensor(np.asarray(a, dtype=np.float64))
