"""Misconceptions of the activation notebooks (05-activaciones), from their catalogs.

Generic ones (a backward that ignores ``grad_output``, a derivative evaluated at
the output, a kink taken from the right, hyperparameters ignored) are built from
the PyTorch references themselves; the others are the catalog's formulas.
``forward(x, **init)`` and ``backward(x, g, **init)`` take the inputs in the
dtype the student's code got them.
"""

from __future__ import annotations

import math

import numpy as np

from ...checks import references
from ...checks.special import erf
from . import add

ELEMENTWISE = ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu", "gelu_tanh",
               "silu", "softplus", "mish")
KINKED = ("relu", "leaky_relu", "elu", "selu")
DEFAULTS = {"leaky_relu": {"negative_slope": 0.01}, "elu": {"alpha": 1.0},
            "softplus": {"beta": 1.0, "threshold": 20.0}, "softmax": {"axis": -1}}
SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805


def _f(name, x, init):
    return references.forward(name, x, init)


def _df(name, x, g, init):
    return references.backward(name, x, g, init)


def _generic(name):
    """Misconceptions every elementwise layer can have, from its own reference."""

    @add("backward_no_grad_output", name, "backward")
    def no_grad_output(x, g, **init):
        return _df(name, x, np.ones_like(x), init)

    if name == "identity":
        return

    def at_output(x, g, **init):
        return _df(name, _f(name, x, init), g, init)

    if name not in ("relu", "leaky_relu"):   # their y = f(x) has the sign of x: no case tells the two apart
        add("backward_at_output", name, "backward")(at_output)

    @add("backward_sign", name, "backward")
    def negated(x, g, **init):
        return -_df(name, x, g, init)

    @add("backward_passes_grad_output", name, "backward")
    def passes(x, g, **init):
        return np.asarray(g, dtype=np.float64).copy()

    if name in KINKED:
        @add("kink_right", name, "backward")
        def kink_right(x, g, **init):
            right = _df(name, np.where(x == 0, 1e-30, x), g, init)
            return np.where(x == 0, right, _df(name, x, g, init))

    if name in DEFAULTS:
        @add("hyperparameter_ignored", name, "forward")
        def default_forward(x, **init):
            return _f(name, x, DEFAULTS[name])

        @add("hyperparameter_ignored_backward", name, "backward")
        def default_backward(x, g, **init):
            return _df(name, x, g, DEFAULTS[name])


for _name in ELEMENTWISE:
    _generic(_name)


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


# --- identity ----------------------------------------------------------------------------------------------
add("backward_zeros", "identity", "backward")(
    lambda x, g, **init: np.zeros_like(g))
add("backward_returns_input", "identity", "backward")(
    lambda x, g, **init: x.copy())
add("backward_times_output", "identity", "backward")(
    lambda x, g, **init: g * x)

# --- sigmoid -----------------------------------------------------------------------------------------------
add("forward_sign_exponent", "sigmoid", "forward")(
    lambda x, **init: _sigmoid(-x))
add("sigmoid_tanh_derivative", "sigmoid", "backward")(
    lambda x, g, **init: g * (1.0 - _sigmoid(x) ** 2))

# --- tanh --------------------------------------------------------------------------------------------------
add("tanh_derivative_no_square", "tanh", "backward")(
    lambda x, g, **init: g * (1.0 - np.tanh(x)))
add("tanh_derivative_square", "tanh", "backward")(
    lambda x, g, **init: g * np.tanh(x) ** 2)
add("tanh_derivative_from_input", "tanh", "backward")(
    lambda x, g, **init: g * (1.0 - x ** 2))
add("tanh_half_gradient", "tanh", "backward")(
    lambda x, g, **init: g * 0.5 * (1.0 - np.tanh(x) ** 2))
add("tanh_half_argument", "tanh", "forward")(
    lambda x, **init: np.tanh(0.5 * x))
add("tanh_abs", "tanh", "forward")(
    lambda x, **init: np.tanh(np.abs(x)))

# --- relu --------------------------------------------------------------------------------------------------
add("kink_half", "relu", "backward")(
    lambda x, g, **init: g * (1.0 + np.sign(x)) / 2.0)
