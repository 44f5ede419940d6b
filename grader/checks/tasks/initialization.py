"""03-inicializacion: gains, fans and initializers, compared with torch.nn.init.

Initializers are random, so they are judged statistically: shape and dtype,
bounds for uniform ones, and sample mean and standard deviation within
Z_SCORE standard errors of the target that torch.nn.init uses for the same
shape. With Z_SCORE = 5.3 a correct initializer is rejected with probability
< 1.2e-7 per moment (two-sided normal tail), so < 1e-6 over every check in the
notebook; the seeds are fixed anyway, so a given answer always gets the same grade.
"""

from __future__ import annotations

import math

import numpy as np

from . import Expected, Task, register
from ..compare import check_array
from ..errors import fail
from ..messages import CASE, TEXT, WORDS

Z_SCORE = 5.3


def _gain_args(size, rng, dtype):
    return tuple(size)  # (nonlinearity, param)


def _gain_reference(nonlinearity, param=None):
    import torch
    try:
        return float(torch.nn.init.calculate_gain(nonlinearity, param))
    except ValueError:
        return Expected(error="ValueError")


register(Task(
    name="calculate_gain", label="torch.nn.init.calculate_gain",
    make_args=_gain_args, reference=_gain_reference,
    describe=lambda args: "calculate_gain(" + ", ".join(repr(a) for a in args) + ")",
))


def _fans_reference(shape):
    import torch
    if len(shape) < 2:
        return Expected(error="ValueError")
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    return (int(fan_in), int(fan_out))


register(Task(
    name="fans", label="torch.nn.init (fan_in, fan_out)",
    make_args=lambda size, rng, dtype: (tuple(size),), reference=_fans_reference,
    describe=lambda args: CASE["weight_shape"].format(shape=args[0]),
))


def target(kind: str, shape: tuple, **kw) -> tuple[str, float]:
    """("uniform", bound) or ("normal", std) that torch.nn.init uses for this shape."""
    import torch
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    if kind.startswith("xavier"):
        std = kw.get("gain", 1.0) * math.sqrt(2.0 / (fan_in + fan_out))
    elif kind.startswith("kaiming"):
        fan = fan_in if kw.get("mode", "fan_in") == "fan_in" else fan_out
        gain = torch.nn.init.calculate_gain(kw.get("nonlinearity", "leaky_relu"), kw.get("a", 0))
        std = gain / math.sqrt(fan)
    elif kind == "lecun_normal":
        std = 1.0 / math.sqrt(fan_in)  # kaiming_normal_(nonlinearity='linear')
    else:
        raise ValueError(kind)
    if kind.endswith("uniform"):
        return "uniform", math.sqrt(3.0) * std
    return "normal", std


def judge_sample(w: np.ndarray, *, family: str, value: float, name: str, where: str, hidden: bool) -> None:
    """Judge a random sample against ("uniform", bound) or ("normal", std): bound, mean, std, kurtosis.

    Also used for the initialization of a layer's weights (``grader.checks.models``)."""
    n = w.size
    if family == "uniform":
        bound, std = value, value / math.sqrt(3.0)
        biggest = float(np.max(np.abs(w)))
        if biggest > bound * (1 + 1e-12):
            fail("statistics", where, TEXT["statistics_bound"].format(what=name, bound=bound, got=biggest))
        std_error = std * math.sqrt(0.8 / n) / 2   # sd of the sample std of a uniform
    else:
        std = value
        std_error = std / math.sqrt(2 * n)          # sd of the sample std of a normal
    # Kurtosis tells the families apart (uniform 1.8, normal 3): the same std from the wrong
    # distribution is still wrong. sqrt(24/n) is the normal's standard error, the larger of the two.
    centered = w - w.mean()
    kurtosis = float(np.mean(centered ** 4) / max(np.mean(centered ** 2) ** 2, 1e-300))
    for moment, got, expected, tol in [(WORDS["mean"], float(w.mean()), 0.0, Z_SCORE * std / math.sqrt(n)),
                                       (WORDS["std"], float(w.std()), std, Z_SCORE * std_error),
                                       (WORDS["kurtosis"], kurtosis, 1.8 if family == "uniform" else 3.0,
                                        Z_SCORE * math.sqrt(24.0 / n))]:
        if abs(got - expected) > tol:
            text = (TEXT["statistics_hidden"].format(what=name, moment=moment, z=Z_SCORE) if hidden else
                    TEXT["statistics_moment"].format(what=name, moment=moment, got=got, expected=expected,
                                                     tol=tol, z=Z_SCORE, n=n))
            if moment == WORDS["kurtosis"]:
                text += " " + TEXT["statistics_family"].format(family=TEXT["family_" + family])
            fail("statistics", where, text)


def _judge_initializer(kind):
    def judge(result, args, *, where, hidden, name, init):
        shape = args[0]
        w = check_array(result, what=name, shape=shape, input_dtype="float64", where=where, hidden=hidden)
        family, value = target(kind, shape, **init)
        judge_sample(w, family=family, value=value, name=name, where=where, hidden=hidden)
    return judge


for _kind, _label in [("xavier_uniform", "torch.nn.init.xavier_uniform_"),
                      ("xavier_normal", "torch.nn.init.xavier_normal_"),
                      ("kaiming_uniform", "torch.nn.init.kaiming_uniform_"),
                      ("kaiming_normal", "torch.nn.init.kaiming_normal_"),
                      ("lecun_normal", "torch.nn.init.kaiming_normal_(nonlinearity='linear')")]:
    register(Task(
        name=_kind, label=_label,
        make_args=lambda size, rng, dtype: (tuple(size), rng),
        reference=lambda *args, **init: None,
        judge=_judge_initializer(_kind),
        describe=lambda args: CASE["initializer"].format(shape=args[0]),
        random=True,
    ))
