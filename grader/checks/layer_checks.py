"""Checks of an activation layer (a class with ``forward(x)`` and ``backward(grad_output)``).

A test cell *declares* a check: which student class, which PyTorch reference,
which hyperparameters and which cases. Running it has two halves kept apart on
purpose:

* ``observe`` runs the student's code and returns plain data (arrays, warning
  texts, the error it raised) — the only half that touches student code;
* ``judge`` compares those observations with PyTorch and raises ``CheckFailed``.

So the same declaration can later be observed in a sandboxed kernel and judged
in a clean process that never ran student code.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import observations, overflow, raised, references, student_text
from .cases import DEFAULT_DTYPES, DEFAULT_SHAPES, Case, make_cases
from .compare import assert_close, check_array
from .declarations import Runner, execute
from .errors import CheckFailed, fail
from .gradients import relative_error
from .messages import PASSED, TEXT, WORDS
from .tolerances import NUMERIC_FLOOR, NUMERIC_TOLERANCE, STEP, tolerances_for

KINDS = ("function", "forward", "backward", "numerical_gradient", "stability")
# The fixed, public grid a failing visible check's feedback plots the student's layer on
# (grader.grading.feedback_plot), and the constant grad_output its backward is called with there:
# not 1, so that a backward that ignores grad_output shows on the plot. An even count keeps x = 0 (every
# reference's kink, where conventions for the derivative differ and no check looks) off the grid.
GRID = np.linspace(-6.0, 6.0, 400)
GRID_UPSTREAM = 2.0
STABILITY_VALUES = ((-1000.0, -800.0, -710.0, -100.0, -30.0, 0.0, 30.0, 100.0, 710.0, 800.0, 1000.0),)


@dataclass(frozen=True)
class LayerCheck:
    """A declaration: everything needed to check one aspect of a layer, as plain data."""
    kind: str
    reference: str
    cases: tuple[Case, ...]
    init: dict = field(default_factory=dict)
    hidden: bool = False


@dataclass
class Observation:
    """What the student's code did on one case: arrays, warnings, or the error it raised."""
    arrays: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    error: tuple | None = None  # (step that raised, exception type name, message)
    grid: dict = field(default_factory=dict)  # forward/backward on GRID (first case of a visible check only)
    line: int | None = None     # where it raised, in the student's cell (raised.student_line)


def _call(observation: Observation, name: str, fn, *args):
    """Run student code with warnings and stderr captured (nbgrader scores any stderr as 0)."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("always")
        try:
            result = fn(*args)
        except Exception as exc:  # the student's exception becomes a verdict, not a traceback
            observation.error = (name, type(exc).__name__, str(exc)[:300])
            observation.line = raised.student_line(exc)
            result = None
    observation.warnings += [f"{w.category.__name__}: {w.message}" for w in caught]
    observation.arrays[name] = result
    return result


def observe(check: LayerCheck, layer, case: Case) -> Observation:
    """Run the student's layer on one case (the untrusted half); at large inputs, overflow is watched for
    even where the answer silenced NumPy's warnings (grader.checks.overflow)."""
    obs = Observation()
    if check.kind != "stability":
        return _observe(check, layer, case, obs)
    method = getattr(layer, "forward", layer)
    with overflow.watched(getattr(method, "__globals__", None), obs.warnings):
        return _observe(check, layer, case, obs)


