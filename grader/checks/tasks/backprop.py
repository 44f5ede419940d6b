"""04-regla-de-la-cadena: a 2-layer MLP (x @ w + b → ReLU → linear → MSE) by hand.

Every gradient has two references: PyTorch autograd on the same model built
from ``nn.Linear`` (whose weight is (out, in): ours transposed), and central
finite differences of the loss in float64 (the ``*_numeric`` tasks).
"""

from __future__ import annotations

import numbers

import numpy as np

from . import Task, autograd_of, column_minus_vector, hint_for, register, torch64
from ..compare import assert_close, check_array
from ..errors import CheckFailed, fail
from ..gradients import numerical_gradient, relative_error
from ..messages import CASE, TEXT, WORDS
from ..student_text import type_label
from ..tolerances import NUMERIC_TOLERANCE

def _away_from_zero(a, margin=1e-2):
    return np.where(np.abs(a) < margin, np.where(a >= 0, margin, -margin), a)


def _regression(size, rng, dtype):
    (n,) = size
    return (rng.normal(size=(n, 1)).astype(dtype), rng.normal(size=n).astype(dtype))


def _mse(pred, target):
    import torch
    return float(torch.nn.functional.mse_loss(torch64(pred).squeeze(1), torch64(target)))


def _mse_grad(pred, target):
    import torch
    p = torch64(pred).requires_grad_(True)
    torch.nn.functional.mse_loss(p.squeeze(1), torch64(target)).backward()
    return p.grad.numpy()


def _describe_regression(a):
    return CASE["regression"].format(pred=a[0].shape, target=a[1].shape)


def _square_matrix(got, pred, target) -> bool:
    """An (n, n) gradient: pred − target broadcast to every pair of examples."""
    return np.shape(got) == (len(target), len(target))


register(Task(name="mse", label="torch.nn.functional.mse_loss", make_args=_regression, reference=_mse,
              describe=_describe_regression,
              hints=(("resultado", column_minus_vector, "hint_column_minus_vector"),)))
register(Task(name="mse_grad", label=autograd_of("torch.nn.functional.mse_loss"), make_args=_regression,
              reference=_mse_grad, kind="gradient_torch", describe=_describe_regression,
              hints=(("resultado", _square_matrix, "hint_column_minus_vector"),)))


def _relu_args(size, rng, dtype):
    """z away from 0, except exact zeros at every fourth position (PyTorch's derivative there is 0)."""
    z = _away_from_zero(rng.normal(size=size) * 3)
    z.reshape(-1)[::4] = 0.0
    return z.astype(dtype), rng.normal(size=size).astype(dtype)


def _relu_grad(z, grad_output):
    import torch
    t = torch64(z).requires_grad_(True)
    torch.relu(t).backward(torch64(grad_output))
    return t.grad.numpy()


register(Task(name="relu_grad", label=autograd_of("torch.relu"), make_args=_relu_args, reference=_relu_grad,
              kind="gradient_torch",
              describe=lambda a: CASE["relu_grad"].format(shape=a[0].shape, dtype=a[0].dtype)))


def _linear_args(size, rng, dtype):
    n, d_in, d_out = size
    return tuple(rng.normal(size=s).astype(dtype) for s in [(n, d_in), (d_in, d_out), (d_out,), (n, d_out)])


def _linear_module(w, b):
    import torch
    layer = torch.nn.Linear(w.shape[0], w.shape[1], dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch64(w).T)   # nn.Linear keeps (out, in)
        layer.bias.copy_(torch64(b))
    return layer


def _lin_grad(x, w, b, grad_output):
    xt = torch64(x).requires_grad_(True)
    layer = _linear_module(w, b)
    layer(xt).backward(torch64(grad_output))
    return (xt.grad.numpy(), layer.weight.grad.numpy().T, layer.bias.grad.numpy())


def _describe_linear(a):
    return f"x {a[0].shape}, w {a[1].shape}, b {a[2].shape}, grad_output {a[3].shape}, {a[0].dtype}"


register(Task(name="lin_grad", label=autograd_of("torch.nn.Linear"), make_args=_linear_args,
              reference=_lin_grad, outputs=("dx", "dw", "db"), kind="gradient_torch",
              describe=_describe_linear))


def _mlp_args(size, rng, dtype):
    n, d_in, hidden = size
    shapes = [(n, d_in), (d_in, hidden), (hidden,), (hidden, 1), (1,)]
    x, w1, b1, w2, b2 = (rng.normal(size=s) for s in shapes)
    w1 /= np.sqrt(d_in)
    b1 = _away_from_zero(b1)
    target = rng.normal(size=n)
    return tuple(a.astype(dtype) for a in (x, w1, b1, w2, b2, target))