add("mask_from_grad_output", "relu", "backward")(
    lambda x, g, **init: g * (g > 0))
add("backward_times_output", "relu", "backward")(
    lambda x, g, **init: g * np.maximum(x, 0))
add("relu6", "relu", "forward")(
    lambda x, **init: np.clip(x, 0, 6))

# --- leaky relu --------------------------------------------------------------------------------------------
add("leaky_max", "leaky_relu", "forward")(
    lambda x, negative_slope=0.01: np.maximum(negative_slope * x, x))
add("mask_from_grad_output", "leaky_relu", "backward")(
    lambda x, g, negative_slope=0.01: g * np.where(g > 0, 1.0, negative_slope))
add("leaky_slope_constant", "leaky_relu", "forward")(
    lambda x, negative_slope=0.01: np.where(x > 0, x, negative_slope))
add("leaky_slope_swapped", "leaky_relu", "forward")(
    lambda x, negative_slope=0.01: np.where(x > 0, negative_slope * x, x))
add("kink_zero", "leaky_relu", "backward")(
    lambda x, g, negative_slope=0.01: g * np.where(x > 0, 1.0, np.where(x < 0, negative_slope, 0.0)))

# --- elu ---------------------------------------------------------------------------------------------------
add("elu_missing_minus_one", "elu", "forward")(
    lambda x, alpha=1.0: np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0))))
add("elu_sign_flipped", "elu", "forward")(
    lambda x, alpha=1.0: np.where(x > 0, x, alpha * (1.0 - np.exp(np.minimum(x, 0)))))
add("elu_alpha_positive", "elu", "forward")(
    lambda x, alpha=1.0: np.where(x > 0, alpha * x, alpha * np.expm1(np.minimum(x, 0))))
add("negative_branch_everywhere", "elu", "backward")(
    lambda x, g, alpha=1.0: g * alpha * np.exp(x))

# --- selu --------------------------------------------------------------------------------------------------


def _selu(x, alpha=SELU_ALPHA, scale=SELU_SCALE, positive_scale=None, minus=1.0):
    positive = scale if positive_scale is None else positive_scale
    return np.where(x > 0, positive * x, scale * alpha * (np.exp(np.minimum(x, 0)) - minus))


add("selu_truncated_constants", "selu", "forward")(
    lambda x, **init: _selu(x, 1.6733, 1.0507))
add("selu_scale_positive_only", "selu", "forward")(
    lambda x, **init: np.where(x > 0, SELU_SCALE * x, SELU_ALPHA * np.expm1(np.minimum(x, 0))))
add("selu_no_scale", "selu", "forward")(
    lambda x, **init: _selu(x, SELU_ALPHA, 1.0))
add("selu_missing_minus_one", "selu", "forward")(
    lambda x, **init: _selu(x, minus=0.0))
add("selu_no_alpha", "selu", "forward")(
    lambda x, **init: _selu(x, alpha=1.0))
add("selu_backward_no_scale", "selu", "backward")(
    lambda x, g, **init: g * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(x, 0))))
add("selu_backward_forward_formula", "selu", "backward")(
    lambda x, g, **init: g * np.where(x > 0, SELU_SCALE, SELU_SCALE * SELU_ALPHA * np.expm1(np.minimum(x, 0))))

# --- gelu: the normal functions, GELU and its tanh approximation -------------------------------------------
SQRT_2PI = math.sqrt(2 * math.pi)
add("pdf_no_normalisation", "normal_pdf", "forward")(
    lambda x, **init: np.exp(-0.5 * x ** 2))
add("pdf_no_half", "normal_pdf", "forward")(
    lambda x, **init: np.exp(-x ** 2) / SQRT_2PI)
add("cdf_no_sqrt2", "normal_cdf", "forward")(
    lambda x, **init: 0.5 * (1.0 + erf(x)))
add("cdf_no_one", "normal_cdf", "forward")(
    lambda x, **init: 0.5 * erf(x / math.sqrt(2.0)))


def _phi(x):
    return np.exp(-0.5 * x ** 2) / SQRT_2PI


def _cdf(x):
    return 0.5 * (1.0 + erf(x / math.sqrt(2.0)))


