"""Issue 20, parts 2 and 3: feedback that names the mistake, in process (no kernel).

NumPy's and Python's own errors raised inside a student's code get a Spanish sentence with
their numbers and the line of the cell (visible checks), or a fixed text chosen by the kind of
error (hidden checks); a number is worded as a number; a tuple's element type is named; the
stability hint names the NumPy function that warned; known mistakes get their own hint.
"""

from __future__ import annotations

import numpy as np
import pytest

import grader
from grader.checks import raised
from grader.checks.messages import HIDDEN, TEXT

from .test_grader_checks import GoodSigmoid, raises, variant
from .test_student_text import verdict


def cell(source: str, name: str):
    """A function defined by ``source`` as a notebook cell defines it (line numbers are the cell's)."""
    namespace = {"np": np}
    exec(compile(source, "<celda>", "exec"), namespace)  # noqa: S102 - our own test code
    return namespace[name]


SOFTMAX_NO_KEEPDIMS = cell('''class Softmax:
    def forward(self, x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1)
''', "Softmax")


# ---- part 2: NumPy's and Python's errors -----------------------------------------------------------

def test_a_broadcasting_error_is_explained_with_the_shapes_and_the_line():
    msg = raises("error al ejecutar tu código", grader.check_forward, SOFTMAX_NO_KEEPDIMS, "softmax",
                 shapes=[(3, 5)])
    assert TEXT["raised_broadcast"].format(shapes="(3,5) (3,)") in msg
    assert TEXT["raised_line"].format(line=4) in msg
    # then the original message, after the Spanish
    assert msg.index("línea 4") < msg.index("lanzó ValueError: operands could not be broadcast")


def test_when_graded_a_visible_check_keeps_numpys_shapes_and_the_line(tmp_path):
    source = 'grader.check_forward(Softmax, "softmax", shapes=[(3, 5)])'
    text = verdict(source, {"Softmax": SOFTMAX_NO_KEEPDIMS}, tmp_path)
    assert TEXT["raised_broadcast"].format(shapes="(3,5) (3,)") in text and "línea 4" in text
    assert "operands could not be broadcast together with shapes (3,5) (3,)" in text
    assert TEXT["message_withheld"] not in text


def test_when_graded_a_hidden_check_says_only_the_kind_of_error(tmp_path):
    source = 'grader.check_forward(Softmax, "softmax", shapes=[(13, 17)], seed=424242, hidden=True)'
    text = verdict(source, {"Softmax": SOFTMAX_NO_KEEPDIMS}, tmp_path)
    assert text == f"Error al ejecutar tu código. {TEXT['where_hidden_only']} {HIDDEN['exception_shapes']}"


def test_a_forged_numpy_message_is_not_copied_when_graded(tmp_path):
    forged = cell('''class Softmax:
    def forward(self, x):
        raise ValueError("operands could not be broadcast together with shapes (4,2) (4,2) seed=424242")
''', "Softmax")
    text = verdict('grader.check_forward(Softmax, "softmax", shapes=[(3, 5)])', {"Softmax": forged}, tmp_path)
    assert "424242" not in text and TEXT["message_withheld"] in text and "(4,2)" not in text
    assert raised.canonical("ValueError", "operands could not be broadcast together with shapes (4,2) x") is None
    assert [raised.valid_line(v) for v in (3, 0, 10**6, True, "3", 2.0)] == [3, None, None, None, None, None]


@pytest.mark.parametrize("source, name, task, size, expected", [
    ("def mse(p, y):\n    return np.mean(p.T @ p.T)\n", "mse", "mse", (4,),
     TEXT["raised_matmul"].format(left=4, right=1)),
    ("def mse(p, y):\n    return p[7, 0]\n", "mse", "mse", (4,),
     TEXT["raised_index"].format(index=7, axis=0, size=4)),
    ("def mse(p, y):\n    return np.sum(p, axis=2)\n", "mse", "mse", (4,),
     TEXT["raised_axis"].format(axis=2, ndim=2)),
    ("def mse(p, y):\n    return p.reshape(3, 3)\n", "mse", "mse", (4,),
     TEXT["raised_reshape"].format(size=4, shape="(3,3)")),
    ("def mse(p):\n    return p\n", "mse", "mse", (4,), TEXT["raised_type"]),
])
def test_numpy_and_python_errors_each_get_their_sentence(source, name, task, size, expected):
    msg = raises("error al ejecutar tu código", grader.check_task, cell(source, name), task, sizes=[size])
    assert expected in msg


@pytest.mark.parametrize("error, message, key", [
    ("ValueError", "operands could not be broadcast together with shapes (3,5) (3,) ", "exception_shapes"),
    ("IndexError", "index 7 is out of bounds for axis 0 with size 4", "exception_index"),
    ("IndexError", "anything a student wrote", "exception_index"),
    ("TypeError", "f() takes 1 positional argument but 2 were given", "exception_type"),
    ("ZeroDivisionError", "division by zero", "exception"),
])
def test_a_hidden_check_chooses_its_fixed_text_by_the_kind_of_error(error, message, key):
    with pytest.raises(grader.checks.errors.CheckFailed) as info:
        raised.fail_raised("f", "En una prueba oculta:", error, message, line=3, hidden=True)
    assert info.value.hidden == key and info.value.details == ("En una prueba oculta:", HIDDEN[key])


# ---- part 3: wording ----------------------------------------------------------------------------------

