"""Checks of a plain function against a registered task (broadcasting, einsum, init, backprop).

A task (``grader/tasks/``) knows how to build the arguments of one exercise from
a size and a seed, and what PyTorch says the answer is. A test cell declares
``grader.check_task(student_function, "task_name", sizes=[...], seed=...)``.
Like the layer checks, running it has an untrusted half (``observe``: call the
student's function, record result, warnings, error, and which tracked NumPy
functions it called) and a trusted half (``judge``).
"""

from __future__ import annotations

import contextlib
import io
import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import numpy_calls, raised, rules
from .compare import assert_close
from .declarations import Runner, execute
from .errors import CheckFailed, fail
from .messages import PASSED, TEXT, WORDS
from .student_text import type_label
from .tasks import Expected, get_task

REPRODUCIBILITY_SALT = 0x5EED  # a generator seeded with [seed, salt] differs from one seeded with seed


@dataclass
class TaskObservation:
    result: object = None
    error: tuple | None = None           # (exception type name, message)
    line: int | None = None              # where it raised, in the student's cell (raised.student_line)
    warnings: list = field(default_factory=list)
    called: set = field(default_factory=set)
    args_after: tuple = ()
    on_path: bool | None = None          # poisoning the required calls changed the answer (None: none required)
    static: dict | None = None           # rules.facts of the answer's code (the scorer replaces it)


def _tracking(names, called: set, func=None, poison=()):
    """Record in ``called`` which of the numpy functions ``names`` (e.g. "einsum") the answer calls.

    Names in ``poison`` return NaN instead of their result: an answer that does not change was not
    computed with them.
    """
    def on_call(name, args, result, outside):
        if outside:
            called.add(name)
        return _poisoned(result) if name in poison else result
    return numpy_calls.intercepted(names, getattr(func, "__globals__", None), on_call)


def _poisoned(result):
    array = np.asarray(result)
    if array.dtype.kind in "fc":
        return np.full_like(array, np.nan) if isinstance(result, np.ndarray) else array.dtype.type(np.nan)
    return result


def _same(a, b) -> bool:
    try:
        if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
            return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
        return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))
    except Exception:  # noqa: BLE001
        return False


def observe(func, task, args: tuple, init: dict) -> TaskObservation:
    obs = TaskObservation()
    given = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
    with warnings.catch_warnings(record=True) as caught, \
            np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"), \
            contextlib.redirect_stderr(io.StringIO()), _tracking(task.requires + task.forbids, obs.called, func):
        warnings.simplefilter("always")
        try:
            obs.result = func(*given[:task.arity], **init)
        except Exception as exc:  # the student's exception becomes a verdict
            obs.error = (type(exc).__name__, str(exc)[:300])
            obs.line = raised.student_line(exc)
    obs.warnings = [f"{w.category.__name__}: {w.message}" for w in caught]
    obs.args_after = given
    if task.requires or task.forbids:
        obs.static = rules.from_function(func)
    if task.requires and obs.error is None:
        obs.on_path = _depends_on(func, task, args, init, obs.result)
    return obs


def _depends_on(func, task, args: tuple, init: dict, result) -> bool:
    """Run the answer again with the required calls returning NaN: the answer must change."""
    given = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
    with warnings.catch_warnings(), np.errstate(all="ignore"), contextlib.redirect_stderr(io.StringIO()), \
            _tracking(task.requires, set(), func, poison=task.requires):
        warnings.simplefilter("ignore")
        try:
            again = func(*given, **init)
        except Exception:  # noqa: BLE001 - it noticed the NaN: the call is on its path
            return True
    return not _same(result, again)


def _scalar_numpy(name: str) -> bool:
    """Whether ``np.<name>`` works on numbers without making an array: a ufunc, a scalar type, a constant."""
    value = getattr(np, name, ...)
    return (isinstance(value, np.ufunc) or (isinstance(value, type) and issubclass(value, np.generic))
            or value is None or isinstance(value, (int, float)))


