"""PyTorch references for objects with parameters (a ``Linear`` layer; a model in part 2 of 06).

A model reference knows, for a case size, how to build the student's object, which
parameter values the judge imposes (in the student's layout, e.g. ``w`` of shape
(in, out)), and what PyTorch computes with those values: the output, and by autograd
dL/dx and the gradient of every parameter for L = sum(output * upstream). It also
knows how to judge the student's *own* initial values, statistically.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .errors import fail
from .messages import CASE, TEXT
from .references import single_threaded_torch


@dataclass(frozen=True)
class ModelReference:
    label: str                   # what a student reads, e.g. "torch.nn.Linear"
    names: tuple                 # parameter names, in the order of parameters(): ("w", "b")
    build: Callable              # (student's class or factory, size, rng) -> the student's object
    values: Callable             # (size, rng) -> the judge's parameter values (float64, our layout)
    input_shape: Callable        # size -> shape of x
    output_shape: Callable       # size -> shape of the output (known without PyTorch: kernels have none)
    forward: Callable            # (values, x) -> output, float64
    backward: Callable           # (values, x, upstream) -> (dx, [gradient of each parameter])
    judge_init: Callable         # (initial values, size, *, name, where, hidden) -> None or CheckFailed
    describe: Callable           # size -> what a visible case says about itself (Spanish)
    sgd_step: Callable | None = None  # (values, x, targets, lr) -> (loss, values after one torch.optim.SGD step)


def _t(a):
    return single_threaded_torch().as_tensor(np.asarray(a, dtype=np.float64))


# --- Linear: x @ w + b with w of shape (in, out); torch.nn.Linear keeps weight = w.T --------------

def _linear_module(values):
    torch = single_threaded_torch()
    w, b = values
    layer = torch.nn.Linear(w.shape[0], w.shape[1], dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(_t(w).T)
        layer.bias.copy_(_t(b))
    return layer


def _linear_values(size, rng):
    _, d_in, d_out = size
    return [rng.normal(size=(d_in, d_out)) / math.sqrt(d_in), rng.normal(size=d_out)]


def _linear_forward(values, x):
    torch = single_threaded_torch()
    with torch.no_grad():
        return _linear_module(values)(_t(x)).numpy()


def _linear_backward(values, x, upstream):
    layer = _linear_module(values)
    xt = _t(x).requires_grad_(True)
    # sum(y * g) rather than y.backward(g): the same product, without the import of sympy that
    # torch makes on the first backward given an explicit gradient (~1 s, measured).
    (layer(xt) * _t(upstream)).sum().backward()
    return xt.grad.numpy(), [layer.weight.grad.numpy().T.copy(), layer.bias.grad.numpy()]


def _linear_init(initial, size, *, name, where, hidden):
    """Kaiming normal for ReLU, fan_in: w ~ N(0, 2 / in_features); b = 0."""
    from .tasks.initialization import judge_sample
    _, d_in, _ = size
    w, b = initial
    judge_sample(w, family="normal", value=math.sqrt(2.0 / d_in), name=f"{name} (w)", where=where,
                 hidden=hidden)
    if np.any(b != 0):
        fail("values", where, TEXT["bias_not_zero"].format(what=f"{name} (b)"))


# --- An MLP, Sequential(Linear, act, Linear, act, Linear) (06, part 2): size (n, d0, d1, d2, d3) --------

def _mlp_module(values, activation):
    torch = single_threaded_torch()
    act = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh}[activation]
    linears = [_linear_module(values[i:i + 2]) for i in range(0, len(values), 2)]
    layers = [layer for linear in linears for layer in (linear, act())][:-1]
    return torch.nn.Sequential(*layers), linears


def _mlp_values(size, rng):
    dims = size[1:]
    values = []
    for d_in, d_out in zip(dims[:-1], dims[1:]):
        values += [rng.normal(size=(d_in, d_out)) / math.sqrt(d_in), 0.1 * rng.normal(size=d_out)]
    return values


def _mlp_forward(activation):
    def forward(values, x):
        torch = single_threaded_torch()
        with torch.no_grad():
            return _mlp_module(values, activation)[0](_t(x)).numpy()
    return forward


def _mlp_backward(activation):
    def backward(values, x, upstream):
        model, linears = _mlp_module(values, activation)
        xt = _t(x).requires_grad_(True)
        (model(xt) * _t(upstream)).sum().backward()
        grads = [g for lin in linears for g in (lin.weight.grad.numpy().T.copy(), lin.bias.grad.numpy())]
        return xt.grad.numpy(), grads
    return backward


def _mlp_sgd_step(activation):
    """One full-batch step of torch.optim.SGD (momentum 0) on the mean cross-entropy, from ``values``."""
    def step(values, x, targets, lr):
        torch = single_threaded_torch()
        model, linears = _mlp_module(values, activation)
        loss = torch.nn.functional.cross_entropy(model(_t(x)), torch.as_tensor(np.asarray(targets), dtype=torch.int64))
        loss.backward()
        with torch.no_grad():
            _torch_sgd(list(model.parameters()), [p.grad for p in model.parameters()], lr)
        after = [a.detach().numpy().copy() for lin in linears for a in (lin.weight.T, lin.bias)]
        return float(loss.detach()), after
    return step


def _no_init(initial, size, *, name, where, hidden):
    raise ValueError("the MLP reference judges no initialization (the layers' own is checked in part 1)")


def _mlp(activation, label):
    names = ("w1", "b1", "w2", "b2", "w3", "b3")

    def describe(size):
        n, d0, d1, d2, d3 = size
        return CASE["sequential"].format(d0=d0, d1=d1, d2=d2, d3=d3, act=label, x=(n, d0))

    def build(cls, size, rng, linear, act):
        _, d0, d1, d2, d3 = size
        return cls(linear(d0, d1, rng), act(), linear(d1, d2, rng), act(), linear(d2, d3, rng))

    return ModelReference(
        label=CASE["sequential_label"].format(act=label), names=names, build=build, values=_mlp_values,
        input_shape=lambda size: (size[0], size[1]), output_shape=lambda size: (size[0], size[-1]),
        forward=_mlp_forward(activation), backward=_mlp_backward(activation), judge_init=_no_init,
        describe=describe, sgd_step=_mlp_sgd_step(activation))


MODELS: dict[str, ModelReference] = {
    "linear": ModelReference(
        label="torch.nn.Linear", names=("w", "b"), build=lambda cls, size, rng: cls(size[1], size[2], rng),
        values=_linear_values, input_shape=lambda size: (size[0], size[1]),
        output_shape=lambda size: (size[0], size[2]), forward=_linear_forward,
        backward=_linear_backward, judge_init=_linear_init,
        describe=lambda size: CASE["linear"].format(d_in=size[1], d_out=size[2], x=(size[0], size[1]))),
    "mlp_relu": _mlp("relu", "ReLU"),
    "mlp_tanh": _mlp("tanh", "Tanh"),
}


def _torch_sgd(tensors, grads, lr):
    """``torch.optim.SGD(..., momentum=0).step()``: the function its ``step`` calls, in place. Building the
    optimizer object imports torch._dynamo and SymPy the first time (seconds in a student's kernel)."""
    from torch.optim.sgd import sgd
    sgd(tensors, grads, [None] * len(tensors), weight_decay=0.0, momentum=0.0, lr=lr, dampening=0.0,
        nesterov=False, maximize=False, foreach=False)


def sgd_reference(params, grads, lr):
    """The parameters after one ``torch.optim.SGD`` step (momentum 0) with the given gradients."""
    single_threaded_torch()
    tensors = [_t(p).clone() for p in params]
    _torch_sgd(tensors, [_t(g) for g in grads], lr)
    return [t.numpy().copy() for t in tensors]


def get(name: str) -> ModelReference:
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model reference {name!r}; known: {sorted(MODELS)}") from None
