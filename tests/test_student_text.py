"""Issue 17.1: the clean scorer never quotes a student's own text, and hides a hidden check's case.

A test cell is observed in this process as a grading kernel would (``GRADER_OBSERVE_DIR``), with a
student class whose exception, warnings and returned objects carry a secret; the scorer then judges
the observation files. No kernel: these run in seconds.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings

import numpy as np
import pytest

import grader
from grader.checks import observations
from grader.grading import scoring
from grader.checks import student_text
from grader.grading.executor import CellRun
from grader.checks.messages import HIDDEN, TEXT

SECRET = "seed=424242 shapes=[(13, 17)]"


class Secretive(Exception):
    pass


class Leaky:
    def forward(self, x):
        warnings.warn(SECRET, RuntimeWarning)
        self.out = 1.0 / (1.0 + np.exp(-x))
        return self.out

    def backward(self, grad_output):
        raise Secretive(SECRET)


class Warns(Leaky):
    def forward(self, x):          # no overflow: the one warning is the secret's
        warnings.warn(SECRET, RuntimeWarning)
        self.out = np.exp(-np.logaddexp(0.0, -x))
        return self.out

    def backward(self, grad_output):
        return grad_output * self.out * (1.0 - self.out)


class OwnArray:
    def forward(self, x):
        return type("Secret424242", (), {})()


def verdict(source: str, namespace: dict, tmp_path) -> str:
    """The text the scorer writes into a test cell, after observing ``source`` as when grading."""
    folder = tmp_path / "observations"
    os.environ[observations.OBSERVE_ENV] = str(folder)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(source, dict(namespace, grader=grader, np=np))  # noqa: S102 - our own test cell
    finally:
        del os.environ[observations.OBSERVE_ENV]
    output = scoring._verdict(source, CellRun(status="ok", observations=folder), "", [], "celda")
    return output.get("evalue") or output.get("text")


@pytest.mark.parametrize("hidden", [False, True])
def test_exception_messages_and_own_class_names_are_never_quoted(tmp_path, hidden):
    source = f'grader.check_backward(Leaky, "sigmoid", shapes=[(3,)], seed=5, hidden={hidden})'
    text = verdict(source, {"Leaky": Leaky}, tmp_path)
    assert text.startswith("Error al ejecutar tu código.") and "424242" not in text and "Secretive" not in text
    if hidden:
        assert text.endswith(f"{TEXT['where_hidden_only']} {HIDDEN['exception']}")
    else:
        assert TEXT["own_exception"] in text and TEXT["message_withheld"] in text


def test_a_warnings_text_is_reduced_to_its_category(tmp_path):
    text = verdict('grader.check_stability(Warns, "sigmoid")', {"Warns": Warns}, tmp_path)
    assert text.startswith("Inestable") and "(RuntimeWarning)" in text and "424242" not in text


def test_a_returned_objects_own_class_is_not_named(tmp_path):
    text = verdict('grader.check_forward(OwnArray, "sigmoid", shapes=[(3,)])', {"OwnArray": OwnArray}, tmp_path)
    assert text.startswith("Tipo incorrecto.") and TEXT["own_class"] in text and "424242" not in text


def test_a_failing_hidden_check_names_nothing_of_its_case(tmp_path):
    class Half:
        def forward(self, x):
            return 0.5 * x
    source = 'grader.check_forward(Half, "sigmoid", shapes=[(13, 17)], seed=424242, hidden=True)'
    text = verdict(source, {"Half": Half}, tmp_path)
    assert text == f"Valores incorrectos. {TEXT['where_hidden_only']} {HIDDEN['values']}"


def test_names_and_texts_of_python_and_numpy_survive():
    assert student_text.exception_name("ZeroDivisionError") == "ZeroDivisionError"
    assert student_text.exception_name("AxisError") == "AxisError"
    assert student_text.exception_name("Seed424242Error") == TEXT["own_exception"]
    assert student_text.warning_text("RuntimeWarning: overflow encountered in exp") == \
        "RuntimeWarning: overflow encountered in exp"
    assert student_text.warning_text("RuntimeWarning: overflow encountered in seed424242") == "RuntimeWarning"
    assert student_text.warning_text("Secret424242Warning: hola") == "Warning"
    assert student_text.known_type("torch", "Tensor") and student_text.known_type("builtins", "list")
    assert not student_text.known_type("numpy", "Secret424242") and not student_text.known_type("__main__", "A")


@pytest.mark.parametrize("returned, named", [(lambda self: {"w": self.w}, "dict"),
                                             (lambda self: type("Secret424242", (), {})(), TEXT["own_class"])])
def test_parameters_that_are_not_a_list_are_a_type_error_not_an_exception(tmp_path, returned, named):
    from .test_model_checks import Linear
    NotAList = type("Linear", (Linear,), {"parameters": returned})
    text = verdict('grader.check_model_forward(NotAList, "linear", sizes=[(3, 2, 2)])', {"NotAList": NotAList},
                   tmp_path)
    assert text.startswith("Tipo incorrecto.") and "lanzó" not in text and "424242" not in text
    assert TEXT["type_list"].format(what="NotAList.parameters()", got=named) in text