def _observe(check: LayerCheck, layer, case: Case, obs: Observation) -> Observation:
    x, upstream = case.inputs(references.get(check.reference).kinks)
    if check.kind == "numerical_gradient":
        x, upstream = x.astype(np.float64), upstream.astype(np.float64)
    given = x.copy()
    if check.kind == "function":  # a plain function f(x, **init), no layer object
        _call(obs, "forward", lambda: layer(x, **check.init))
        obs.arrays["input_after_forward"] = x.copy()
        return obs
    instance = _call(obs, "instance", lambda: layer(**check.init))
    if obs.error:
        return obs
    output = _call(obs, "forward", instance.forward, x)
    obs.arrays["input_after_forward"] = x.copy()
    if obs.error or check.kind == "forward":
        return obs
    snapshot = np.array(output, copy=True) if isinstance(output, np.ndarray) else None
    upstream_given = upstream.copy()
    _call(obs, "backward", instance.backward, upstream)
    obs.arrays["input_after_backward"] = x.copy()
    obs.arrays["upstream_changed"] = not np.array_equal(upstream, upstream_given)
    # The next layer holds the array forward returned: backward must not write into it.
    obs.arrays["output_changed"] = snapshot is not None and not np.array_equal(snapshot, output, equal_nan=True)
    if obs.error or check.kind != "numerical_gradient":
        return obs
    # Only the student's forward at x ± h·e_i is observed here; the differences are taken by the judge.
    plus, minus = [], []
    for i in range(given.size):
        for sign, values in ((1.0, plus), (-1.0, minus)):
            z = given.copy()
            z.reshape(-1)[i] += sign * STEP
            values.append(_call(obs, "numeric", lambda v: np.asarray(layer(**check.init).forward(v),
                                                                     dtype=np.float64), z))
            if obs.error:
                return obs
    obs.arrays["numeric"] = None
    obs.arrays["numeric_plus"], obs.arrays["numeric_minus"] = plus, minus
    return obs


def _central_differences(obs: Observation, upstream: np.ndarray, where: str, what: str) -> np.ndarray:
    """dL/dx for L = sum(f(x) * upstream), from the observed f(x ± h·e_i) (the clean half)."""
    grad = np.empty(len(obs.arrays["numeric_plus"]))
    for i, (plus, minus) in enumerate(zip(obs.arrays["numeric_plus"], obs.arrays["numeric_minus"])):
        try:
            high = np.sum(np.asarray(plus, dtype=np.float64) * upstream)
            low = np.sum(np.asarray(minus, dtype=np.float64) * upstream)
        except (TypeError, ValueError) as exc:
            fail("exception", where, TEXT["exception"].format(what=what, error=type(exc).__name__, detail=exc))
        grad[i] = (high - low) / (2 * STEP)
    return grad


def _check_samples(check: LayerCheck, obs: Observation, x: np.ndarray, layer_name: str, where: str) -> None:
    """The observed f(x ± h·e_i) must be the reference's: forged samples or a constant layer earn nothing.

    The kernel reports the samples; only agreeing with PyTorch there makes them usable as proof.
    """
    ref = references.get(check.reference)
    samples = (obs.arrays.get("numeric_plus"), obs.arrays.get("numeric_minus"))
    if not all(isinstance(s, list) and len(s) == x.size for s in samples):
        fail("incomplete", TEXT["incomplete"])
    for sign, observed in zip((1.0, -1.0), samples):
        for i, value in enumerate(observed):
            z = x.astype(np.float64).copy()
            z.reshape(-1)[i] += sign * STEP
            try:
                assert_close(value, references.forward(check.reference, z, check.init),
                             what=f"{layer_name}.forward (x ± h)", reference=ref.label, x=z,
                             input_dtype="float64", hidden=check.hidden, where=where)
            except CheckFailed as exc:
                fail(exc.kind, *exc.details, TEXT["numeric_forward"].format(reference=ref.label))


def judge_raised(obs: Observation, name: str, where: str, *, hidden: bool, function: bool = False) -> None:
    """Fail if the observed run (of a layer, a function or a model) raised, naming the call that did."""
    if not obs.error:
        return
    step, error_type, detail = obs.error
    what = name if function else {"instance": f"{name}(...)", "numeric": f"{name}.forward",
                                  "forward": f"{name}.forward", "backward": f"{name}.backward"}.get(
        step, f"{name}.{step}()")      # parameters(), gradients(), zero_grad() of a model
    if error_type == student_text.NOT_A_LIST:        # it returned, but not a list: a type, not an exception
        fail("type", where, TEXT["type_list"].format(what=what, got=student_text.checked_type_label(detail)))
    raised.fail_raised(what, where, error_type, detail, line=obs.line, hidden=hidden)


