"""Misconceptions of the chain-rule notebook (04-regla-de-la-cadena), from its catalog.

Each takes the task's arguments in the dtype the student's function got them
and returns what the mistaken function returns.
"""

from __future__ import annotations

import numpy as np

from . import add


def _n(target):
    return len(target)


# --- mse, mse_grad -----------------------------------------------------------------------------------------
add("mse_broadcast_trap", "mse", "result")(
    lambda pred, target: float(np.mean((pred - target) ** 2)))
add("mse_sum", "mse", "result")(
    lambda pred, target: float(np.sum((pred[:, 0] - target) ** 2)))
add("mse_grad_broadcast_trap", "mse_grad", "result")(
    lambda pred, target: 2.0 * (pred - target) / _n(target))
add("mse_grad_no_two", "mse_grad", "result")(
    lambda pred, target: (pred - target[:, None]) / _n(target))
add("mse_grad_sign", "mse_grad", "result")(
    lambda pred, target: 2.0 * (target[:, None] - pred) / _n(target))
add("mse_grad_n_twice", "mse_grad", "result")(
    lambda pred, target: 2.0 * (pred - target[:, None]) / _n(target) ** 2)
add("mse_grad_wrong_variable", "mse_grad", "result")(
    lambda pred, target: 2.0 * target[:, None] / _n(target))
add("mse_grad_flat", "mse_grad", "result")(
    lambda pred, target: 2.0 * (pred[:, 0] - target) / _n(target))

# --- relu_grad ---------------------------------------------------------------------------------------------
add("kink_right", "relu_grad", "result")(
    lambda z, grad_output: grad_output * (z >= 0))
add("mask_from_grad_output", "relu_grad", "result")(
    lambda z, grad_output: grad_output * (grad_output > 0))
add("backward_no_grad_output", "relu_grad", "result")(
    lambda z, grad_output: (z > 0).astype(z.dtype))

# --- lin_grad ----------------------------------------------------------------------------------------------


def _lin(x, w, g):
    return g @ w.T, x.T @ g, g.sum(axis=0)


add("lin_grad_order", "lin_grad", "result")(
    lambda x, w, b, g: (x.T @ g, g @ w.T, g.sum(axis=0)))
add("db_wrong_axis", "lin_grad", "result")(
    lambda x, w, b, g: (*_lin(x, w, g)[:2], g.sum(axis=1)))
add("db_mean", "lin_grad", "result")(
    lambda x, w, b, g: (*_lin(x, w, g)[:2], g.mean(axis=0)))
add("db_not_summed", "lin_grad", "result")(
    lambda x, w, b, g: (*_lin(x, w, g)[:2], g.copy()))
add("dw_transposed", "lin_grad", "result")(
    lambda x, w, b, g: (g @ w.T, g.T @ x, g.sum(axis=0)))
add("dx_reshaped", "lin_grad", "result")(
    lambda x, w, b, g: ((w @ g.T).reshape(x.shape), x.T @ g, g.sum(axis=0)))

# --- forward_and_backward ----------------------------------------------------------------------------------


def _mlp(x, w1, b1, w2, b2, target, *, bias=True, relu=True, order=True, dw2_from_z=False, trap=False,
         mask_from_output=False, db2_scalar=False):
    """The notebook's network and its gradients, with one mistake switched on."""
    z = x @ w1 + (b1 if bias else 0.0)
    h = np.maximum(z, 0)
    pred = h @ w2 + b2
    n = len(target)
    diff = pred - target[:, None]
    loss = float(np.mean((pred - target) ** 2 if trap else diff ** 2))   # the trap: (n, 1) - (n,) is (n, n)
    grad_pred = 2.0 * diff / n
    dw2 = (z if dw2_from_z else h).T @ grad_pred
    db2 = grad_pred.sum() if db2_scalar else grad_pred.sum(axis=0)
    grad_h = grad_pred @ w2.T
    if mask_from_output:
        grad_z = grad_h * (pred > 0)
    else:
        grad_z = grad_h * (z > 0) if relu else grad_h
    dw1 = x.T @ (grad_z if order else grad_h)
    db1 = grad_z.sum(axis=0)
    return loss, dw1, db1, dw2, db2


add("relu_derivative_skipped", "forward_and_backward", "result")(
    lambda *a: _mlp(*a, relu=False))
add("backward_wrong_order", "forward_and_backward", "result")(
    lambda *a: _mlp(*a, order=False))
add("dw2_from_z", "forward_and_backward", "result")(
    lambda *a: _mlp(*a, dw2_from_z=True))
add("loss_broadcast_trap", "forward_and_backward", "result")(
    lambda *a: _mlp(*a, trap=True))
add("relu_mask_from_output", "forward_and_backward", "result")(
    lambda *a: _mlp(*a, mask_from_output=True))
add("bias_forgotten", "forward_and_backward", "result")(
    lambda *a: _mlp(*a, bias=False))
add("db2_scalar", "forward_and_backward", "result")(
    lambda *a: _mlp(*a, db2_scalar=True))
