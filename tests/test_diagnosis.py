"""The judge names a known mistake from a failing check's observations (fast: no kernel).

The checks observe in place as a grading kernel would (the observation folder
set), and the scorer judges the written observations; the diagnosis runs there,
on inputs derived from the trusted declaration and outputs read from the folder.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest

import grader
from grader.authoring import diagnosis_report
from grader.checks import observations
from grader.checks.messages import DIAGNOSIS, HIDDEN, TEXT
from grader.grading import diagnosis, misconceptions, scoring
from grader.grading.runs import CellRun, NotebookRun
from grader.grading.sandbox import Limits

COURSE = Path(__file__).resolve().parents[1]


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class RightSigmoid:
    def forward(self, x):
        self.out = sigmoid(x)
        return self.out

    def backward(self, grad_output):
        return grad_output * self.out * (1.0 - self.out)


class NoGradOutput(RightSigmoid):
    """A library misconception: the local derivative, grad_output ignored."""
    def backward(self, grad_output):
        return self.out * (1.0 - self.out)


class FactorTwo(RightSigmoid):
    """A mistake outside the library (tests/diagnosis/mutants.toml has it too)."""
    def backward(self, grad_output):
        return 2.0 * grad_output * self.out * (1.0 - self.out)


class Float32Backward(RightSigmoid):
    """Right values in the wrong dtype: fails, but no misconception explains it."""
    def backward(self, grad_output):
        return (grad_output * self.out * (1.0 - self.out)).astype(np.float32)


def graded(tmp_path, monkeypatch, layer, source: str) -> str:
    """Observe the test cell ``source`` on ``layer`` as a grading kernel would; the scorer's verdict text."""
    folder = tmp_path / "observations"
    folder.mkdir()
    monkeypatch.setenv(observations.OBSERVE_ENV, str(folder))
    exec(source, {"grader": grader, "Sigmoid": layer})  # noqa: S102 - the test's own cell
    monkeypatch.delenv(observations.OBSERVE_ENV)
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "test_backward", "points": 1}
    nb = nbformat.v4.new_notebook(cells=[cell])
    scoring.score_notebook(nb, NotebookRun(cells={0: CellRun(status="ok", observations=folder)}), Limits())
    output = nb.cells[0].outputs[0]
    return output.evalue if output.output_type == "error" else output.text


VISIBLE = 'grader.check_backward(Sigmoid, "sigmoid", shapes=[(3, 4), (5,)], seed=3)\n'
HIDDEN_CELL = 'grader.check_backward(Sigmoid, "sigmoid", shapes=[(2, 6)], seed=41, hidden=True)\n'


def test_a_library_mistake_is_named_in_the_verdict(tmp_path, monkeypatch):
    text = graded(tmp_path, monkeypatch, NoGradOutput, VISIBLE)
    assert text.startswith("El gradiente no coincide con PyTorch")
    assert TEXT["diagnosis"].format(cause=DIAGNOSIS["backward_no_grad_output"]) in text


def test_a_hidden_check_names_the_mistake_and_nothing_of_its_cases(tmp_path, monkeypatch):
    text = graded(tmp_path, monkeypatch, NoGradOutput, HIDDEN_CELL)
    assert text == ("El gradiente no coincide con PyTorch. " + " ".join(
        [TEXT["where_hidden_only"], HIDDEN["gradient_torch"],
         TEXT["diagnosis"].format(cause=DIAGNOSIS["backward_no_grad_output"])]))


@pytest.mark.parametrize("layer", [FactorTwo, Float32Backward])
def test_a_failure_no_misconception_explains_gets_no_diagnosis(tmp_path, monkeypatch, layer):
    text = graded(tmp_path, monkeypatch, layer, VISIBLE)
    assert not text.startswith("Correcto") and "Diagnóstico" not in text


def test_a_right_answer_gets_no_diagnosis(tmp_path, monkeypatch):
    text = graded(tmp_path, monkeypatch, RightSigmoid, VISIBLE)
    assert text.startswith("Correcto") and "Diagnóstico" not in text


def test_the_broadcast_trap_of_mse_is_named_from_task_observations():
    from grader.checks.task_checks import TaskCheck, TaskObservation
    check = TaskCheck("mse", ((5,), (8,)), ("float64", "float32"), 0, (), False)
    trap = [TaskObservation(result=float(np.mean((pred - target) ** 2))) for (pred, target), _ in check.runs()]
    assert diagnosis.diagnose(check, trap) == ["mse_broadcast_trap"]
    right = [TaskObservation(result=float(np.mean((pred[:, 0] - target) ** 2))) for (pred, target), _ in check.runs()]
    assert diagnosis.diagnose(check, right) == []
    # One case that the mistake does not reproduce (here: an exception) and nothing is named.
    assert diagnosis.diagnose(check, trap[:-1] + [TaskObservation(error=("ValueError", ""))]) == []


def test_every_misconception_has_its_spanish_sentence():
    assert {m.key for m in misconceptions.every()} <= set(DIAGNOSIS)
    assert {k for m in misconceptions.every() for k in m.within} <= set(DIAGNOSIS)


def test_mutants_outside_the_library_are_not_misnamed():
    """The measure of tests/diagnosis/mutants.toml: at most 5 % misdiagnosed (today none)."""
    results = diagnosis_report.mutants(COURSE)
    assert len(results) >= 30 and sum(bool(r.failed) for r in results) >= 30
    misnamed = [(r.label, sorted(r.misnamed)) for r in results if r.misnamed]
    assert misnamed == []
