"""Shared, session-scoped fixtures: every notebook's variants graded in one batch, the hostile batch.

Helpers and data about the course are in tests/course_data.py."""

from __future__ import annotations

import pytest

from grader.authoring import catalog as catalogs
from grader.authoring.batch import grade_submissions

from .course_data import COURSE, NOTEBOOKS, load_catalog, reference_submissions


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
