"""A library of known misconceptions: trusted code that makes a known mistake on purpose.

Each entry reproduces one mistake students make in an exercise (built from the
catalog of mistakes, ``tests/catalog``), as a small NumPy implementation written
by the course, with a short Spanish diagnosis (``messages.DIAGNOSIS[key]``).
When a check fails, ``grader.grading.diagnosis`` runs the entries of that check's
exercise on the very inputs the student's code was observed on: an entry that
reproduces every observed output names the mistake in the feedback.

Only the instructor's process imports this (never a kernel): it runs no student
code and reads no student text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Misconception:
    key: str                 # messages.DIAGNOSIS key: the Spanish sentence the feedback shows
    target: str              # reference (layer checks) or task name (task checks) it belongs to
    predicts: str            # "forward" or "backward" (layers), "result" (tasks)
    compute: Callable        # layers: forward(x, **init) / backward(x, g, **init); tasks: (*args, **init)
    within: tuple = ()       # keys of broader misconceptions: when both match, only this one is named


LIBRARY: list[Misconception] = []


def add(key: str, target: str, predicts: str, within=()):
    """Decorator: register ``compute`` as the misconception ``key`` of ``target``."""
    def register(compute):
        LIBRARY.append(Misconception(key, target, predicts, compute, tuple(within)))
        return compute
    return register


def for_target(target: str) -> list[Misconception]:
    """The misconceptions of one reference or task (``*_numeric`` tasks share their task's)."""
    _load()
    base = target.removesuffix("_numeric")
    return [m for m in LIBRARY if m.target == base]


def every() -> list[Misconception]:
    _load()
    return list(LIBRARY)


def _load() -> None:
    from . import activations, chain_rule  # noqa: F401 - registration happens on import