def mlp_loss(x, w1, b1, w2, b2, target) -> float:
    """The model and loss of the notebook, in NumPy float64 (for finite differences)."""
    hidden = np.maximum(x @ w1 + b1, 0.0)
    pred = hidden @ w2 + b2
    return float(np.mean((pred[:, 0] - target) ** 2))


def _forward_and_backward(x, w1, b1, w2, b2, target):
    import torch
    first, second = _linear_module(w1, b1), _linear_module(w2, b2)
    pred = second(torch.relu(first(torch64(x))))
    loss = torch.nn.functional.mse_loss(pred.squeeze(1), torch64(target))
    loss.backward()
    return (float(loss.detach()), first.weight.grad.numpy().T, first.bias.grad.numpy(),
            second.weight.grad.numpy().T, second.bias.grad.numpy())


def _describe_mlp(a):
    return f"x {a[0].shape}, w1 {a[1].shape}, w2 {a[3].shape}, target {a[5].shape}, {a[0].dtype}"


def _loss_with_the_trap(got, x, w1, b1, w2, b2, target) -> bool:
    """The network's loss computed with the (n, 1) − (n,) trap."""
    return column_minus_vector(got, np.maximum(x @ w1 + b1, 0.0) @ w2 + b2, target)


# A wrong loss is a wrong value, not a gradient that disagrees with PyTorch.
LOSS_HINTS = (("loss", _loss_with_the_trap, "hint_column_minus_vector"),
              ("loss", lambda got, *args: True, "hint_loss_value"))
MLP_OUTPUTS = ("loss", "dw1", "db1", "dw2", "db2")
register(Task(name="forward_and_backward", label=autograd_of("PyTorch (nn.Linear → ReLU → nn.Linear → MSE)"),
              make_args=_mlp_args, reference=_forward_and_backward, outputs=MLP_OUTPUTS,
              kind="gradient_torch", describe=_describe_mlp,
              output_kinds=("values",) + ("gradient_torch",) * 4, hints=LOSS_HINTS))


def _numeric_gradient(loss, args, index):
    """Central differences of a scalar loss with respect to its argument number ``index``."""
    args = [np.asarray(a, dtype=np.float64) for a in args]
    return numerical_gradient(lambda v: loss(*args[:index], v, *args[index + 1:]), args[index], 1.0)


def _judge_numeric(loss, outputs, wrt, returns_loss=False):
    """Judge gradients (one per name in ``outputs``) against finite differences of ``loss``.

    The differences are the judge's own, of the float64 reference loss; a function that also
    returns the loss (forward_and_backward) must return the reference's value too.
    """
    def judge(result, args, *, where, hidden, name, init):
        # forward_and_backward returns the loss first: the gradients are the last len(outputs) values.
        count = len(outputs) + returns_loss
        values = list(result) if isinstance(result, (tuple, list)) else [result]
        if len(values) != count:
            names = ("loss",) * returns_loss + tuple(outputs)
            fail("type", where, TEXT["type_tuple_n"].format(what=name, n=count, names=", ".join(names),
                                                            got=type_label(type(result))))
        if returns_loss:
            got = values[0]
            if isinstance(got, bool) or not isinstance(got, (numbers.Real, np.floating, np.ndarray)):
                fail("type", where, TEXT["type_scalar"].format(what=f"{name} (loss)", got=type_label(type(got))))
            try:
                assert_close(np.asarray(got, dtype=np.float64), loss(*[np.asarray(a, dtype=np.float64) for a in args]),
                             what=f"{name} (loss)", reference=WORDS["loss_float64"], input_dtype="float64",
                             hidden=hidden, where=where)
            except CheckFailed as exc:
                fail(exc.kind, *exc.details, hint_for(LOSS_HINTS, "loss", got, args))
        values = values[returns_loss:]
        for output, value, index in zip(outputs, values, wrt):
            expected = _numeric_gradient(loss, args, index)
            got = check_array(value, what=f"{name} ({output})", shape=expected.shape, input_dtype="float64",
                              where=where, hidden=hidden)
            error = relative_error(got, expected)
            if not error < NUMERIC_TOLERANCE:
                fail("gradient_numeric", where, TEXT["gradient_numeric_task"].format(
                    what=f"{name} ({output})", error=error, tol=NUMERIC_TOLERANCE))
    return judge


register(Task(name="lin_grad_numeric", label=WORDS["finite_differences"],
              make_args=_linear_args, reference=lambda *a: None, describe=_describe_linear,
              judge=_judge_numeric(lambda x, w, b, g: float(np.sum((x @ w + b) * g)), ("dx", "dw", "db"),
                                   (0, 1, 2))))
register(Task(name="forward_and_backward_numeric", label=WORDS["finite_differences"],
              make_args=_mlp_args, reference=lambda *a: None, describe=_describe_mlp,
              judge=_judge_numeric(mlp_loss, ("dw1", "db1", "dw2", "db2"), (1, 2, 3, 4), returns_loss=True)))
