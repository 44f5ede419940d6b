"""Checks of a layer with parameters (grader.checks.model_checks) on hand-written Linear layers.

Fast (no kernel): each check observes and judges in this process, as in a student's kernel at home.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest

import grader
from grader.checks import model_checks, models
from grader.checks.errors import CheckFailed


class Linear:
    def __init__(self, in_features, out_features, rng):
        self.w = rng.normal(0.0, math.sqrt(2.0 / in_features), size=(in_features, out_features))
        self.b = np.zeros(out_features)
        self.grad_w, self.grad_b = np.zeros_like(self.w), np.zeros_like(self.b)

    def forward(self, x):
        self.x = x
        return x @ self.w + self.b

    def backward(self, grad_output):
        self.grad_w += self.x.T @ grad_output
        self.grad_b += grad_output.sum(axis=0)
        return grad_output @ self.w.T

    def zero_grad(self):
        self.grad_w[...] = 0.0
        self.grad_b[...] = 0.0

    def parameters(self):
        return [self.w, self.b]

    def gradients(self):
        return [self.grad_w, self.grad_b]


def variant(**methods):
    return type("Linear", (Linear,), methods)


def backward_with(grad_w):
    """A backward whose weight gradient is grad_w(x, g, w); the rest is right."""
    def backward(self, grad_output):
        self.grad_w += grad_w(self.x, grad_output, self.w)
        self.grad_b += grad_output.sum(axis=0)
        return grad_output @ self.w.T
    return backward


SQUARE = [(5, 4, 4)]   # a transposed gradient keeps its shape only in a square layer


def raises(kind_text, check, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        check(*args, **kwargs)
    message = str(info.value)
    assert message.lower().startswith(kind_text), message
    return message


def test_a_correct_linear_layer_passes_every_check(capsys):
    grader.check_model_init(Linear, "linear", sizes=[(1, 256, 128), (1, 100, 300)])
    for check in (grader.check_model_forward, grader.check_model_backward, grader.check_model_accumulation):
        check(Linear, "linear", sizes=[(5, 3, 4), (1, 1, 1)], dtypes=["float64", "float32"])
    grader.check_model_numerical_gradient(Linear, "linear", sizes=[(4, 3, 2), (5, 4, 4)], scale=10.0)
    out = capsys.readouterr()
    assert out.out.count("Correcto") == 5 and out.err == ""


def test_numerical_gradient_rejects_a_transposed_weight_gradient():
    transposed = variant(backward=backward_with(lambda x, g, w: (x.T @ g).T))
    msg = raises("el gradiente no coincide con diferencias finitas", grader.check_model_numerical_gradient,
                 transposed, "linear", sizes=SQUARE)
    assert "grad_w" in msg and "respecto a w" in msg
    # In a layer that is not square, the transposed gradient does not even fit: += raises.
    raises("error al ejecutar tu código", grader.check_model_numerical_gradient,
           variant(backward=backward_with(lambda x, g, w: g.T @ x)), "linear", sizes=[(5, 3, 4)])


def test_numerical_gradient_rejects_an_averaged_weight_gradient():
    averaged = variant(backward=backward_with(lambda x, g, w: x.T @ g / len(g)))
    msg = raises("el gradiente no coincide con diferencias finitas", grader.check_model_numerical_gradient,
                 averaged, "linear", sizes=SQUARE)
    assert "grad_w" in msg


def test_numerical_gradient_perturbs_the_same_instance_in_place():
    built = []

    class Counting(Linear):
        def __init__(self, *args):
            super().__init__(*args)
            built.append(self)

    grader.check_model_numerical_gradient(Counting, "linear", sizes=[(3, 2, 2)])
    assert len(built) == 1          # every forward at w ± h ran on the one layer the check built


def test_numerical_gradient_judges_forward_samples_against_pytorch(monkeypatch):
    """Observations are untrusted: samples forged to fit a wrong gradient, or a zero layer, earn nothing."""
    case = model_checks.ModelCase((4, 3, 3), "float64", 0)
    check = model_checks.ModelCheck("numerical_gradient", "linear", (case,))
    model_checks.verify(check, "Linear", model_checks.observe_all(check, Linear))

    averaged = variant(backward=backward_with(lambda x, g, w: x.T @ g / len(g)))
    forged = model_checks.observe_all(check, averaged)
    # Shift each plus-sample of a weight element so that its difference equals the averaged gradient.
    _, _, g, _, _ = case.data(models.get("linear"))
    samples, reported = forged[0].arrays["numeric"], forged[0].arrays["gradients"][0]
    for k in range(reported.size):
        plus, minus = samples[2 * k], samples[2 * k + 1]
        wanted = 2 * model_checks.STEP * reported.flat[k] + np.sum(minus * g)
        samples[2 * k] = plus + (wanted - np.sum(plus * g)) * g / np.sum(g * g)
    with monkeypatch.context() as lenient:
        lenient.setattr(model_checks, "SAMPLE_TOLERANCE", np.inf)
        model_checks.verify(check, "Linear", forged)      # the differences alone would be fooled
    msg = raises("valores incorrectos", model_checks.verify, check, "Linear", forged)
    assert "perturbado" in msg

    def zero_forward(self, x):
        self.x = x
        return np.zeros((x.shape[0], self.w.shape[1]))
    zero = variant(forward=zero_forward)
    raises("valores incorrectos", grader.check_model_numerical_gradient, zero, "linear", sizes=[(4, 3, 3)])


def test_accumulation_rejects_overwriting_and_a_lazy_zero_grad():
    def overwrite(self, grad_output):
        self.grad_w = self.x.T @ grad_output
        self.grad_b = grad_output.sum(axis=0)
        return grad_output @ self.w.T
    msg = raises("el gradiente no coincide con pytorch", grader.check_model_accumulation,
                 variant(backward=overwrite), "linear", sizes=[(5, 3, 4)])
    assert "+=" in msg
    grader.check_model_backward(variant(backward=overwrite), "linear", sizes=[(5, 3, 4)])   # one call is right
    raises("valores incorrectos", grader.check_model_accumulation, variant(zero_grad=lambda self: None),
           "linear", sizes=[(5, 3, 4)])


def test_the_judge_sets_the_weights_through_parameters():
    copies = variant(parameters=lambda self: [self.w.copy(), self.b.copy()])
    msg = raises("valores incorrectos", grader.check_model_forward, copies, "linear", sizes=[(5, 3, 4)])
    assert "copias" in msg
    torch_layout = variant(__init__=lambda self, i, o, rng: Linear.__init__(self, o, i, rng))
    raises("forma incorrecta", grader.check_model_forward, torch_layout, "linear", sizes=[(5, 3, 4)])
    # A forward that ignores the judge's weights cannot pass: the student's own init is overwritten.
    no_bias = variant(forward=lambda self, x: x @ self.w)
    raises("valores incorrectos", grader.check_model_forward, no_bias, "linear", sizes=[(5, 3, 4)])


def test_initialization_is_judged_statistically():
    def fan_out(self, i, o, rng):
        Linear.__init__(self, i, o, rng)
        self.w = rng.normal(0.0, math.sqrt(2.0 / o), size=(i, o))

    def global_rng(self, i, o, rng):
        Linear.__init__(self, i, o, np.random.default_rng())

    def random_bias(self, i, o, rng):
        Linear.__init__(self, i, o, rng)
        self.b = rng.normal(size=o)

    sizes = [(1, 100, 300)]
    raises("la distribución no es la pedida", grader.check_model_init, variant(__init__=fan_out), "linear",
           sizes=sizes)
    raises("la distribución no es la pedida", grader.check_model_init, variant(__init__=global_rng), "linear",
           sizes=sizes)
    raises("valores incorrectos", grader.check_model_init, variant(__init__=random_bias), "linear", sizes=sizes)


def observes_without_pytorch(tmp_path, code: str) -> None:
    """Run ``code`` in a fresh Python where importing torch fails, as in a grading kernel; it must get through."""
    import subprocess
    import sys
    script = tmp_path / "observe.py"
    script.write_text("import sys\nsys.modules['torch'] = None\n" + code + "print('observed')\n", encoding="utf-8")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, str(script)], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert done.stdout.strip() == "observed", done.stderr[-2000:]


def test_observing_needs_no_pytorch(tmp_path):
    """Grading kernels have no PyTorch: observing (model checks, 06's tasks) must do without it."""
    observes_without_pytorch(tmp_path, (
        "from tests.test_model_checks import Linear\n"
        "from grader.checks import model_checks\n"
        "for kind in model_checks.KINDS:\n"
        "    check = model_checks.ModelCheck(kind, 'linear', (model_checks.ModelCase((3, 2, 2), 'float64', 0),))\n"
        "    [obs] = model_checks.observe_all(check, Linear)\n"
        "    assert obs.error is None, (kind, obs.error)\n"
        "from grader.checks import task_checks\n"
        "for task, size in [('unbroadcast_add', (2, 1)), ('unbroadcast_mul', (1, 2)),\n"
        "                   ('cross_entropy_grad', (4, 3, 1.0)), ('cross_entropy_large', (4, 3, 800.0, 900.0))]:\n"
        "    check = task_checks.TaskCheck(task, (size,), ('float64',), 0, (), False)\n"
        "    [obs] = task_checks.observe_all(check, lambda *args: None)\n"
        "    assert obs.error is None, (task, obs.error)\n"
    ))
