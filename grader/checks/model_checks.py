"""Checks of an object with parameters: a ``Linear`` layer (06, part 1), a model (part 2).

The object is built by the model reference (``Linear(in, out, rng)``) and has ``forward(x)``,
``backward(grad_output)`` (returns dL/dx and *accumulates* the parameters'
gradients, as PyTorch does), ``zero_grad()``, and ``parameters()`` /
``gradients()``: lists of its live arrays, in the same order.

The judge never trusts the student's initialization: except in the ``init``
check, ``observe`` first writes the judge's parameter values into the arrays
``parameters()`` returns (in place). As everywhere in the course, ``observe``
only runs the student's code and keeps plain arrays; ``verify`` judges. In the
finite-difference check the kernel perturbs each parameter (and each input) in
place and records the student's forward at p ± h; the judge takes the
differences itself, and first requires every one of those samples to be what
PyTorch computes at the perturbed values, so forged samples or a layer that
ignores its parameters earn nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import models, student_text
from .compare import assert_close, check_array
from .declarations import Runner, execute
from .errors import CheckFailed, fail
from .gradients import relative_error
from .layer_checks import Observation, _call, judge_mutations, judge_raised, warning_note
from .messages import PASSED, TEXT, WORDS
from .tolerances import NUMERIC_TOLERANCE, SAMPLE_TOLERANCE, STEP, tolerances_for

KINDS = ("init", "forward", "backward", "accumulation", "numerical_gradient")


@dataclass(frozen=True)
class ModelCase:
    size: tuple
    dtype: str
    seed: int
    scale: float = 1.0

    def data(self, reference):
        """(parameter values, x, upstream, x2, upstream2): derived from the seed, the same everywhere.

        Runs in grading kernels too, where PyTorch is hidden: NumPy only."""
        rng = np.random.default_rng(self.seed)
        values = reference.values(self.size, rng)
        shape = reference.input_shape(self.size)
        x, x2 = (rng.normal(size=shape) * self.scale for _ in range(2))
        out = reference.output_shape(self.size)
        g, g2 = rng.standard_normal(out), rng.standard_normal(out)
        return values, *(a.astype(self.dtype) for a in (x, g, x2, g2))


@dataclass(frozen=True)
class ModelCheck:
    kind: str
    reference: str
    cases: tuple
    hidden: bool = False
    layers: tuple = field(default=(), compare=False)   # the notebook's layer classes a model reference builds with


def _copies(arrays):
    return [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in arrays]


def _listed(obs, name, fn):
    """The list a method returns (parameters(), gradients()), or None after recording the error."""
    result = _call(obs, name, fn)
    if obs.error is None and not isinstance(result, (list, tuple)):
        obs.error = (name, student_text.NOT_A_LIST, student_text.type_label(type(result)))
    return None if obs.error else list(result)


def _impose(obs, params, values) -> bool:
    """Write the judge's values into the student's live parameter arrays; False if they do not fit."""
    fits = (len(params) == len(values) and all(isinstance(p, np.ndarray) and p.shape == v.shape
                                               for p, v in zip(params, values)))
    if not fits:
        return False
    _call(obs, "parameters", lambda: [np.copyto(p, v, casting="unsafe") for p, v in zip(params, values)])
    return obs.error is None


def _imposed(obs, instance, params, values) -> list | None:
    """Impose the judge's values, then read the parameters back as the student's object lists them now
    (recorded as "imposed"); None if they did not fit or the object failed."""
    if not _impose(obs, params, values):
        return None
    current = _listed(obs, "parameters", instance.parameters)
    if obs.error:
        return None
    obs.arrays["imposed"] = _copies(current)
    return current


def observe(check: ModelCheck, model, case: ModelCase) -> Observation:
    """Run the student's object on one case (the untrusted half)."""
    obs = Observation()
    ref = models.get(check.reference)
    values, x, g, x2, g2 = case.data(ref)
    build = lambda: ref.build(model, case.size, np.random.default_rng(case.seed), *check.layers)  # noqa: E731
    instance = _call(obs, "instance", build)
    if obs.error:
        return obs
    params = _listed(obs, "parameters", instance.parameters)
    if obs.error:
        return obs
    obs.arrays["initial"] = _copies(params)
    if check.kind == "init":
        # The same seed must give the same values: the numbers come from the rng given.
        again = _call(obs, "instance", build)
        if obs.error is None:
            second = _listed(obs, "parameters", again.parameters)
            if second is not None:
                obs.arrays["repeated"] = _copies(second)
        return obs
    current = _imposed(obs, instance, params, values)
    if current is None:
        return obs
    given, given_g = x.copy(), g.copy()
    if check.kind == "accumulation":
        for inputs, upstream in ((x, g), (x2, g2)):
            _call(obs, "forward", instance.forward, inputs)
            if obs.error is None:
                _call(obs, "backward", instance.backward, upstream)
            if obs.error:
                return obs
        grads = _listed(obs, "gradients", instance.gradients)
        if obs.error:
            return obs
        obs.arrays["gradients_two"] = _copies(grads)
        _call(obs, "zero_grad", instance.zero_grad)
        grads = None if obs.error else _listed(obs, "gradients", instance.gradients)
        if obs.error:
            return obs
        obs.arrays["gradients_zero"] = _copies(grads)
        _call(obs, "forward", instance.forward, x)
        if obs.error is None:
            _call(obs, "backward", instance.backward, g)
        grads = None if obs.error else _listed(obs, "gradients", instance.gradients)
        if obs.error is None:
            obs.arrays["gradients_one"] = _copies(grads)
        return obs
    output = _call(obs, "forward", instance.forward, x)
    obs.arrays["input_after_forward"] = x.copy()
    if obs.error or check.kind == "forward":
        return obs
    snapshot = np.array(output, copy=True) if isinstance(output, np.ndarray) else None
    _call(obs, "backward", instance.backward, g)
    obs.arrays["input_after_backward"] = x.copy()
    obs.arrays["upstream_changed"] = not np.array_equal(g, given_g)
    obs.arrays["output_changed"] = snapshot is not None and not np.array_equal(snapshot, output, equal_nan=True)
    grads = None if obs.error else _listed(obs, "gradients", instance.gradients)
    if obs.error:
        return obs
    obs.arrays["gradients"] = _copies(grads)
    if check.kind != "numerical_gradient":
        return obs
    # The student's forward at each parameter (and each input) ± h, on the same instance, in place.
    # Only the samples are kept; the judge takes the differences.
    samples = []
    for array in [*params, given]:
        for i in range(array.size):
            index = np.unravel_index(i, array.shape)
            original = array[index]
            for sign in (1.0, -1.0):
                array[index] = original + sign * STEP
                samples.append(_call(obs, "numeric",
                                     lambda: np.array(instance.forward(given.copy()), dtype=np.float64)))
                if obs.error:
                    return obs
            array[index] = original
    obs.arrays["numeric"] = samples
    return obs