def test_an_exception_where_another_was_asked_for_is_said_to_be_raised():
    def fans(shape):
        return shape[1], shape[0]
    msg = raises("error al ejecutar tu código", grader.check_task, fans, "fans", sizes=[(3,)])
    assert "pero lanzó IndexError" in msg and "devolvió" not in msg


def test_a_scalar_mismatch_is_worded_for_a_number():
    msg = raises("valores incorrectos", grader.check_task, lambda p, y: np.mean((p[:, 0] - y) ** 2) + 1, "mse",
                 sizes=[(5,)])
    assert "se esperaba" in msg and "se obtuvo" in msg
    assert "elementos difieren" not in msg and "índice ()" not in msg


def test_a_tuple_of_floats_names_the_element_type():
    msg = raises("tipo incorrecto", grader.check_task, lambda shape: (float(shape[1]), float(shape[0])), "fans",
                 sizes=[(3, 4)])
    assert TEXT["type_tuple_elements"].format(what="<lambda>", got="float") in msg


@pytest.mark.parametrize("forward, hint", [
    (lambda self, x: np.sign(x) * np.sqrt(1 - 1 / np.cosh(x) ** 2), TEXT["unstable_hyperbolic"].format(function="np.cosh")),
    (lambda self, x: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)), TEXT["unstable_exp"].format(function="np.exp")),
])
def test_a_stability_hint_names_the_function_that_warned(forward, hint):
    layer = type("Tanh", (), {"forward": forward, "backward": lambda self, g: g})
    msg = raises("inestable para valores grandes", grader.check_stability, layer, "tanh")
    assert msg.endswith(hint)


def test_softmax_with_the_global_maximum_is_told_about_0_over_0():
    global_max = cell('''class Softmax:
    def __init__(self, axis=-1):
        self.axis = axis
    def forward(self, x):
        e = np.exp(x - x.max())
        self.out = e / e.sum(axis=self.axis, keepdims=True)
        return self.out
    def backward(self, g):
        return self.out * (g - (g * self.out).sum(axis=self.axis, keepdims=True))
''', "Softmax")
    msg = raises("inestable para valores grandes", grader.check_stability, global_max, "softmax",
                 values=[[[1000.0, 1000.0, -1000.0], [-800.0, -801.0, -802.0]]])
    assert TEXT["unstable_softmax_divide"] in msg


def test_backward_mistakes_are_named():
    def local_only(self, grad_output):
        return self.out * (1.0 - self.out)
    msg = raises("el gradiente no coincide con pytorch", grader.check_backward, variant(backward=local_only),
                 "sigmoid")
    assert TEXT["hint_ignores_grad_output"] in msg and TEXT["gradient_hint"] not in msg

    class Softmax:
        def forward(self, x):
            e = np.exp(x - x.max(axis=-1, keepdims=True))
            self.out = e / e.sum(axis=-1, keepdims=True)
            return self.out

        def backward(self, grad_output):
            return grad_output * self.out * (1.0 - self.out)
    msg = raises("el gradiente no coincide con pytorch", grader.check_backward, Softmax, "softmax")
    assert TEXT["hint_jacobian_diagonal"] in msg
    # a mistake with no name keeps the generic hint
    msg = raises("el gradiente no coincide con pytorch", grader.check_backward,
                 variant(backward=lambda self, g: 2 * GoodSigmoid.backward(self, g)), "sigmoid")
    assert TEXT["gradient_hint"] in msg


@pytest.mark.parametrize("task, answer, kind", [
    ("mse", lambda p, y: np.mean((p - y) ** 2), "valores incorrectos"),
    ("mse_column_vs_vector", lambda p, y: np.mean((p - y) ** 2), "valores incorrectos"),
    ("mse_grad", lambda p, y: 2 * (p - y) / len(y), "forma incorrecta"),
])
def test_the_column_minus_vector_trap_is_named(task, answer, kind):
    msg = raises(kind, grader.check_task, answer, task, sizes=[(5,)])
    assert TEXT["hint_column_minus_vector"] in msg
    right = raises(kind, grader.check_task, lambda p, y: np.mean((p[:, 0] - y) ** 2) * 2, "mse", sizes=[(5,)]) \
        if kind == "valores incorrectos" else ""
    assert TEXT["hint_column_minus_vector"] not in right


def _forward_and_backward(loss_offset):
    def forward_and_backward(x, w1, b1, w2, b2, target):
        z = x @ w1 + b1
        h = np.maximum(z, 0)
        pred = h @ w2 + b2
        n = len(target)
        grad_pred = 2.0 * (pred - target[:, None]) / n
        grad_z = (grad_pred @ w2.T) * (z > 0)
        loss = np.mean((pred[:, 0] - target) ** 2) + loss_offset
        return loss, x.T @ grad_z, grad_z.sum(axis=0), h.T @ grad_pred, grad_pred.sum(axis=0)
    return forward_and_backward


def test_a_wrong_loss_in_forward_and_backward_is_a_wrong_value(capsys):
    grader.check_task(_forward_and_backward(0.0), "forward_and_backward", sizes=[(6, 3, 4)])
    assert "Correcto" in capsys.readouterr().out
    msg = raises("valores incorrectos", grader.check_task, _forward_and_backward(0.5), "forward_and_backward",
                 sizes=[(6, 3, 4)])
    assert "forward_and_backward (loss)" in msg and TEXT["hint_loss_value"] in msg
    assert "gradiente" not in msg