def warning_note(obs) -> str:
    """The sentence that adds the warnings a run emitted to a failure's message ("" if none)."""
    return TEXT["warning_note"].format(warnings="; ".join(sorted(set(obs.warnings)))) if obs.warnings else ""


def judge_mutations(obs: Observation, x: np.ndarray, name: str, where: str, *, function: bool = False) -> None:
    """Fail if forward or backward wrote into its input, grad_output, or the array forward returned."""
    for key in ("input_after_forward", "input_after_backward"):
        if key in obs.arrays and not np.array_equal(obs.arrays[key], x, equal_nan=True):
            fail("mutated", where, TEXT["mutated"].format(
                what=name if function else f"{name}.{key.rsplit('_', 1)[-1]}"))
    if obs.arrays.get("upstream_changed"):
        # In a network the same gradient can flow into two branches (residual blocks).
        fail("mutated", where, TEXT["mutated"].format(what=f"{name}.backward (grad_output)"))
    if obs.arrays.get("output_changed"):
        fail("mutated", where, TEXT["mutated_output"].format(what=f"{name}.backward"))


def stability_hint(reference: str, warnings_seen: list) -> str:
    """The hint for a warning at large inputs, by the NumPy function that warned (from a fixed list)."""
    named = [w for w in map(student_text.warned_function, warnings_seen) if w is not None]
    if not named:
        return TEXT["unstable_other"]
    function, group = named[0]
    if reference == "softmax" and group == "divide":       # a slice underflowed to 0/0: the global maximum
        return TEXT["unstable_softmax_divide"]
    return TEXT["unstable_" + group].format(function=f"np.{function}")


def backward_hint(check: LayerCheck, x, upstream, got, dtype) -> str:
    """The generic backward hint, or the mistake the student's output shows: computed from the case's
    inputs and PyTorch only, so it says nothing the case does not (softmax: the Jacobian's diagonal)."""
    if not isinstance(got, np.ndarray) or got.shape != np.shape(x) or got.dtype.kind not in "fiu":
        return TEXT["gradient_hint"]
    rtol, atol = tolerances_for(dtype)
    x64, upstream64 = np.asarray(x, dtype=np.float64), np.asarray(upstream, dtype=np.float64)
    if check.reference == "softmax":
        s = references.forward(check.reference, x64, check.init)
        local = s * (1.0 - s)
        if np.allclose(got, upstream64 * local, rtol=rtol, atol=atol):
            return TEXT["hint_jacobian_diagonal"]
    else:
        local = references.backward(check.reference, x64, np.ones_like(x64), check.init)
    if np.allclose(got, local, rtol=rtol, atol=atol):
        return TEXT["hint_ignores_grad_output"]
    return TEXT["gradient_hint"]


