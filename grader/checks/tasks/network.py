"""06-red-neuronal: unbroadcasting a gradient, and softmax cross-entropy with its gradient.

``unbroadcast(grad, shape)`` is judged against autograd of a broadcast ``a + b`` or
``a * b``: the student receives dL/d(b broadcast to the output's shape) and must
return ``b.grad``. ``cross_entropy`` and ``cross_entropy_grad`` are judged against
``torch.nn.functional.cross_entropy`` (integer labels, mean over the batch) and its
autograd; the ``*_large`` tasks use logits of hundreds and thousands, where only a
log-sum-exp with the row maximum subtracted stays finite and silent.
"""

from __future__ import annotations

import numpy as np

from . import Task, autograd_of, register, torch64
from ..messages import CASE
from .broadcasting import _shapes


def _operands(size, rng, dtype):
    """size = (ndim_a, ndim_b) for random compatible shapes, or two explicit shapes (b's is the target)."""
    if all(isinstance(s, int) for s in size):
        shape_a, shape_b = _shapes((*size, True), rng, dtype)
    else:
        shape_a, shape_b = (tuple(s) for s in size)
    a, b = rng.normal(size=shape_a), rng.normal(size=shape_b)
    g = rng.normal(size=np.broadcast_shapes(shape_a, shape_b))
    return a.astype(dtype), b.astype(dtype), g.astype(dtype)


def _unbroadcast_task(op: str):
    def make_args(size, rng, dtype):
        a, b, g = _operands(size, rng, dtype)
        local = g if op == "add" else g * a            # dL/d(b broadcast) = g · ∂(a op b)/∂b
        return np.ascontiguousarray(np.broadcast_to(local, g.shape)), tuple(b.shape), a, b, g

    def reference(grad, shape, a, b, g):
        at, bt = torch64(a), torch64(b).requires_grad_(True)
        ((at + bt if op == "add" else at * bt) * torch64(g)).sum().backward()   # no sympy import (models.py)
        return bt.grad.numpy()

    return make_args, reference


def _describe_unbroadcast(args):
    return CASE["unbroadcast"].format(grad=args[0].shape, shape=args[1], dtype=args[0].dtype)


for _op, _label in [("add", autograd_of("a + b (PyTorch)")), ("mul", autograd_of("a * b (PyTorch)"))]:
    _make, _reference = _unbroadcast_task(_op)
    register(Task(name=f"unbroadcast_{_op}", label=_label, make_args=_make, reference=_reference,
                  kind="gradient_torch", describe=_describe_unbroadcast, arity=2))


def _classification(size, rng, dtype):
    """size = (n, classes, scale): logits N(0, scale²) and integer labels."""
    n, classes, scale = size
    logits = rng.normal(size=(n, classes)) * scale
    return logits.astype(dtype), rng.integers(0, classes, size=n)


def _large_logits(size, rng, dtype):
    """size = (n, classes, low, high): logits in [low, high]; in every other row the label's logit is
    900 below the row's maximum, so its probability underflows to 0 (log(softmax) would be -inf)."""
    n, classes, low, high = size
    logits = rng.uniform(low, high, size=(n, classes))
    targets = rng.integers(0, classes, size=n)
    rows = np.arange(0, n, 2)
    logits[rows, targets[rows]] = logits[rows].max(axis=1) - 900.0
    return logits.astype(dtype), targets


def _cross_entropy(logits, targets):
    import torch
    return float(torch.nn.functional.cross_entropy(torch64(logits), torch.as_tensor(targets, dtype=torch.int64)))


def _cross_entropy_grad(logits, targets):
    import torch
    t = torch64(logits).requires_grad_(True)
    torch.nn.functional.cross_entropy(t, torch.as_tensor(targets, dtype=torch.int64)).backward()
    return t.grad.numpy()


def _describe_classification(args):
    return CASE["classification"].format(shape=args[0].shape, targets=args[1].tolist(), dtype=args[0].dtype)


_LOSS = "torch.nn.functional.cross_entropy"
for _suffix, _make_args, _stable in [("", _classification, False), ("_large", _large_logits, True)]:
    register(Task(name=f"cross_entropy{_suffix}", label=_LOSS, make_args=_make_args, reference=_cross_entropy,
                  describe=_describe_classification, stability=_stable))
    register(Task(name=f"cross_entropy_grad{_suffix}", label=autograd_of(_LOSS), make_args=_make_args,
                  reference=_cross_entropy_grad, kind="gradient_torch", describe=_describe_classification,
                  stability=_stable))
