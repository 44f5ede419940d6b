"""Shared fixtures: the course root, and notebooks graded in one batch through the grading path."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import catalog as catalogs
from grader.submissions import Submission
from grader.variants import grade_submissions

COURSE = Path(__file__).resolve().parents[1]
CATALOGS = Path(__file__).resolve().parent / "catalog"


@pytest.fixture(scope="session")
def course() -> Path:
    return COURSE


def load_catalog(assignment: str, notebook: str) -> catalogs.Catalog:
    return catalogs.load(CATALOGS / assignment / f"{notebook}.toml")


def grade_notebook_batch(assignment: str, notebook: str, extra: list[Submission] = ()) -> tuple:
    """Grade the solution, the untouched release, every catalog entry and ``extra`` in one batch."""
    catalog = load_catalog(assignment, notebook)
    subs = [Submission("solution", assignment, notebook, from_solutions=True),
            Submission("release", assignment, notebook)]
    subs += catalogs.submissions(catalog) + list(extra)
    results = grade_submissions(subs, COURSE)
    return catalog, {student: result for (student, _), result in results.items()}
