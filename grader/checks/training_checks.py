"""Checks of an optimizer step and of a training loop (06, part 2).

* ``sgd_step(params, grads, lr)``: the judge's arrays, updated in place, against ``torch.optim.SGD``.
* ``train_step(model, x, targets, lr)``: one full-batch step (zero_grad, forward, cross-entropy,
  backward, SGD). The kernel builds the student's model with the notebook's layers, writes the judge's
  parameter values into it, and runs the student's step ``steps`` times on points the check generates,
  keeping only plain data: the parameters after every step and the losses returned. The judge then
  takes, for every step t, ONE ``torch.optim.SGD`` step from the student's own parameters at t - 1: a
  correct loop is never rejected for drifting from another run (a ReLU kink, another summation order),
  and a wrong step (sign, accumulated gradients, lr twice, a bias gradient averaged) is caught at the
  step it happens.
* The accuracy check trains longer and the judge computes the accuracy of the observed final
  parameters with PyTorch on test points it draws itself; nothing the kernel reports about accuracy
  is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import models
from .compare import assert_close, check_array
from .declarations import Runner, execute
from .errors import CheckFailed, fail
from .layer_checks import Observation, _call
from .messages import TEXT
from .model_checks import _copies, _imposed, _listed

TEST_SALT = 0x7E57   # test points are drawn from [seed, salt]: never the training points


def spirals(n, classes, rng, noise=0.2):
    """``classes`` interleaved spiral arms of ``n`` points each in the plane, and their integer labels.

    The notebook restates this function for its demonstration; the checks draw from their own seeds."""
    labels = np.repeat(np.arange(classes), n)
    radius = rng.uniform(0.1, 1.0, size=classes * n)
    angle = labels * (2 * np.pi / classes) + 2 * np.pi * radius + rng.normal(0.0, noise, size=classes * n)
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1), labels


@dataclass(frozen=True)
class SGDCase:
    shapes: tuple
    lr: float
    seed: int

    def data(self):
        rng = np.random.default_rng(self.seed)
        params = [rng.normal(size=s) for s in self.shapes]
        return params, [rng.normal(size=s) for s in self.shapes]


@dataclass(frozen=True)
class TrainingCase:
    size: tuple          # the model reference's size: (points per class, d0, d1, d2, classes)
    lr: float
    steps: int
    seed: int

    def data(self, reference):
        """(judge's initial parameters, x, targets): NumPy only (grading kernels have no PyTorch)."""
        rng = np.random.default_rng(self.seed)
        values = reference.values(self.size, rng)
        x, targets = spirals(self.size[0], self.size[-1], rng)
        return values, x, targets

    def test_points(self, n=200):
        return spirals(n, self.size[-1], np.random.default_rng([self.seed, TEST_SALT]))


@dataclass(frozen=True)
class TrainingCheck:
    kind: str            # "sgd_step", "steps" or "accuracy"
    reference: str       # model reference ("mlp_tanh"); "" for sgd_step
    cases: tuple
    hidden: bool = False
    layers: tuple = field(default=(), compare=False)   # the notebook's classes: (Sequential, Linear, activation)
    min_accuracy: float = 0.0


def _observe_sgd(step, case: SGDCase) -> Observation:
    obs = Observation()
    params, grads = case.data()
    live = [p for p in params]
    _call(obs, "sgd_step", step, live, grads, case.lr)
    obs.arrays["sgd_step"] = None          # what it returns is not graded (in place)
    obs.arrays["params_after"] = _copies(params)
    obs.arrays["grads_after"] = _copies(grads)
    return obs


def _observe_training(check: TrainingCheck, train_step, case: TrainingCase) -> Observation:
    obs = Observation()
    ref = models.get(check.reference)
    values, x, targets = case.data(ref)
    sequential, *layers = check.layers
    instance = _call(obs, "instance", lambda: ref.build(sequential, case.size, np.random.default_rng(case.seed),
                                                         *layers))
    params = None if obs.error else _listed(obs, "parameters", instance.parameters)
    if obs.error:
        return obs
    obs.arrays["initial"] = _copies(params)
    current = _imposed(obs, instance, params, values)
    if current is None:
        return obs
    trajectory, losses = [], []
    for _ in range(case.steps):
        loss = _call(obs, "train_step", train_step, instance, x.copy(), targets.copy(), case.lr)
        if obs.error:
            break
        losses.append(float(loss) if isinstance(loss, (float, int, np.floating, np.integer)) else float("nan"))
        if check.kind == "steps":
            current = _listed(obs, "parameters", instance.parameters)
            if obs.error:
                break
            trajectory.append(_copies(current))
    obs.arrays["train_step"] = None
    obs.arrays["losses"] = np.array(losses, dtype=np.float64)
    if check.kind == "steps":
        obs.arrays["trajectory"] = trajectory
    elif obs.error is None:
        final = _listed(obs, "parameters", instance.parameters)
        if obs.error is None:
            obs.arrays["final"] = _copies(final)
    return obs


def observe_all(check: TrainingCheck, target) -> list[Observation]:
    if check.kind == "sgd_step":
        return [_observe_sgd(target, case) for case in check.cases]
    return [_observe_training(check, target, case) for case in check.cases]


def _error(obs, name):
    step, error_type, detail = obs.error
    what = {"instance": "Sequential(...)", "train_step": name, "sgd_step": name}.get(step, f"{step}()")
    if error_type == "NotImplementedError":
        fail("not_implemented", TEXT["not_implemented"].format(what=what))
    fail("exception", TEXT["exception"].format(what=what, error=error_type, detail=detail))


def _same_layout(arrays, values) -> bool:
    return (isinstance(arrays, list) and len(arrays) == len(values)
            and all(isinstance(a, np.ndarray) and a.shape == v.shape for a, v in zip(arrays, values)))


def _judge_sgd(check, name, case: SGDCase, obs):
    where = (TEXT["where_hidden_model"].format(dtype="float64") if check.hidden else
             TEXT["where_visible"].format(case=TEXT["sgd_case"].format(
                 shapes=", ".join(str(s) for s in case.shapes), lr=case.lr)))
    if obs.error:
        _error(obs, name)
    params, grads = case.data()
    expected = models.sgd_reference(params, grads, case.lr)
    after = obs.arrays.get("params_after")
    if not _same_layout(after, params):
        fail("values", where, TEXT["sgd_in_place"].format(what=name))
    if not all(np.array_equal(g, h) for g, h in zip(obs.arrays.get("grads_after") or [], grads)) \
            or len(obs.arrays.get("grads_after") or []) != len(grads):
        fail("mutated", where, TEXT["sgd_grads_changed"].format(what=name))
    if any(np.array_equal(a, p) for a, p in zip(after, params)):
        fail("values", where, TEXT["sgd_in_place"].format(what=name))
    for k, (got, exp) in enumerate(zip(after, expected)):
        try:
            assert_close(got, exp, what=TEXT["sgd_param"].format(what=name, k=k), reference="torch.optim.SGD",
                         input_dtype="float64", hidden=check.hidden, where=where)
        except CheckFailed as exc:
            fail(exc.kind, *exc.details, TEXT["sgd_hint"])


def _judge_training(check, name, case: TrainingCase, obs):
    ref = models.get(check.reference)
    values, x, targets = case.data(ref)
    where = (TEXT["where_hidden_model"].format(dtype="float64") if check.hidden else
             TEXT["where_visible"].format(case=TEXT["training_case"].format(
                 model=ref.describe((len(x), *case.size[1:])), lr=case.lr)))
    if obs.error:
        _error(obs, name)
    listed = ", ".join(f"{n} {v.shape}" for n, v in zip(ref.names, values))
    if not _same_layout(obs.arrays.get("initial"), values):
        fail("shape", where, TEXT["parameters_layout"].format(what="Sequential.parameters()", expected=listed,
                                                              got=TEXT["training_other_layout"]))
    imposed = obs.arrays.get("imposed")
    if not (_same_layout(imposed, values) and all(np.array_equal(a, v) for a, v in zip(imposed, values))):
        fail("values", where, TEXT["parameters_live"].format(what="Sequential.parameters()"))
    losses = obs.arrays.get("losses")
    if not isinstance(losses, np.ndarray) or losses.shape != (case.steps,):
        fail("incomplete", TEXT["incomplete"])
    if check.kind == "accuracy":
        final = obs.arrays.get("final")
        if not _same_layout(final, values):
            fail("shape", where, TEXT["parameters_layout"].format(what="Sequential.parameters()", expected=listed,
                                                                  got=TEXT["training_other_layout"]))
        final = [check_array(a, what=f"Sequential.parameters() ({n})", shape=v.shape, input_dtype="float64",
                             where=where) for a, n, v in zip(final, ref.names, values)]
        test_x, test_targets = case.test_points()
        accuracy = float(np.mean(np.argmax(ref.forward(final, test_x), axis=1) == test_targets))
        if not accuracy >= check.min_accuracy:
            fail("values", where, TEXT["training_accuracy"].format(
                what=name, steps=case.steps, accuracy=accuracy, minimum=check.min_accuracy))
        return
    trajectory = obs.arrays.get("trajectory")
    if not isinstance(trajectory, list) or len(trajectory) != case.steps:
        fail("incomplete", TEXT["incomplete"])
    before = values
    for t, after in enumerate(trajectory, start=1):
        if not _same_layout(after, values):
            fail("shape", where, TEXT["parameters_layout"].format(
                what=f"Sequential.parameters() (paso {t})", expected=listed, got=TEXT["training_other_layout"]))
        loss, expected = ref.sgd_step(before, x, targets, case.lr)
        try:
            assert_close(np.asarray(losses[t - 1]), loss, what=TEXT["training_loss"].format(what=name, t=t),
                         reference="torch.nn.functional.cross_entropy", input_dtype="float64",
                         hidden=check.hidden, where=where)
            for n, got, exp in zip(ref.names, after, expected):
                assert_close(got, exp, what=TEXT["training_param"].format(param=n, t=t), reference="torch.optim.SGD",
                             input_dtype="float64", hidden=check.hidden, where=where)
        except CheckFailed as exc:
            fail(exc.kind, *exc.details, TEXT["training_hint"].format(t=t))
        before = after


def verify(check: TrainingCheck, name: str, observed: list) -> str:
    if len(observed) != len(check.cases):
        fail("incomplete", TEXT["incomplete"])
    for case, obs in zip(check.cases, observed):
        if check.kind == "sgd_step":
            _judge_sgd(check, name, case, obs)
        else:
            _judge_training(check, name, case, obs)
    verb = TEXT[f"training_passed_{check.kind}"].format(what=name, minimum=check.min_accuracy)
    return (TEXT["passed_hidden"].format(what=verb) if check.hidden
            else TEXT["passed"].format(what=verb, count=len(check.cases)))


RUNNER = Runner(observe_all, verify, {"Observation": Observation})


def check_sgd_step(sgd_step, *, shapes, lrs=(0.1,), seed=0, hidden=False) -> None:
    """``sgd_step(params, grads, lr)`` updates the judge's arrays in place as ``torch.optim.SGD`` would.

    ``shapes``: one list of parameter shapes per case (each combined with every lr)."""
    cases = tuple(SGDCase(tuple(tuple(s) for s in group), float(lr), seed + i)
                  for i, (group, lr) in enumerate((g, lr) for g in shapes for lr in lrs))
    execute(TrainingCheck("sgd_step", "", cases, bool(hidden)), sgd_step, RUNNER, "sgd_step")


def _declare_training(kind, train_step, reference, *, layers, sizes, lr, steps, seed, hidden, min_accuracy=0.0):
    models.get(reference)
    cases = tuple(TrainingCase(tuple(s), float(lr), int(steps), seed + i) for i, s in enumerate(sizes))
    execute(TrainingCheck(kind, reference, cases, bool(hidden), tuple(layers), float(min_accuracy)),
            train_step, RUNNER, "train_step")


def check_training_steps(train_step, reference: str, *, layers, sizes, lr, steps=20, seed=0, hidden=False) -> None:
    """Each of the first ``steps`` calls of ``train_step`` is one ``torch.optim.SGD`` step from the
    parameters the previous call left; ``layers`` = (Sequential, Linear, activation) of the notebook."""
    _declare_training("steps", train_step, reference, layers=layers, sizes=sizes, lr=lr, steps=steps, seed=seed,
                      hidden=hidden)


def check_training_accuracy(train_step, reference: str, *, layers, sizes, lr, steps, min_accuracy, seed=0,
                            hidden=False) -> None:
    """After ``steps`` calls of ``train_step``, the final parameters classify the judge's own test points
    with at least ``min_accuracy`` (computed with PyTorch by the judge)."""
    _declare_training("accuracy", train_step, reference, layers=layers, sizes=sizes, lr=lr, steps=steps, seed=seed,
                      hidden=hidden, min_accuracy=min_accuracy)