def _where(check, case, ref):
    if check.hidden:
        return TEXT["where_hidden_model"].format(dtype=case.dtype)
    return TEXT["where_visible"].format(case=f"{ref.describe(case.size)}, {case.dtype}")


def _reduction_atol(expected, dtype) -> float | None:
    """A parameter's gradient sums over the batch: in float32, elements that cancel carry rounding of the
    order of the terms, not of their sum. The absolute tolerance follows the gradient's own scale there
    (rtol × its largest element); a transposed, averaged or overwritten gradient is off by that scale."""
    expected = np.asarray(expected, dtype=np.float64)
    if np.dtype(dtype) != np.float32 or expected.size == 0:
        return None
    rtol, atol = tolerances_for(dtype)
    return max(atol, rtol * float(np.max(np.abs(expected))))


def _compare_list(got, expected, *, what, names, label, x, dtype, hidden, where, kind, hint=""):
    """gradients() (or parameters()) against the expected list, element by element."""
    if not isinstance(got, list) or len(got) != len(expected):
        fail("type", where, TEXT["type_list_n"].format(what=what, n=len(expected), names=", ".join(names)))
    for name, value, exp in zip(names, got, expected):
        try:
            assert_close(value, exp, what=f"{what} ({name})", reference=label, input_dtype=dtype, hidden=hidden,
                         where=where, kind=kind, atol=_reduction_atol(exp, dtype))
        except CheckFailed as exc:
            fail(exc.kind, *exc.details, hint)


