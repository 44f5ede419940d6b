"""PyTorch references, always evaluated in float64.

A float32 reference differs from the exact value by up to ~1e-6 (SELU, GELU),
which would blur the tolerances that tell a right answer from a near miss, so
inputs are upcast and the module runs in double precision.

Each reference is built from the same keyword arguments as the student's layer
(NumPy names such as ``axis``), so a test declaration names a hyperparameter once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import libraries


@dataclass(frozen=True)
class Reference:
    label: str                      # what a student reads, e.g. "torch.nn.Sigmoid"
    build: Callable[..., object]    # keyword arguments -> torch.nn.Module or a torch function
    kinks: tuple[float, ...] = ()   # points where the derivative jumps
    elementwise: bool = True        # f(x)[i] depends on x[i] only: its curve on a grid can be drawn


def single_threaded_torch():
    """torch, set to one thread: references are tiny, and PyTorch's thread pool on a loaded
    2-core machine turned milliseconds into seconds (measured)."""
    with libraries.loading_for_grader():
        import torch
        import torch.fx.experimental.symbolic_shapes  # noqa: F401 - autograd imports SymPy through it
    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)
    return torch


def _nn():
    return single_threaded_torch().nn


def _normal_pdf():
    torch = single_threaded_torch()
    normal = torch.distributions.Normal(torch.tensor(0.0, dtype=torch.float64),
                                        torch.tensor(1.0, dtype=torch.float64))
    return lambda t: torch.exp(normal.log_prob(t))


def _normal_cdf():
    torch = single_threaded_torch()
    return torch.special.ndtr


REFERENCES: dict[str, Reference] = {
    "identity": Reference("torch.nn.Identity", lambda: _nn().Identity()),
    "sigmoid": Reference("torch.nn.Sigmoid", lambda: _nn().Sigmoid()),
    "tanh": Reference("torch.nn.Tanh", lambda: _nn().Tanh()),
    "relu": Reference("torch.nn.ReLU", lambda: _nn().ReLU(), kinks=(0.0,)),
    "leaky_relu": Reference(
        "torch.nn.LeakyReLU",
        lambda negative_slope=0.01: _nn().LeakyReLU(negative_slope=negative_slope), kinks=(0.0,)),
    "elu": Reference("torch.nn.ELU", lambda alpha=1.0: _nn().ELU(alpha=alpha), kinks=(0.0,)),
    "selu": Reference("torch.nn.SELU", lambda: _nn().SELU(), kinks=(0.0,)),
    "gelu": Reference("torch.nn.GELU", lambda approximate="none": _nn().GELU(approximate=approximate)),
    "gelu_tanh": Reference("torch.nn.GELU(approximate='tanh')", lambda: _nn().GELU(approximate="tanh")),
    "silu": Reference("torch.nn.SiLU", lambda: _nn().SiLU()),
    "softplus": Reference(
        "torch.nn.Softplus", lambda beta=1.0, threshold=20.0: _nn().Softplus(beta=beta, threshold=threshold)),
    "mish": Reference("torch.nn.Mish", lambda: _nn().Mish()),
    "softmax": Reference("torch.nn.Softmax", lambda axis=-1: _nn().Softmax(dim=axis), elementwise=False),
    # Functions rather than layers (checked with check_function).
    "normal_pdf": Reference("torch.distributions.Normal(0, 1)", _normal_pdf),
    "normal_cdf": Reference("torch.special.ndtr", _normal_cdf),
}


def get(name: str) -> Reference:
    try:
        return REFERENCES[name]
    except KeyError:
        raise ValueError(f"unknown reference {name!r}; known: {sorted(REFERENCES)}") from None


def forward(name: str, x, init: dict | None = None) -> np.ndarray:
    """The reference output for ``x`` (any float dtype), in float64."""
    torch = single_threaded_torch()
    module = get(name).build(**(init or {}))
    with torch.no_grad():
        return module(torch.as_tensor(np.asarray(x, dtype=np.float64))).numpy()


def backward(name: str, x, upstream, init: dict | None = None) -> np.ndarray:
    """The vector-Jacobian product dL/dx for L = sum(f(x) * upstream), from autograd, in float64."""
    torch = single_threaded_torch()
    module = get(name).build(**(init or {}))
    xt = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    # (y * g).sum().backward() is y.backward(g) without the first-call import of sympy (2.5 s).
    (module(xt) * torch.as_tensor(np.asarray(upstream, dtype=np.float64))).sum().backward()
    return xt.grad.numpy()


def sensitivity(name: str, x, upstream=None, init: dict | None = None) -> np.ndarray:
    """Σ_v Σ_j |∂q_i/∂v_j|·|v_j| for each element i of the compared quantity q, in float64.

    q is the forward value f(x), or for a backward (``upstream`` given) the vector-Jacobian product
    g·∂f/∂x, whose own derivatives come from autograd's double backward; v runs over q's inputs (x, and g).
    A backward-stable algorithm computes q exactly for inputs each off by a few unit roundoffs, so its error
    is a few roundoffs times this sum (Higham, *Accuracy and Stability of Numerical Algorithms*, §1.5–1.6):
    the rounding a float32 check must forgive when it goes beyond rtol (softmax of logits near 1000).
    """
    torch = single_threaded_torch()
    reference = get(name)
    module = reference.build(**(init or {}))
    inputs = [torch.tensor(np.asarray(x, dtype=np.float64))]
    if upstream is not None:
        inputs.append(torch.tensor(np.asarray(upstream, dtype=np.float64)))

    def quantity(x_, g_=None):
        if g_ is None:
            return module(x_)
        (grad,) = torch.autograd.grad((module(x_) * g_).sum(), x_, create_graph=True)
        return grad

    total = torch.zeros(inputs[0].shape, dtype=torch.float64)
    if reference.elementwise:       # diagonal Jacobians: one (double) backward gives them all
        leaves = [v.clone().requires_grad_() for v in inputs]
        q = quantity(*leaves)
        derivatives = torch.autograd.grad(q.sum(), leaves, allow_unused=True) if q.requires_grad else ()
        for v, d in zip(inputs, derivatives):
            if d is not None:
                total += (d * v).abs()
    else:
        jacobians = torch.autograd.functional.jacobian(quantity, tuple(inputs), vectorize=True)
        n = inputs[0].numel()
        for v, jacobian in zip(inputs, jacobians):
            total += (jacobian.reshape(n, v.numel()).abs() @ v.reshape(-1).abs()).reshape(total.shape)
    return total.detach().numpy()
