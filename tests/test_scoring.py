"""Clean scoring from fixed observations, without a kernel (fast tier).

The check calls of a test cell observe in place (as in a grading kernel, with
the observation folder set), and the scorer then judges what was written from
the cell's trusted source: the same path as grading, minus the sandboxed kernel.
"""

from __future__ import annotations

import numpy as np
import nbformat
import pytest

from grader.checks import observations
from grader.grading import scoring
from grader.grading.runs import CellRun, NotebookRun
from grader.grading.sandbox import Limits

TEST_SOURCE = 'grader.check_forward(Sigmoid, "sigmoid", shapes=[(3, 4)], seed=3)\n'


class GoodSigmoid:
    def forward(self, x):
        return np.exp(-np.logaddexp(0, -x))


class ShiftedSigmoid:
    def forward(self, x):
        return 1 / (1 + np.exp(-x)) + 1e-3


def observed_run(tmp_path, monkeypatch, layer, calls: int = 1) -> CellRun:
    """Run the test cell's check ``calls`` times in observe mode, as a grading kernel would."""
    import grader
    folder = tmp_path / "observations"
    folder.mkdir()
    monkeypatch.setenv(observations.OBSERVE_ENV, str(folder))
    for _ in range(calls):
        grader.check_forward(layer, "sigmoid", shapes=[(3, 4)], seed=3)
    monkeypatch.delenv(observations.OBSERVE_ENV)
    return CellRun(status="ok", observations=folder)


def score(cell_run: CellRun):
    cell = nbformat.v4.new_code_cell(TEST_SOURCE)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "test_forward", "points": 2}
    nb = nbformat.v4.new_notebook(cells=[cell])
    notes = scoring.score_notebook(nb, NotebookRun(cells={0: cell_run}), Limits())
    return nb.cells[0].outputs, notes


def test_a_right_answer_scores_from_its_observations(tmp_path, monkeypatch):
    outputs, notes = score(observed_run(tmp_path, monkeypatch, GoodSigmoid))
    assert [o.output_type for o in outputs] == ["stream"] and "Correcto" in outputs[0].text
    assert notes == []


def test_a_wrong_answer_fails_with_the_spanish_message(tmp_path, monkeypatch):
    outputs, _ = score(observed_run(tmp_path, monkeypatch, ShiftedSigmoid))
    assert outputs[0].output_type == "error"
    assert outputs[0].evalue.startswith("Valores incorrectos"), outputs[0].evalue


@pytest.mark.parametrize("calls", [0, 2])
def test_observations_that_do_not_match_the_declarations_score_nothing(tmp_path, monkeypatch, calls):
    outputs, notes = score(observed_run(tmp_path, monkeypatch, GoodSigmoid, calls=calls))
    assert outputs[0].output_type == "error"
    assert any("1 checks declared" in note for note in notes), notes


def test_a_cell_that_did_not_run_scores_nothing():
    outputs, _ = score(CellRun(status="timeout"))
    assert outputs[0].output_type == "error" and "Correcto" not in outputs[0].evalue