def judge(check: ModelCheck, name: str, case: ModelCase, obs: Observation) -> None:
    """Compare one observation with PyTorch (the trusted half); raise CheckFailed if wrong."""
    ref = models.get(check.reference)
    values, x, g, x2, g2 = case.data(ref)
    where = _where(check, case, ref)
    grad_names = [f"grad_{n}" for n in ref.names]
    judge_raised(obs, name, where, hidden=check.hidden)
    note = warning_note(obs)
    initial = obs.arrays.get("initial")
    shapes = [v.shape for v in values]
    listed = ", ".join(f"{n} {s}" for n, s in zip(ref.names, shapes))
    if (not isinstance(initial, list) or len(initial) != len(values)
            or not all(isinstance(p, np.ndarray) and p.shape == s for p, s in zip(initial, shapes))):
        got = (WORDS["object_of_type"].format(type=type(initial).__name__) if not isinstance(initial, list) else
               ", ".join(f"{type(p).__name__} {getattr(p, 'shape', '')}".strip() for p in initial))
        fail("shape", where, TEXT["parameters_layout"].format(what=f"{name}.parameters()", expected=listed, got=got))
    if check.kind == "init":
        for p in initial:
            check_array(p, what=f"{name}.parameters()", shape=p.shape, input_dtype="float64", where=where)
        ref.judge_init(initial, case.size, name=name, where=where, hidden=check.hidden)
        repeated = obs.arrays.get("repeated")
        if not (isinstance(repeated, list) and len(repeated) == len(initial)
                and all(isinstance(r, np.ndarray) and np.array_equal(r, p) for r, p in zip(repeated, initial))):
            fail("statistics", where, TEXT["not_reproducible"].format(what=f"{name}(...)"))
        return
    imposed = obs.arrays.get("imposed")
    if not (isinstance(imposed, list) and len(imposed) == len(values)
            and all(isinstance(p, np.ndarray) and p.shape == v.shape and np.array_equal(p, v)
                    for p, v in zip(imposed, values))):
        fail("values", where, TEXT["parameters_live"].format(what=f"{name}.parameters()"))

    judge_mutations(obs, x, name, where)

    try:
        if check.kind == "forward":
            assert_close(obs.arrays["forward"], ref.forward(values, x), what=f"{name}.forward", reference=ref.label,
                         input_dtype=case.dtype, hidden=check.hidden, where=where)
        elif check.kind == "backward":
            dx, grads = ref.backward(values, x, g)
            label = WORDS["autograd_of"].format(reference=ref.label)
            assert_close(obs.arrays["backward"], dx, what=f"{name}.backward", reference=label,
                         input_dtype=case.dtype, hidden=check.hidden, where=where, kind="gradient_torch")
            _compare_list(obs.arrays["gradients"], grads, what=f"{name}.gradients()", names=grad_names,
                          label=label, x=x, dtype=case.dtype, hidden=check.hidden, where=where,
                          kind="gradient_torch", hint=TEXT["parameter_gradient_hint"])
        elif check.kind == "accumulation":
            _, first = ref.backward(values, x, g)
            _, second = ref.backward(values, x2, g2)
            label = WORDS["autograd_of"].format(reference=ref.label)
            _compare_list(obs.arrays["gradients_two"], [a + b for a, b in zip(first, second)],
                          what=f"{name}.gradients()", names=grad_names, label=label, x=x, dtype=case.dtype,
                          hidden=check.hidden, where=where, kind="gradient_torch",
                          hint=TEXT["accumulate_sum"].format(what=name))
            _compare_list(obs.arrays["gradients_zero"], [np.zeros_like(v) for v in values],
                          what=f"{name}.gradients()", names=grad_names, label=WORDS["zero"], x=x, dtype=case.dtype,
                          hidden=check.hidden, where=where, kind="values",
                          hint=TEXT["zero_grad_zeros"].format(what=name))
            _compare_list(obs.arrays["gradients_one"], first, what=f"{name}.gradients()", names=grad_names,
                          label=label, x=x, dtype=case.dtype, hidden=check.hidden, where=where,
                          kind="gradient_torch", hint=TEXT["zero_grad_then_one"].format(what=name))
        elif check.kind == "numerical_gradient":
            _judge_numeric(check, name, ref, values, x, g, obs, where, grad_names)
    except CheckFailed as exc:
        fail(exc.kind, *exc.details, note)


def _judge_numeric(check, name, ref, values, x, g, obs, where, grad_names):
    """Samples equal to PyTorch at p ± h, then central differences against gradients() and backward."""
    grads = obs.arrays["gradients"]
    if not isinstance(grads, list) or len(grads) != len(values):
        fail("type", where, TEXT["type_list_n"].format(what=f"{name}.gradients()", n=len(values),
                                                      names=", ".join(grad_names)))
    analytic = [check_array(a, what=f"{name}.gradients() ({n})", shape=v.shape, input_dtype="float64", where=where)
                for a, n, v in zip(grads, grad_names, values)]
    analytic.append(check_array(obs.arrays["backward"], what=f"{name}.backward", shape=x.shape,
                                input_dtype="float64", where=where))
    samples = obs.arrays.get("numeric")
    arrays = [*values, x]
    if not isinstance(samples, list) or len(samples) != 2 * sum(a.size for a in arrays):
        fail("incomplete", TEXT["incomplete"])
    labels = [*[f"{name}.gradients() ({n})" for n in grad_names], f"{name}.backward"]
    perturbed_names = [*[WORDS["parameter"].format(name=n) for n in ref.names], WORDS["input_x"]]
    position = 0
    for k, array in enumerate(arrays):
        numeric = np.empty(array.shape)
        for i in range(array.size):
            index = np.unravel_index(i, array.shape)
            high_low = []
            for sign in (1.0, -1.0):
                point = [a.copy() for a in arrays]
                point[k][index] += sign * STEP
                expected = ref.forward(point[:-1], point[-1])
                sample = samples[position]
                position += 1
                if (not isinstance(sample, np.ndarray) or sample.shape != expected.shape
                        or not relative_error(sample, expected) < SAMPLE_TOLERANCE):
                    fail("values", where, TEXT["numeric_sample"].format(
                        what=f"{name}.forward", param=perturbed_names[k], reference=ref.label,
                        parameters=f"{name}.parameters()"))
                high_low.append(float(np.sum(sample * g)))
            numeric[index] = (high_low[0] - high_low[1]) / (2 * STEP)
        error = relative_error(analytic[k], numeric)
        if not error < NUMERIC_TOLERANCE:
            fail("gradient_numeric", where, TEXT["gradient_numeric_param"].format(
                what=labels[k], param=([*ref.names, "x"])[k], error=error, tol=NUMERIC_TOLERANCE))