def judge(check: LayerCheck, layer_name: str, case: Case, obs: Observation) -> None:
    """Compare one observation with PyTorch (the trusted half); raise CheckFailed if wrong."""
    ref = references.get(check.reference)
    x, upstream = case.inputs(ref.kinks)
    if check.kind == "numerical_gradient":
        x, upstream = x.astype(np.float64), upstream.astype(np.float64)
    where = (TEXT["where_hidden"].format(dtype=case.dtype, ndim=len(case.shape)) if check.hidden
             else TEXT["where_visible"].format(case=case.label()))
    function = check.kind == "function"
    judge_raised(obs, layer_name, where, hidden=check.hidden, function=function)
    note = warning_note(obs)

    if check.kind == "stability" and obs.warnings:
        fail("unstable", where, TEXT["unstable_warning"].format(what=layer_name, warning=obs.warnings[0]),
             stability_hint(check.reference, obs.warnings))
    judge_mutations(obs, x, layer_name, where, function=function)

    # Each cell judges one thing: a wrong forward loses the forward cell's points only,
    # and the stability cell asks of backward only that it stays finite.
    if check.kind == "backward":
        method_name, kind, label = "backward", "gradient_torch", WORDS["autograd_of"].format(reference=ref.label)
        expected = references.backward(check.reference, x, upstream, check.init)
    else:
        method_name, kind, label = "forward", "values", ref.label
        expected = references.forward(check.reference, x, check.init)
    compared_upstream = upstream if check.kind == "backward" else None   # the backward's inputs are x and g
    sensitivity = lambda: references.sensitivity(check.reference, x, compared_upstream, check.init)  # noqa: E731
    if check.kind in ("function", "forward", "backward", "stability"):
        what = layer_name if check.kind == "function" else f"{layer_name}.{method_name}"
        try:
            assert_close(obs.arrays[method_name], expected, what=what,
                         reference=label, x=x, input_dtype=case.dtype, hidden=check.hidden,
                         where=where, kind=kind, sensitivity=sensitivity)
        except CheckFailed as exc:
            # In the stability cell, non-finite values are instability; finite wrong values are
            # just wrong values (e.g. truncated constants), and are named so.
            unstable = check.kind == "stability" and exc.kind == "nonfinite"
            fail("unstable" if unstable else exc.kind, *exc.details, note,
                 backward_hint(check, x, upstream, obs.arrays[method_name], case.dtype)
                 if exc.kind == "gradient_torch" else "")

    if check.kind == "stability":
        grad = check_array(obs.arrays["backward"], what=f"{layer_name}.backward",
                           shape=x.shape, input_dtype=case.dtype, where=where, hidden=check.hidden)
        if not np.all(np.isfinite(grad)):
            fail("unstable", where, TEXT["unstable_values"].format(
                what=f"{layer_name}.backward", max_abs=float(np.max(np.abs(x)))))

    if check.kind == "numerical_gradient":
        _check_samples(check, obs, x, layer_name, where)
        analytic = check_array(obs.arrays["backward"], what=f"{layer_name}.backward",
                               shape=x.shape, input_dtype="float64", where=where, hidden=check.hidden)
        numeric = _central_differences(obs, upstream, where, f"{layer_name}.forward").reshape(x.shape)
        error = relative_error(analytic, numeric)
        if not (error < NUMERIC_TOLERANCE or np.linalg.norm(analytic - numeric) < NUMERIC_FLOOR):
            fail("gradient_numeric", where, TEXT["gradient_numeric"].format(
                what=f"{layer_name}.backward", error=error, tol=NUMERIC_TOLERANCE), note,
                backward_hint(check, x, upstream, analytic, "float64"))


def observe_grid(check: LayerCheck, layer) -> dict:
    """forward(GRID) and backward(GRID_UPSTREAM) of a fresh layer, for the feedback's plot only (never judged).

    One call of each on 400 points: milliseconds. An exception or warning here is not the case's.
    """
    obs = Observation()
    if check.kind == "function":
        _call(obs, "forward", lambda: layer(GRID.copy(), **check.init))
        return {"forward": obs.arrays.get("forward")}
    instance = _call(obs, "instance", lambda: layer(**check.init))
    for step, argument in (("forward", GRID), ("backward", np.full_like(GRID, GRID_UPSTREAM))):
        if obs.error is None:
            _call(obs, step, lambda: getattr(instance, step)(argument.copy()))
    return {key: obs.arrays.get(key) for key in ("forward", "backward")}


def observe_all(check: LayerCheck, layer) -> list[Observation]:
    """Observe every case (the untrusted half, run where the student's code lives).

    When grading, a visible check of an elementwise layer also observes it on the fixed grid, kept with the
    first case (at home nothing would draw it).
    """
    observed = [observe(check, layer, case) for case in check.cases]
    if (observed and not check.hidden and references.get(check.reference).elementwise
            and observations.folder() is not None):
        observed[0].grid = observe_grid(check, layer)
    return observed