add("gelu_tanh_instead", "gelu", "forward")(
    lambda x, **init: _f("gelu_tanh", x, {}))
add("gelu_tanh_backward", "gelu", "backward")(
    lambda x, g, **init: _df("gelu_tanh", x, g, {}))
add("gelu_no_sqrt2", "gelu", "forward")(
    lambda x, **init: x * 0.5 * (1.0 + erf(x)))
add("product_rule_forgotten", "gelu", "backward")(
    lambda x, g, **init: g * _cdf(x))
add("gelu_pdf_no_normalisation", "gelu", "backward")(
    lambda x, g, **init: g * (_cdf(x) + x * np.exp(-0.5 * x ** 2)))

A_CUBE, SQRT_2_PI = 0.044715, math.sqrt(2 / math.pi)


def _gelu_tanh(x, c=SQRT_2_PI, a=A_CUBE):
    return 0.5 * x * (1.0 + np.tanh(c * (x + a * x ** 3)))


add("gelu_tanh_sqrt_2pi", "gelu_tanh", "forward")(
    lambda x, **init: _gelu_tanh(x, c=math.sqrt(2 * math.pi)))
add("gelu_tanh_no_cube", "gelu_tanh", "forward")(
    lambda x, **init: _gelu_tanh(x, a=0.0))
add("gelu_exact_instead", "gelu_tanh", "forward")(
    lambda x, **init: _f("gelu", x, {}))


def _gelu_tanh_backward(x, g, *, cube=True, product=True, square=True):
    u = SQRT_2_PI * (x + A_CUBE * x ** 3)
    t = np.tanh(u)
    du = SQRT_2_PI * (1.0 + (3 * A_CUBE * x ** 2 if cube else 0.0))
    dt = (1.0 - t ** 2) if square else (1.0 - t)
    return g * (0.5 * (1.0 + t) + (0.5 * x * dt * du if product else 0.0))


add("gelu_tanh_backward_no_cube", "gelu_tanh", "backward")(
    lambda x, g, **init: _gelu_tanh_backward(x, g, cube=False))
add("product_rule_forgotten", "gelu_tanh", "backward")(
    lambda x, g, **init: _gelu_tanh_backward(x, g, product=False))
add("tanh_derivative_no_square", "gelu_tanh", "backward")(
    lambda x, g, **init: _gelu_tanh_backward(x, g, square=False))

# --- silu --------------------------------------------------------------------------------------------------
add("product_rule_forgotten", "silu", "backward")(
    lambda x, g, **init: g * _sigmoid(x))
add("product_rule_other_term", "silu", "backward")(
    lambda x, g, **init: g * x * _sigmoid(x) * (1.0 - _sigmoid(x)))
add("silu_derivative_sign", "silu", "backward")(
    lambda x, g, **init: g * _sigmoid(x) * (1.0 - x * (1.0 - _sigmoid(x))))
add("silu_derivative_wrong_term", "silu", "backward")(
    lambda x, g, **init: g * _sigmoid(x) * (1.0 + x * _sigmoid(x)))
add("silu_sign_exponent", "silu", "forward")(
    lambda x, **init: x * _sigmoid(-x))
add("silu_gelu_approximation", "silu", "forward")(
    lambda x, **init: x * _sigmoid(1.702 * x))

# --- softplus ----------------------------------------------------------------------------------------------


def _softplus(z):
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


add("softplus_no_inverse_beta", "softplus", "forward")(
    lambda x, beta=1.0, threshold=20.0: np.where(beta * x > threshold, beta * x, _softplus(beta * x)))
add("softplus_derivative_no_beta", "softplus", "backward", within=("hyperparameter_ignored_backward",))(
    lambda x, g, beta=1.0, threshold=20.0: g * np.where(beta * x > threshold, 1.0, _sigmoid(x)))
add("softplus_derivative_times_beta", "softplus", "backward")(
    lambda x, g, beta=1.0, threshold=20.0: g * np.where(beta * x > threshold, 1.0, beta * _sigmoid(beta * x)))
add("softplus_no_threshold", "softplus", "forward")(
    lambda x, beta=1.0, threshold=20.0: _softplus(beta * x) / beta)
