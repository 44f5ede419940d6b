"""Every grader check raises on a wrong answer, with a Spanish message that names the failure."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy import exp as exp_alias

import grader
from grader.checks import references
from grader.checks.cases import make_cases
from grader.checks.errors import CheckFailed


class GoodSigmoid:
    def forward(self, x):
        self.out = np.exp(-np.logaddexp(0.0, -x))
        return self.out

    def backward(self, grad_output):
        return grad_output * self.out * (1.0 - self.out)


def variant(**methods):
    """A GoodSigmoid with some methods replaced."""
    return type("Sigmoid", (GoodSigmoid,), methods)


def raises(kind_text, check, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        check(*args, **kwargs)
    message = str(info.value)
    assert message.lower().startswith(kind_text), message
    return message


# ---- compare -------------------------------------------------------------------------------------

def test_assert_close_accepts_equal_and_rejects_each_kind():
    expected = np.linspace(-1, 1, 6).reshape(2, 3)
    grader.assert_close(expected.copy(), expected, what="f", reference="ref")
    raises("tipo incorrecto", grader.assert_close, expected.tolist(), expected, what="f", reference="ref")
    msg = raises("tipo incorrecto", grader.assert_close, torch.tensor(expected), expected, what="f",
                 reference="ref")
    assert "tensor de PyTorch" in msg
    raises("forma incorrecta", grader.assert_close, expected.ravel(), expected, what="f", reference="ref")
    raises("forma incorrecta", grader.assert_close, expected[:, :1], expected[:, 0], what="f", reference="r")
    raises("dtype incorrecto", grader.assert_close, expected.astype(np.float32), expected, what="f",
           reference="ref", input_dtype="float64")
    raises("dtype incorrecto", grader.assert_close, np.zeros((2, 3), dtype=int), expected, what="f",
           reference="ref", input_dtype="float32")
    raises("valores no finitos", grader.assert_close, np.full((2, 3), np.nan), expected, what="f",
           reference="ref")
    wrong = expected.copy()
    wrong[1, 2] += 1e-3
    msg = raises("valores incorrectos", grader.assert_close, wrong, expected, what="f", reference="ref",
                 x=expected)
    assert "1 de 6 elementos" in msg and "(1, 2)" in msg and "máximo 0.001" in msg


def test_assert_close_accepts_float32_output_for_float32_input():
    expected = np.linspace(-1, 1, 5)
    grader.assert_close(expected.astype(np.float32), expected, what="f", reference="r", input_dtype="float32")


def test_assert_close_rejects_ndarray_subclass():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True
    raises("tipo incorrecto", grader.assert_close, np.zeros(3).view(Liar), np.ones(3), what="f", reference="r")


def test_hidden_failure_shows_no_input_or_expected_value():
    expected = np.array([0.3125, 0.4375])
    msg = raises("valores incorrectos", grader.assert_close, np.array([0.3125, 0.9]), expected, what="f",
                 reference="r", x=np.array([1.2345, 6.789]), hidden=True)
    assert "6.789" not in msg and "0.4375" not in msg and "0.9" not in msg and "índice" not in msg


# ---- gradients -----------------------------------------------------------------------------------

def test_numerical_gradient_matches_analytic_with_upstream():
    rng = np.random.default_rng(0)
    x, g = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    numeric = grader.numerical_gradient(np.sin, x, g)
    assert grader.relative_error(numeric, np.cos(x) * g) < 1e-8
    assert grader.relative_error(numeric, np.cos(x)) > 1e-2


def test_numerical_gradient_leaves_input_unchanged():
    x = np.array([0.1, 0.2, 0.3])
    grader.numerical_gradient(np.exp, x, np.ones(3))
    assert np.array_equal(x, [0.1, 0.2, 0.3])


def test_relative_error_is_bounded_near_zero():
    assert grader.relative_error(np.zeros(4), np.zeros(4)) == 0.0
    assert grader.relative_error(np.array([1e-20]), np.array([-1e-20])) <= 1.0
    assert grader.relative_error(np.ones(3), -np.ones(3)) == pytest.approx(1.0)


# ---- references ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(references.REFERENCES))
def test_references_are_float64_and_match_autograd_of_torch(name):
    x = np.linspace(-3, 3, 12).reshape(3, 4) + 0.05
    y = references.forward(name, x)
    assert y.dtype == np.float64 and y.shape == x.shape
    g = np.random.default_rng(1).normal(size=x.shape)
    numeric = grader.numerical_gradient(lambda z: references.forward(name, z), x, g)
    assert grader.relative_error(references.backward(name, x, g), numeric) < 1e-7


def test_reference_hyperparameters_are_passed():
    x = np.array([-2.0, 3.0])
    assert references.forward("leaky_relu", x, {"negative_slope": 0.3}).tolist() == pytest.approx([-0.6, 3.0])
    with pytest.raises(ValueError):
        references.get("no-such-activation")


# ---- layer checks --------------------------------------------------------------------------------

def test_correct_layer_passes_every_check(capsys):
    grader.check_forward(GoodSigmoid, "sigmoid")
    grader.check_backward(GoodSigmoid, "sigmoid")
    grader.check_numerical_gradient(GoodSigmoid, "sigmoid")
    grader.check_stability(GoodSigmoid, "sigmoid")
    grader.check_forward(GoodSigmoid, "sigmoid", hidden=True)
    out = capsys.readouterr()
    assert out.out.count("Correcto") == 5 and out.err == ""


def test_check_forward_names_each_failure():
    raises("valores incorrectos", grader.check_forward, variant(forward=lambda self, x: np.tanh(x)), "sigmoid")
    raises("tipo incorrecto", grader.check_forward, variant(forward=lambda self, x: list(x)), "sigmoid")
    raises("dtype incorrecto", grader.check_forward,
           variant(forward=lambda self, x: GoodSigmoid.forward(self, x).astype(np.float32)), "sigmoid")

    def mutating(self, x):
        x += 0
        x *= 1.5
        return GoodSigmoid.forward(self, x / 1.5)
    raises("la entrada fue modificada", grader.check_forward, variant(forward=mutating), "sigmoid")

    def todo(self, x):
        raise NotImplementedError()
    raises("ejercicio sin resolver", grader.check_forward, variant(forward=todo), "sigmoid")
    msg = raises("error al ejecutar", grader.check_forward, variant(forward=lambda self, x: x.nope), "sigmoid")
    assert "AttributeError" in msg


def test_check_backward_needs_the_upstream_gradient():
    local_only = variant(backward=lambda self, g: self.out * (1 - self.out))
    msg = raises("el gradiente no coincide con pytorch", grader.check_backward, local_only, "sigmoid")
    assert "grad_output" in msg
    raises("el gradiente no coincide con diferencias finitas", grader.check_numerical_gradient,
           local_only, "sigmoid")


def test_check_backward_ignores_a_wrong_forward():
    # Each cell judges one thing: a wrong forward with a right backward keeps the backward points.
    wrong_forward = variant(forward=lambda self, x: (GoodSigmoid.forward(self, x), x * 0)[1])
    grader.check_backward(wrong_forward, "sigmoid")


def test_check_stability_turns_warnings_into_a_verdict(capsys):
    naive = variant(forward=lambda self, x: setattr(self, "out", 1 / (1 + np.exp(-x))) or self.out)
    grader.check_forward(naive, "sigmoid")  # right values on ordinary inputs
    msg = raises("inestable para valores grandes", grader.check_stability, naive, "sigmoid")
    assert "overflow" in msg
    assert capsys.readouterr().err == "", "no warning may reach stderr"


def _silenced_forward(self, x):
    with np.errstate(over="ignore"):      # 1 / (1 + inf) = 0: right values, and no warning left
        self.out = 1 / (1 + exp_alias(-x))   # a global name, as `from numpy import exp` in a notebook
    return self.out


def test_check_stability_sees_an_overflow_that_np_errstate_silenced():
    silenced = _silenced_forward
    msg = raises("inestable para valores grandes", grader.check_stability, variant(forward=silenced), "sigmoid")
    assert "overflow encountered in exp" in msg and "np.exp" in msg
    assert np.exp is exp_alias and isinstance(np.exp, np.ufunc)     # the watch ends with the check
    grader.check_stability(GoodSigmoid, "sigmoid")


def test_hyperparameters_reach_student_and_reference():
    class Leaky:
        def __init__(self, negative_slope=0.01):
            self.slope = negative_slope

        def forward(self, x):
            self.x = x
            return np.maximum(x, 0) + self.slope * np.minimum(x, 0)

        def backward(self, g):
            return g * np.where(self.x > 0, 1.0, self.slope)

    class HardCoded(Leaky):
        def forward(self, x):
            self.x = x
            return np.maximum(x, 0) + 0.01 * np.minimum(x, 0)

    grader.check_forward(Leaky, "leaky_relu", init={"negative_slope": 0.2})
    raises("valores incorrectos", grader.check_forward, HardCoded, "leaky_relu", init={"negative_slope": 0.2})
    # Kinks are tested explicitly with values; random inputs stay away from them.
    grader.check_backward(Leaky, "leaky_relu", values=[[0.0, -1.0, 2.0]], init={"negative_slope": 0.2})


def test_random_cases_avoid_kinks_and_are_reproducible():
    cases = make_cases(shapes=[(1000,)], dtypes=["float64"], seed=3)
    x1, g1 = cases[0].inputs(kinks=(0.0,))
    x2, g2 = cases[0].inputs(kinks=(0.0,))
    assert np.array_equal(x1, x2) and np.array_equal(g1, g2)
    assert np.min(np.abs(x1)) >= 1e-2


def test_check_function_compares_a_plain_function():
    import math

    def normal_cdf(x):
        return 0.5 * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))

    def wrong_cdf(x):
        return 0.5 * (1.0 + np.vectorize(math.erf)(x))

    grader.check_function(normal_cdf, "normal_cdf")
    msg = raises("valores incorrectos", grader.check_function, wrong_cdf, "normal_cdf")
    assert msg.startswith("Valores incorrectos. En la prueba") and "wrong_cdf no coincide" in msg
    grader.check_function(lambda x: np.exp(-x * x / 2) / np.sqrt(2 * np.pi), "normal_pdf")


# ---- task checks ---------------------------------------------------------------------------------

def broadcast_shape(a, b):
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        da = a[-i] if i <= len(a) else 1
        db = b[-i] if i <= len(b) else 1
        if da != db and 1 not in (da, db):
            raise ValueError(f"dimensión {-i}: {da} y {db} no son compatibles")
        out.append(max(da, db))
    return tuple(reversed(out))


SHAPE_SIZES = [(2, 3, True), (0, 2, True), (0, 0, True), (3, 3, False), (1, 4, False)]


def test_check_task_accepts_a_correct_answer(capsys):
    grader.check_task(broadcast_shape, "broadcast_shape", sizes=SHAPE_SIZES, seed=4)
    grader.check_task(lambda a, b: ((a[:, None] - b[None]) ** 2).sum(-1), "pairwise_sq_dists",
                      sizes=[(4, 7, 3), (1, 5, 2)], dtypes=["float64", "float32"])
    assert capsys.readouterr().out.count("Correcto") == 2


def test_check_task_names_each_failure():
    raises("valores incorrectos", grader.check_task, lambda a, b: (1,), "broadcast_shape", sizes=[(2, 2, True)])
    raises("se usó una función no permitida", grader.check_task, lambda a, b: np.broadcast_shapes(a, b),
           "broadcast_shape", sizes=[(2, 2, True)])
    msg = raises("valores incorrectos", grader.check_task, lambda a, b: tuple(a), "broadcast_shape",
                 sizes=[(2, 2, False)])
    assert "debía lanzar ValueError" in msg

    def silent_error(a, b):
        raise ValueError()
    raises("valores incorrectos", grader.check_task, silent_error, "broadcast_shape", sizes=[(2, 2, False)])
    # The (n, 1) - (n,) trap: broadcasting to (n, n) gives a plausible but wrong number.
    raises("valores incorrectos", grader.check_task, lambda p, y: np.mean((p - y) ** 2),
           "mse_column_vs_vector", sizes=[(6,)])
    raises("no se usó la función pedida", grader.check_task, np.trace, "einsum_trace", sizes=[(4,)])
    raises("forma incorrecta", grader.check_task, lambda a: np.einsum("ij->ij", a), "einsum_transpose",
           sizes=[(3, 4)])
    raises("tipo incorrecto", grader.check_task, lambda x: x.mean(axis=(0, 2, 3)), "channel_stats",
           sizes=[(2, 3, 4, 5)])
    # torch's default std is unbiased; the exercise asks for NumPy's ddof=0 and says so.
    raises("valores incorrectos", grader.check_task,
           lambda x: (x.mean(axis=(0, 2, 3)), x.std(axis=(0, 2, 3), ddof=1)), "channel_stats",
           sizes=[(2, 3, 4, 5)])


def test_einsum_is_restored_after_a_check():
    original = np.einsum
    grader.check_task(lambda a: np.einsum("ii->", a), "einsum_trace", sizes=[(3,)])
    assert np.einsum is original


def test_initializers_are_judged_statistically():
    import math

    def fans(shape):
        receptive = int(np.prod(shape[2:]))
        return shape[1] * receptive, shape[0] * receptive

    def kaiming_normal(shape, rng, a=0, mode="fan_in", nonlinearity="leaky_relu"):
        fan_in, fan_out = fans(shape)
        gain = math.sqrt(2.0 / (1 + a * a)) if nonlinearity == "leaky_relu" else math.sqrt(2.0)
        return rng.normal(0.0, gain / math.sqrt(fan_in if mode == "fan_in" else fan_out), size=shape)

    def swapped(shape, rng, a=0, mode="fan_in", nonlinearity="leaky_relu"):
        return kaiming_normal(shape, rng, a, "fan_out" if mode == "fan_in" else "fan_in", nonlinearity)

    def uniform(shape, rng, gain=1.0):
        bound = gain * math.sqrt(6.0 / sum(fans(shape)))
        return rng.uniform(-bound, bound, size=shape)

    def half_open(shape, rng, gain=1.0):
        return np.abs(uniform(shape, rng, gain))

    sizes = [(256, 128), (64, 3, 5, 5)]
    grader.check_task(kaiming_normal, "kaiming_normal", sizes=sizes, init={"nonlinearity": "relu"})
    grader.check_task(uniform, "xavier_uniform", sizes=sizes, init={"gain": 5 / 3})
    raises("la distribución no es la pedida", grader.check_task, swapped, "kaiming_normal", sizes=sizes,
           init={"nonlinearity": "relu"})
    raises("la distribución no es la pedida", grader.check_task, half_open, "xavier_uniform", sizes=sizes)
    raises("la distribución no es la pedida", grader.check_task,
           lambda shape, rng, gain=1.0: 1.01 * uniform(shape, rng, gain), "xavier_uniform", sizes=sizes)


def test_backprop_tasks_accept_the_chain_rule_and_reject_slips(capsys):
    def mse_grad(pred, target):
        return 2.0 * (pred - target[:, None]) / pred.shape[0]

    def lin_grad(x, w, b, grad_output):
        return grad_output @ w.T, x.T @ grad_output, grad_output.sum(axis=0)

    grader.check_task(mse_grad, "mse_grad", sizes=[(5,), (1,)], dtypes=["float64", "float32"])
    grader.check_task(lin_grad, "lin_grad", sizes=[(5, 3, 4)], dtypes=["float64", "float32"])
    grader.check_task(lin_grad, "lin_grad_numeric", sizes=[(5, 3, 4)])
    assert capsys.readouterr().err == ""
    raises("forma incorrecta", grader.check_task, lambda p, t: 2 * (p[:, 0] - t) / len(t), "mse_grad", sizes=[(5,)])
    raises("el gradiente no coincide con pytorch", grader.check_task,
           lambda p, t: 2 * (t[:, None] - p) / len(t), "mse_grad", sizes=[(5,)])
    raises("el gradiente no coincide con diferencias finitas", grader.check_task,
           lambda x, w, b, g: (g @ w.T, x.T @ g, g.mean(axis=0)), "lin_grad_numeric", sizes=[(5, 3, 4)])
    raises("el gradiente no coincide con pytorch", grader.check_task,
           lambda x, w, b, g: (g @ w.T, g.T @ x, g.sum(axis=0)) if w.shape[0] == w.shape[1] else
           (g @ w.T, (g.T @ x).T * 1.5, g.sum(axis=0)), "lin_grad", sizes=[(5, 3, 4)])


def test_backward_must_not_modify_grad_output():
    def in_place(self, grad_output):
        grad_output *= self.out * (1.0 - self.out)
        return grad_output
    msg = raises("la entrada fue modificada", grader.check_backward, variant(backward=in_place), "sigmoid")
    assert "grad_output" in msg


# ---- issue 18: points only from data the judge checks ----------------------------------------------

def test_numerical_gradient_needs_the_reference_forward_at_x_plus_minus_h():
    zeros = type("Sigmoid", (), {"forward": lambda self, x: np.zeros_like(x),
                                 "backward": lambda self, g: np.zeros_like(g)})
    msg = raises("valores incorrectos", grader.check_numerical_gradient, zeros, "sigmoid")
    assert "diferencias finitas usa tu forward" in msg
    # Samples forged to agree with a wrong backward (the judge only sees these arrays).
    from grader.checks import layer_checks
    check = layer_checks.LayerCheck("numerical_gradient", "sigmoid", make_cases(((3,),), ("float64",), 0))
    wrong = variant(backward=lambda self, g: 0.5 * g)
    observed = layer_checks.observe_all(check, wrong)
    for obs in observed:
        obs.arrays["numeric_plus"] = [0.5 * z for z in obs.arrays["numeric_plus"]]
        obs.arrays["numeric_minus"] = [0.5 * z for z in obs.arrays["numeric_minus"]]
    with pytest.raises(CheckFailed, match="diferencias finitas usa tu forward"):
        layer_checks.verify(check, "Sigmoid", observed)


def test_forward_and_backward_numeric_needs_the_reference_loss(capsys):
    from grader.checks.tasks.backprop import mlp_loss
    grader.check_task(_mlp_grads(mlp_loss), "forward_and_backward_numeric", sizes=[(4, 2, 3)])
    raises("valores incorrectos", grader.check_task, _mlp_grads(lambda *a: 2 * mlp_loss(*a)),
           "forward_and_backward_numeric", sizes=[(4, 2, 3)])


def _mlp_grads(loss):
    """forward_and_backward with the reference's gradients (finite differences), returning loss(...) as the loss."""
    from grader.checks.gradients import numerical_gradient
    from grader.checks.tasks.backprop import mlp_loss

    def forward_and_backward(x, w1, b1, w2, b2, target):
        args = [x, w1, b1, w2, b2, target]
        grads = [numerical_gradient(lambda v, i=i: mlp_loss(*args[:i], v, *args[i + 1:]), args[i], 1.0)
                 for i in (1, 2, 3, 4)]
        return (loss(*args), *grads)
    return forward_and_backward


def test_reproducibility_is_judged_from_separately_observed_arrays(capsys):
    def honest(shape, rng):
        return rng.normal(0.0, 1.0 / np.sqrt(shape[1]), size=shape)

    def reseeded(shape, rng):
        np.random.seed(0)
        return np.random.normal(0.0, 1.0 / np.sqrt(shape[1]), size=shape)

    def global_generator(shape, rng):
        return np.random.normal(0.0, 1.0 / np.sqrt(shape[1]), size=shape)

    grader.check_task(honest, "lecun_normal", sizes=[(64, 128)], seed=5)
    for answer in (reseeded, global_generator):
        msg = raises("la distribución no es la pedida", grader.check_task, answer, "lecun_normal",
                     sizes=[(64, 128)], seed=5)
        assert "generador global de NumPy" in msg
