"""What a check call in a test cell does, in each of the three places a test cell runs.

* In a student's own kernel: observe the student's code, judge it against
  PyTorch, print one line or raise ``CheckFailed`` (the visible feedback loop).
* In a grading kernel (``GRADER_OBSERVE_DIR`` set, sandboxed): only observe,
  and write the observations as plain data (``observations.save``).
* In the clean scorer: the trusted source of the test cell is executed with a
  *recorder* active, so every check call only records its declaration; the
  scorer then judges the observations the kernel wrote, in order.

The same declaration objects and the same ``verify`` functions serve all three,
so the verdict a student sees at home is the verdict the grade comes from.
"""

from __future__ import annotations

import builtins
import contextlib
import contextvars
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import libraries, observations, references
from .errors import fail
from .messages import TEXT

_RECORDER: contextvars.ContextVar[list | None] = contextvars.ContextVar("grader_recorder", default=None)


@dataclass
class LoadedLibraries:
    """Observed instead of the check when the session imported a package the notebook does not allow."""
    names: list


@dataclass(frozen=True)
class Runner:
    """How one family of checks observes and verifies (layer checks, task checks)."""
    observe: Callable       # (check, target) -> list of observations, one per case
    verify: Callable        # (check, target name, observations) -> pass line, or raises CheckFailed
    types: dict             # observation type name -> class, for reading them back

    @property
    def all_types(self) -> dict:
        return dict(self.types, LoadedLibraries=LoadedLibraries)

    def judge(self, check, name: str, observed: list) -> str:
        """``verify``, after the library rule: a package the notebook does not allow fails every check."""
        references.single_threaded_torch()   # first, so that what PyTorch imports is known as the grader's
        for obs in observed:
            if isinstance(obs, LoadedLibraries) and obs.names:
                fail("library", libraries.message(str(obs.names[0])))
        return self.verify(check, name, observed)


@dataclass(frozen=True)
class Declared:
    check: object
    target: str             # the name the test cell uses for the student's object
    runner: Runner


def target_name(target, fallback: str) -> str:
    return str(getattr(target, "__name__", fallback))


def execute(check, target, runner: Runner, fallback_name: str) -> None:
    """A check call in a test cell: record, observe, or observe and judge, by where it runs."""
    recorder = _RECORDER.get()
    if recorder is not None:
        recorder.append(Declared(check, target_name(target, fallback_name), runner))
        return
    loaded = libraries.forbidden_loaded(target=target)
    observed = [LoadedLibraries(loaded)] if loaded else runner.observe(check, target)
    if observations.folder() is not None:
        observations.save(observed, declaration=type(check).__name__)
        print(TEXT["observed"])
        return
    print(runner.judge(check, target_name(target, fallback_name), observed))


class _Placeholder:
    """Stands for a student's object while a trusted test cell is read: only its name is used."""

    def __init__(self, name: str):
        self.__name__ = name

    def __repr__(self):
        return self.__name__


class _Names(dict):
    """Test-cell namespace: any name the cell does not define is a student's object."""

    def __init__(self, known: dict):
        super().__init__()
        self.known = known

    def __missing__(self, name):
        if name in self.known or hasattr(builtins, name):
            raise KeyError(name)
        return _Placeholder(name)


class DeclarationError(Exception):
    """A test cell's trusted source could not be read as declarations (an instructor's bug)."""


def read(source: str) -> list[Declared]:
    """The check declarations of a trusted test cell, in the order its calls run."""
    import grader  # the trusted package of this (clean) process
    recorded: list[Declared] = []
    token = _RECORDER.set(recorded)
    try:
        scope = {"grader": grader, "np": np, "numpy": np, "math": math, "__builtins__": builtins}
        with contextlib.redirect_stdout(None):
            exec(compile(source, "<test cell>", "exec"), scope, _Names(scope))  # noqa: S102 - trusted source
    except Exception as exc:  # noqa: BLE001
        raise DeclarationError(f"{type(exc).__name__}: {exc}") from None
    finally:
        _RECORDER.reset(token)
    return recorded