def _compare_one(obtained, expected, *, what, label, input_dtype, hidden, where, kind, sensitivity=None):
    if isinstance(expected, tuple) and all(isinstance(v, (int, np.integer)) for v in expected):
        # A shape: compared exactly, and it must be a tuple of ints.
        if not isinstance(obtained, tuple):
            fail("type", where, TEXT["type_tuple"].format(what=what, got=type_label(type(obtained))))
        others = sorted({type_label(type(v)) for v in obtained if not isinstance(v, (int, np.integer))})
        if others:      # the container is right: name the elements' type (fans returning floats)
            fail("type", where, TEXT["type_tuple_elements"].format(what=what, got=", ".join(others)))
        if tuple(int(v) for v in obtained) != expected:
            fail(kind, where, TEXT["wrong_shape_value"].format(
                what=what, got=WORDS["hidden"] if hidden else tuple(obtained),
                expected=WORDS["hidden"] if hidden else expected))
        return
    if np.ndim(expected) == 0 and not isinstance(obtained, np.ndarray):
        if isinstance(obtained, bool) or not isinstance(obtained, (numbers.Real, np.floating)):
            fail("type", where, TEXT["type_scalar"].format(what=what, got=type_label(type(obtained))))
        obtained = np.asarray(obtained, dtype=np.float64)
    assert_close(obtained, expected, what=what, reference=label, input_dtype=input_dtype,
                 hidden=hidden, where=where, kind=kind, sensitivity=sensitivity)


def judge(task, name: str, args: tuple, obs: TaskObservation, expected, *, where: str,
          hidden: bool, input_dtype: str, init: dict) -> None:
    static = obs.static or {}
    used = [f"np.{n}" for n in task.forbids if n in obs.called or n in static.get("used", ())]
    if task.scalar_numpy_only:
        used += [f"np.{n}" for n in static.get("used", ()) if f"np.{n}" not in used and not _scalar_numpy(n)]
    if used:
        fail("forbidden_call", where, TEXT["forbidden_call"].format(what=name, functions=", ".join(used)))
    if static.get("obfuscated") and (task.requires or task.forbids):
        fail("forbidden_call", where, TEXT["obfuscated_call"].format(what=name))
    if isinstance(expected, Expected) and expected.error:
        if obs.error and obs.error[0] == expected.error:
            if not obs.error[1].strip():
                fail("values", where, TEXT["error_message_empty"].format(what=name, error=expected.error))
            return
        if obs.error:       # it raised, but another error: not a values problem
            raised.fail_raised(name, where, *obs.error, hidden=hidden, expected=expected.error)
        fail("values", where, TEXT["expected_error"].format(what=name, error=expected.error))
    if obs.error:
        raised.fail_raised(name, where, *obs.error, line=obs.line, hidden=hidden)
    for before, after in zip(args, obs.args_after):
        if isinstance(before, np.ndarray) and not np.array_equal(before, after, equal_nan=True):
            fail("mutated", where, TEXT["mutated"].format(what=name))
    seen = set(static.get("used", ())) | set(static.get("nearby", ())) if obs.static is not None else None
    missing = [f"np.{n}" for n in task.requires if n not in obs.called or (seen is not None and n not in seen)]
    if missing:
        fail("missing_call", where, TEXT["missing_call"].format(what=name, functions=", ".join(missing)))
    if task.requires and obs.on_path is False:
        fail("missing_call", where, TEXT["dummy_call"].format(
            what=name, functions=", ".join(f"np.{n}" for n in task.requires)))
    note = TEXT["warning_note"].format(warnings="; ".join(sorted(set(obs.warnings)))) if obs.warnings else ""
    if task.stability and obs.warnings:
        fail("unstable", where, TEXT["unstable_task"].format(what=name, warning=obs.warnings[0]))
    if task.judge is not None:
        try:
            task.judge(obs.result, args, where=where, hidden=hidden, name=name, init=init)
        except CheckFailed as exc:
            fail(exc.kind, *exc.details, note)
        return
    outputs = task.outputs
    if len(outputs) > 1:
        if not isinstance(obs.result, (tuple, list)) or len(obs.result) != len(outputs):
            fail("type", where, TEXT["type_tuple_n"].format(
                what=name, n=len(outputs), names=", ".join(outputs), got=type_label(type(obs.result))))
        pairs = list(zip(outputs, obs.result, expected))
    else:
        pairs = [(outputs[0], obs.result, expected)]
    for index, (output, obtained, exp) in enumerate(pairs):
        what = name if len(outputs) == 1 else f"{name} ({output})"
        try:
            _compare_one(obtained, exp, what=what, label=task.label, input_dtype=input_dtype,
                         hidden=hidden, where=where, kind=task.output_kind(index),
                         sensitivity=task.rounding(args, init))
        except CheckFailed as exc:
            fail("unstable" if task.stability and exc.kind == "nonfinite" else exc.kind, *exc.details, note,
                 task.hint(output, obtained, args))


