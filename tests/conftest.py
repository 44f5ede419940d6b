"""Shared fixtures: the course root, and every notebook's variants graded in one batch."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.authoring import catalog as catalogs
from grader.authoring.submissions import Submission, grade_id
from grader.authoring.batch import grade_submissions

COURSE = Path(__file__).resolve().parents[1]
CATALOGS = Path(__file__).resolve().parent / "catalog"
# NOTEBOOKS=tanh,relu ./run test tests/test_notebooks.py  grades only those notebooks (while authoring).
_ONLY = {n for n in os.environ.get("NOTEBOOKS", "").split(",") if n}
NOTEBOOKS = sorted((p.parent.name, p.stem) for p in (COURSE / "source").glob("*/*.ipynb")
                   if not _ONLY or p.stem in _ONLY)


def load_catalog(assignment: str, notebook: str) -> catalogs.Catalog:
    return catalogs.load(CATALOGS / assignment / f"{notebook}.toml")


def _cell_ids(assignment: str, notebook: str, flag: str) -> list[str]:
    import nbformat
    nb = nbformat.read(COURSE / "source" / assignment / f"{notebook}.ipynb", as_version=4)
    return [grade_id(c) for c in nb.cells if c.metadata.get("nbgrader", {}).get(flag)]


def test_cell_ids(assignment: str, notebook: str) -> list[str]:
    return _cell_ids(assignment, notebook, "grade")


def answer_cell_ids(assignment: str, notebook: str) -> list[str]:
    return _cell_ids(assignment, notebook, "solution")


test_cell_ids.__test__ = False  # a helper, not a test


def reference_submissions(assignment: str, notebook: str) -> list[Submission]:
    """The solution, the untouched release, and the release with every test cell made `assert True`."""
    tampered = {cell: "assert True" for cell in test_cell_ids(assignment, notebook)}
    return [Submission(f"{notebook}-solution", assignment, notebook, from_solutions=True),
            Submission(f"{notebook}-release", assignment, notebook),
            Submission(f"{notebook}-tampered", assignment, notebook, tampered)]


@pytest.fixture(scope="session")
def graded() -> dict:
    """{student: Result} for every notebook's reference submissions and catalog, in one batch."""
    subs = []
    for assignment, notebook in NOTEBOOKS:
        subs += reference_submissions(assignment, notebook)
        subs += catalogs.submissions(load_catalog(assignment, notebook))
    results = grade_submissions(subs, COURSE)
    return {student: result for (student, _), result in results.items()}


@pytest.fixture(scope="session")
def hostile(tmp_path_factory):
    """Hostile submissions graded beside an honest one (tests/hostile.py), once for the session."""
    from .hostile import grade_batch
    return grade_batch(tmp_path_factory.mktemp("hostile"))
