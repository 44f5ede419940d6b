"""The sigmoid notebook, graded through the grading path: right answers pass, wrong ones lose points."""

from __future__ import annotations

import pytest

from grader import catalog as catalogs
from grader.submissions import Submission

from .conftest import grade_notebook_batch

ASSIGNMENT, NOTEBOOK = "05-activaciones", "sigmoide"
TEST_CELLS = ["test_sigmoid_forward", "test_sigmoid_backward",
              "test_sigmoid_numerical_gradient", "test_sigmoid_stability"]

TAMPERED = Submission("tampered", ASSIGNMENT, NOTEBOOK, {
    "sigmoid_layer": "class Sigmoid:\n    def forward(self, x):\n        return x\n\n"
                     "    def backward(self, grad_output):\n        return 0 * grad_output\n",
    **{cell: "assert True" for cell in TEST_CELLS},
})


@pytest.fixture(scope="module")
def graded():
    return grade_notebook_batch(ASSIGNMENT, NOTEBOOK, extra=[TAMPERED])


def test_solution_gets_full_marks(graded):
    _, results = graded
    scores = results["solution"].scores
    assert set(scores) == set(TEST_CELLS)
    assert all(score == maximum for score, maximum in scores.values()), scores
    assert results["solution"].total == (6.0, 6.0)


def test_release_gets_zero(graded):
    _, results = graded
    assert results["release"].total == (0.0, 6.0)
    assert "todavía no está implementado" in results["release"].feedback


def test_edited_test_cells_are_restored(graded):
    _, results = graded
    assert results["tampered"].total == (0.0, 6.0)


def test_catalog_has_enough_entries(graded):
    catalog, _ = graded
    assert len(catalog.mistakes) >= 5 and len(catalog.alternatives) >= 2
    caught_by = {cell for m in catalog.mistakes for cell in m.catch}
    assert caught_by == set(TEST_CELLS), "every test cell is the target of some mistake"


def _ids(kind):
    from .conftest import load_catalog
    return [e for e in load_catalog(ASSIGNMENT, NOTEBOOK).entries if e.kind == kind]


@pytest.mark.parametrize("entry", _ids("mistake"), ids=lambda e: e.name)
def test_mistake_loses_points_where_expected(graded, entry):
    _, results = graded
    result = results[entry.student]
    problem = catalogs.verdict(entry, result.scores, result.feedback)
    assert problem == "", f"{entry.name}: {problem}; scores {result.scores}"


@pytest.mark.parametrize("entry", _ids("alternative"), ids=lambda e: e.name)
def test_correct_alternative_gets_full_marks(graded, entry):
    _, results = graded
    result = results[entry.student]
    problem = catalogs.verdict(entry, result.scores, result.feedback)
    assert problem == "", f"{entry.name}: {problem}; scores {result.scores}"