def verify(check: LayerCheck, name: str, observed: list) -> str:
    """Judge every case's observation (the trusted half); the line to print when all pass."""
    if len(observed) != len(check.cases):
        fail("incomplete", TEXT["incomplete"])
    for case, obs in zip(check.cases, observed):
        judge(check, name, case, obs)
    label = references.get(check.reference).label
    verb = {"function": PASSED["matches"].format(what=name, reference=label),
            "forward": PASSED["matches"].format(what=f"{name}.forward", reference=label),
            "backward": PASSED["backward_autograd"].format(what=name),
            "numerical_gradient": PASSED["backward_numeric"].format(what=name),
            "stability": PASSED["stable"].format(what=name)}[check.kind]
    return (TEXT["passed_hidden"].format(what=verb) if check.hidden
            else TEXT["passed"].format(what=verb, count=len(check.cases)))


RUNNER = Runner(observe_all, verify, {"Observation": Observation})


def run(check: LayerCheck, layer) -> None:
    """Observe and judge every case (or only observe/record, when grading); print one line."""
    execute(check, layer, RUNNER, type(layer).__name__)


def _declare(kind, layer, reference, *, shapes, dtypes, seed, scale, values, init, hidden):
    check = LayerCheck(kind, reference, make_cases(shapes, dtypes, seed, scale, values),
                       dict(init or {}), hidden)
    run(check, layer)


def check_function(func, reference: str, *, shapes=DEFAULT_SHAPES, dtypes=DEFAULT_DTYPES, seed=0,
                   scale=6.0, values=None, init=None, hidden=False) -> None:
    """``func(x, **init)`` equals the PyTorch reference elementwise on every case; x is left unchanged."""
    _declare("function", func, reference, shapes=shapes, dtypes=dtypes, seed=seed, scale=scale,
             values=values, init=init, hidden=hidden)


def check_forward(layer, reference: str, *, shapes=DEFAULT_SHAPES, dtypes=DEFAULT_DTYPES, seed=0,
                  scale=6.0, values=None, init=None, hidden=False) -> None:
    """``layer(**init).forward(x)`` equals the PyTorch module on every case, and x is left unchanged."""
    _declare("forward", layer, reference, shapes=shapes, dtypes=dtypes, seed=seed, scale=scale,
             values=values, init=init, hidden=hidden)


def check_backward(layer, reference: str, *, shapes=DEFAULT_SHAPES, dtypes=DEFAULT_DTYPES, seed=0,
                   scale=6.0, values=None, init=None, hidden=False) -> None:
    """``backward(g)`` after ``forward(x)`` equals autograd's vector-Jacobian product for a random g."""
    _declare("backward", layer, reference, shapes=shapes, dtypes=dtypes, seed=seed, scale=scale,
             values=values, init=init, hidden=hidden)


def check_numerical_gradient(layer, reference: str, *, shapes=DEFAULT_SHAPES, seed=0, scale=6.0,
                             values=None, init=None, hidden=False) -> None:
    """``forward`` at x ± h equals the reference, and ``backward(g)`` equals central differences of it."""
    _declare("numerical_gradient", layer, reference, shapes=shapes, dtypes=("float64",), seed=seed,
             scale=scale, values=values, init=init, hidden=hidden)


def check_stability(layer, reference: str, *, values=STABILITY_VALUES, dtypes=DEFAULT_DTYPES, seed=0,
                    init=None, hidden=False) -> None:
    """Forward and backward at large |x|: no warning, no NaN, and still the right values."""
    _declare("stability", layer, reference, shapes=None, dtypes=dtypes, seed=seed, scale=None,
             values=values, init=init, hidden=hidden)