def observe_all(check: ModelCheck, model) -> list[Observation]:
    return [observe(check, model, case) for case in check.cases]


def verify(check: ModelCheck, name: str, observed: list) -> str:
    """Judge every case's observation (the trusted half); the line to print when all pass."""
    if len(observed) != len(check.cases):
        fail("incomplete", TEXT["incomplete"])
    for case, obs in zip(check.cases, observed):
        judge(check, name, case, obs)
    label = models.get(check.reference).label
    verb = {"init": PASSED["model_init"].format(what=name),
            "forward": PASSED["matches"].format(what=f"{name}.forward", reference=label),
            "backward": PASSED["model_backward"].format(what=name),
            "accumulation": PASSED["model_accumulation"].format(what=name),
            "numerical_gradient": PASSED["model_numeric"].format(what=name)}[check.kind]
    return (TEXT["passed_hidden"].format(what=verb) if check.hidden
            else TEXT["passed"].format(what=verb, count=len(check.cases)))


RUNNER = Runner(observe_all, verify, {"Observation": Observation})


def _declare(kind, model, reference, *, sizes, dtypes, seed, scale, hidden, layers=()):
    models.get(reference)  # an unknown reference is the instructor's error, raised at once
    cases = tuple(ModelCase(tuple(s), d, seed + i, float(scale))
                  for i, (s, d) in enumerate((s, d) for s in sizes for d in dtypes))
    execute(ModelCheck(kind, reference, cases, bool(hidden), tuple(layers)), model, RUNNER, type(model).__name__)


def check_model_init(model, reference: str, *, sizes, seed=0, hidden=False) -> None:
    """The parameters the student's constructor draws from ``rng`` have the distribution asked for."""
    _declare("init", model, reference, sizes=sizes, dtypes=("float64",), seed=seed, scale=1.0, hidden=hidden)


def check_model_forward(model, reference: str, *, sizes, dtypes=("float64", "float32"), seed=0, scale=1.0,
                        hidden=False, layers=()) -> None:
    """With the judge's parameters, ``forward(x)`` equals the PyTorch module; x unchanged."""
    _declare("forward", model, reference, sizes=sizes, dtypes=dtypes, seed=seed, scale=scale, hidden=hidden,
             layers=layers)


def check_model_backward(model, reference: str, *, sizes, dtypes=("float64", "float32"), seed=0, scale=1.0,
                         hidden=False, layers=()) -> None:
    """``backward(g)`` (dL/dx) and ``gradients()`` equal autograd for a random upstream gradient g."""
    _declare("backward", model, reference, sizes=sizes, dtypes=dtypes, seed=seed, scale=scale, hidden=hidden,
             layers=layers)


def check_model_accumulation(model, reference: str, *, sizes, dtypes=("float64",), seed=0, scale=1.0,
                             hidden=False, layers=()) -> None:
    """Two backward calls leave the sum of both gradients; zero_grad() resets them to zero."""
    _declare("accumulation", model, reference, sizes=sizes, dtypes=dtypes, seed=seed, scale=scale,
             hidden=hidden, layers=layers)


def check_model_numerical_gradient(model, reference: str, *, sizes, seed=0, scale=1.0, hidden=False,
                                   layers=()) -> None:
    """``gradients()`` and ``backward`` equal central differences of the student's forward at perturbed
    parameters and inputs (float64, same instance), whose samples must equal PyTorch's."""
    _declare("numerical_gradient", model, reference, sizes=sizes, dtypes=("float64",), seed=seed, scale=scale,
             hidden=hidden, layers=layers)
