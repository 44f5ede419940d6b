"""Registered exercises for ``check_task``: how to build arguments, and PyTorch's answer.

Each topic module registers its tasks with ``@register``; the registry is what a
test cell names (``grader.check_task(f, "pairwise_sq_dists", ...)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..messages import CASE, WORDS


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
    judge: Callable | None = None               # custom judgement (statistical checks)
    kind: str = "values"                        # failure kind for a value mismatch
    describe: Callable | None = None            # args -> short Spanish description of a visible case
    stability: bool = False                     # a warning, or a non-finite value, is instability
    arity: int | None = None                    # the student gets the first `arity` arguments (the rest: reference)
    random: bool = False                        # takes a generator: reproducibility is judged too

    def expected(self, args: tuple, init: dict):
        as64 = tuple(np.asarray(a, dtype=np.float64) if isinstance(a, np.ndarray) and a.dtype.kind == "f"
                     else a for a in args)
        return self.reference(*as64, **init)

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


def autograd_of(reference: str) -> str:
    """The label of a task judged against autograd of ``reference``."""
    return WORDS["autograd_of"].format(reference=reference)


def torch64(a):
    from ..references import single_threaded_torch
    return single_threaded_torch().as_tensor(np.asarray(a, dtype=np.float64))