add("softplus_threshold_on_x", "softplus", "forward")(
    lambda x, beta=1.0, threshold=20.0: np.where(x > threshold, x, _softplus(beta * x) / beta))
add("softplus_linear_region_beta", "softplus", "forward")(
    lambda x, beta=1.0, threshold=20.0: np.where(beta * x > threshold, beta * x, _softplus(beta * x) / beta))
add("softplus_sigmoid_derivative", "softplus", "backward")(
    lambda x, g, beta=1.0, threshold=20.0: g * _f("softplus", x, {"beta": beta, "threshold": threshold})
    * (1.0 - _f("softplus", x, {"beta": beta, "threshold": threshold})))
add("forward_sign_exponent", "softplus", "forward")(
    lambda x, beta=1.0, threshold=20.0: _f("softplus", -x, {"beta": beta, "threshold": threshold}))

# --- mish --------------------------------------------------------------------------------------------------


def _mish_backward(x, g, *, product=True, inner=True, square=True):
    sp = _softplus(x)
    t = np.tanh(sp)
    dt = (1.0 - t ** 2) if square else (1.0 - t)
    return g * (t + (x * dt * (_sigmoid(x) if inner else 1.0) if product else 0.0))


add("mish_tanh_of_x", "mish", "forward")(
    lambda x, **init: x * np.tanh(x))
add("product_rule_forgotten", "mish", "backward")(
    lambda x, g, **init: _mish_backward(x, g, product=False))
add("mish_chain_stops", "mish", "backward")(
    lambda x, g, **init: _mish_backward(x, g, inner=False))
add("tanh_derivative_no_square", "mish", "backward")(
    lambda x, g, **init: _mish_backward(x, g, square=False))

# --- softmax -----------------------------------------------------------------------------------------------


def _softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


add("softmax_axis_ignored", "softmax", "forward")(
    lambda x, axis=-1: _softmax(x, -1))
add("softmax_global_sum", "softmax", "forward")(
    lambda x, axis=-1: np.exp(x - np.max(x, axis=axis, keepdims=True))
    / np.sum(np.exp(x - np.max(x, axis=axis, keepdims=True))))
add("softmax_log", "softmax", "forward")(
    lambda x, axis=-1: np.log(_softmax(x, axis)))


@add("softmax_global_max", "softmax", "forward")
def _global_max(x, axis=-1):
    with np.errstate(all="ignore"):
        e = np.exp(x - np.max(x))
        return e / np.sum(e, axis=axis, keepdims=True)


@add("softmax_no_max", "softmax", "forward")
def _no_max(x, axis=-1):
    with np.errstate(all="ignore"):
        e = np.exp(x)
        return e / np.sum(e, axis=axis, keepdims=True)


add("softmax_jacobian_diagonal", "softmax", "backward")(
    lambda x, g, axis=-1: g * _softmax(x, axis) * (1.0 - _softmax(x, axis)))
add("backward_no_grad_output", "softmax", "backward")(
    lambda x, g, axis=-1: _softmax(x, axis) * (1.0 - _softmax(x, axis)))
add("backward_zeros", "softmax", "backward")(
    lambda x, g, axis=-1: np.zeros_like(g))
add("softmax_plain_sum", "softmax", "backward")(
    lambda x, g, axis=-1: _softmax(x, axis) * (g - np.sum(g, axis=axis, keepdims=True)))
add("softmax_global_dot", "softmax", "backward")(
    lambda x, g, axis=-1: _softmax(x, axis) * (g - np.sum(g * _softmax(x, axis))))
add("softmax_axis_ignored_backward", "softmax", "backward")(
    lambda x, g, axis=-1: _softmax(x, axis) * (g - np.sum(g * _softmax(x, axis), axis=-1, keepdims=True)))
add("softmax_backward_from_input", "softmax", "backward")(
    lambda x, g, axis=-1: x * (g - np.sum(g * x, axis=axis, keepdims=True)))
add("softmax_missing_factor", "softmax", "backward")(
    lambda x, g, axis=-1: g - np.sum(g * _softmax(x, axis), axis=axis, keepdims=True))
