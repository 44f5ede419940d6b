"""Name the mistake: which known misconception reproduces what a failing check observed.

Runs in the clean scorer, after a check failed. The inputs of every case are
derived again from the trusted declaration (``Case.inputs``, ``TaskCheck.runs``);
the outputs are what the student's code returned, read from the observations.
Each misconception of the check's exercise (``grader.grading.misconceptions``,
trusted code) is run on those inputs; it is named only if it reproduces the
observed output on **every** case of the check, within the check's tolerance,
and differs from the reference on at least one (otherwise the cases cannot tell
it from a right answer). No student code runs and no student text is read: the
feedback gains one fixed Spanish sentence per mistake, never a case's data.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..checks import references
from ..checks.compare import tolerances_for
from ..checks.layer_checks import LayerCheck, Observation
from ..checks.messages import DIAGNOSIS, TEXT
from ..checks.task_checks import TaskCheck, TaskObservation
from ..checks.tasks import get_task
from . import misconceptions

# The stability check judges backward only for being finite: a wrong but finite backward is another cell's.
ASPECTS = {"function": ("forward",), "forward": ("forward",), "stability": ("forward",),
           "backward": ("backward",), "numerical_gradient": ("backward",)}
MAX_NAMED = 2       # more matches than this: the cases cannot tell the mistakes apart, name none


def _close(got, predicted, dtype) -> bool:
    """``got`` reproduces ``predicted`` elementwise (same shape; NaN and infinities where it has them)."""
    if isinstance(predicted, tuple):
        return (isinstance(got, (tuple, list)) and len(got) == len(predicted)
                and all(_close(g, p, dtype) for g, p in zip(got, predicted)))
    if isinstance(got, (bool, np.bool_, tuple, list)):
        return False
    try:
        got = np.asarray(got, dtype=np.float64)
        predicted = np.asarray(predicted, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if got.shape != predicted.shape:
        return False
    rtol, atol = tolerances_for(dtype)
    with np.errstate(all="ignore"):
        near = np.abs(got - predicted) <= atol + rtol * np.abs(predicted)
    same = (got == predicted) | (np.isnan(got) & np.isnan(predicted))
    return bool(np.all(near | same))


def _layer_cases(check: LayerCheck, observed: list):
    """(predict(misconception), observed output by aspect, reference by aspect, dtype) per case."""
    kinks = references.get(check.reference).kinks
    for case, obs in zip(check.cases, observed):
        if not isinstance(obs, Observation) or obs.error:
            yield None
            continue
        x, g = case.inputs(kinks)
        if check.kind == "numerical_gradient":
            x, g = x.astype(np.float64), g.astype(np.float64)
        reference = {"forward": lambda x=x: references.forward(check.reference, x, check.init),
                     "backward": lambda x=x, g=g: references.backward(check.reference, x, g, check.init)}
        run = {"forward": lambda m, x=x: m.compute(x.copy(), **check.init),
               "backward": lambda m, x=x, g=g: m.compute(x.copy(), g.copy(), **check.init)}
        yield run, obs.arrays, reference, case.dtype


def _task_cases(check: TaskCheck, observed: list):
    task, base, init = get_task(check.task_name), get_task(check.task_name.removesuffix("_numeric")), dict(check.init)
    declared = len(check.sizes) * len(check.dtypes)
    for (args, dtype), obs in zip(list(check.runs())[:declared], observed[:declared]):
        if not isinstance(obs, TaskObservation) or obs.error:
            yield None
            continue
        given = args[:task.arity]
        reference = {"result": lambda args=args: base.expected(args, init)}
        run = {"result": lambda m, given=given: m.compute(
            *(a.copy() if isinstance(a, np.ndarray) else a for a in given), **init)}
        yield run, {"result": obs.result}, reference, dtype


def diagnose(check, observed: list) -> list:
    """The misconceptions that reproduce every observed case of a failing check (most specific only)."""
    if isinstance(check, LayerCheck):
        target, aspects = check.reference, ASPECTS.get(check.kind, ())
        cases = list(_layer_cases(check, observed)) if len(observed) == len(check.cases) else [None]
    elif isinstance(check, TaskCheck) and not get_task(check.task_name).random:
        target, aspects = check.task_name, ("result",)
        declared = len(check.sizes) * len(check.dtypes)
        cases = list(_task_cases(check, observed)) if len(observed) >= declared else [None]
    else:
        return []
    if not cases or any(c is None for c in cases):
        return []
    matched = []
    references_seen: dict = {}      # (case, aspect) -> the reference's output, computed once
    for m in misconceptions.for_target(target):
        if m.predicts not in aspects:
            continue
        distinct = False
        for i, (run, outputs, reference, dtype) in enumerate(cases):
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    predicted = run[m.predicts](m)
                    key = (i, m.predicts)
                    if key not in references_seen:
                        references_seen[key] = reference[m.predicts]()
            except Exception:  # noqa: BLE001 - a misconception that cannot run on these inputs does not match
                break
            if not _close(outputs.get(m.predicts), predicted, dtype):
                break
            distinct = distinct or not _close(references_seen[key], predicted, dtype)
        else:
            if distinct:
                matched.append(m)
    refined = {k for m in matched for k in m.within}
    keys = list(dict.fromkeys(m.key for m in matched if m.key not in refined))
    return keys if len(keys) <= MAX_NAMED else []


def line(check, observed: list) -> str:
    """The feedback's diagnosis sentence for a failing check, or "" (never raises: grading goes on)."""
    try:
        keys = diagnose(check, observed)
    except Exception:  # noqa: BLE001 - a diagnosis is a hint; its failure must not change a grade
        return ""
    if not keys:
        return ""
    if len(keys) == 1:
        return TEXT["diagnosis"].format(cause=DIAGNOSIS[keys[0]])
    return TEXT["diagnosis_either"].format(causes=" ".join(DIAGNOSIS[k] for k in keys))