@dataclass(frozen=True)
class TaskCheck:
    """A declaration: which task, on which sizes and dtypes, with which seed and keyword arguments."""
    task_name: str
    sizes: tuple
    dtypes: tuple
    seed: int
    init: tuple          # sorted (key, value) pairs, so the declaration is hashable plain data
    hidden: bool

    def runs(self):
        """(args, dtype) of every run, derived from the seed: the same in every process.

        A task that takes a generator gets two more runs of its first case, observed like
        any other: one with an equally seeded generator, one with a differently seeded one.
        """
        task = get_task(self.task_name)
        declared = [(s, d) for s in self.sizes for d in self.dtypes]
        for i, (size, dtype) in enumerate(declared):
            yield task.make_args(size, np.random.default_rng(self.seed + i), dtype), dtype
        if task.random and declared:
            size, dtype = declared[0]
            yield task.make_args(size, np.random.default_rng(self.seed), dtype), dtype
            yield task.make_args(size, np.random.default_rng([self.seed, REPRODUCIBILITY_SALT]), dtype), dtype


def _check_reproducible(name: str, first, again, other, where: str) -> None:
    """From separately observed results: equal seeds give equal numbers, different seeds different ones.

    The kernel does not report whether the answer is reproducible; the judge compares the arrays.
    An answer that reads NumPy's global generator (reseeded or not) cannot satisfy both.
    """
    same = all(isinstance(r, np.ndarray) for r in (first, again)) and np.array_equal(first, again)
    differs = isinstance(other, np.ndarray) and not np.array_equal(first, other)
    if not (same and differs):
        fail("statistics", where, TEXT["not_reproducible"].format(what=name))


def observe_all(check: TaskCheck, func) -> list[TaskObservation]:
    task, init = get_task(check.task_name), dict(check.init)
    return [observe(func, task, args, init) for args, _ in check.runs()]


def verify(check: TaskCheck, name: str, observed: list) -> str:
    task, init = get_task(check.task_name), dict(check.init)
    runs = list(check.runs())
    if len(observed) != len(runs):
        fail("incomplete", TEXT["incomplete"])
    declared = len(check.sizes) * len(check.dtypes)
    for (args, dtype), obs in zip(runs[:declared], observed[:declared]):
        expected = task.expected(args, init)
        where = (TEXT["where_hidden_task"].format(dtype=dtype) if check.hidden
                 else TEXT["where_visible"].format(case=task.describe_case(args)))
        judge(task, name, args, obs, expected, where=where, hidden=check.hidden, input_dtype=dtype, init=init)
    if task.random and declared:
        (args, dtype), again, other = runs[0], observed[declared], observed[declared + 1]
        where = (TEXT["where_hidden_task"].format(dtype=dtype) if check.hidden
                 else TEXT["where_visible"].format(case=task.describe_case(args)))
        for obs in (again, other):
            if obs.error:
                raised.fail_raised(name, where, *obs.error, line=obs.line, hidden=check.hidden)
        _check_reproducible(name, observed[0].result, again.result, other.result, where)
    return (TEXT["passed_hidden"].format(what=PASSED["task_hidden"].format(what=name, reference=task.label))
            if check.hidden else
            TEXT["passed"].format(what=PASSED["matches"].format(what=name, reference=task.label), count=declared))


RUNNER = Runner(observe_all, verify, {"TaskObservation": TaskObservation})


def check_task(func, task_name: str, *, sizes, dtypes=("float64",), seed: int = 0, init=None,
               hidden: bool = False) -> None:
    """``func(*args, **init)`` equals the task's PyTorch reference for every size and dtype."""
    get_task(task_name)  # an unknown task is the instructor's error, raised at once
    check = TaskCheck(task_name, tuple(sizes), tuple(dtypes), int(seed),
                      tuple(sorted(dict(init or {}).items())), bool(hidden))
    execute(check, func, RUNNER, task_name)
