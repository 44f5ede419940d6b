"""The course under test as data: its root, notebooks, catalogs and reference submissions.

Helpers live here, not in conftest.py, so that test modules import them from a
module of their own; conftest.py only holds the shared, session-scoped fixtures.
"""

from __future__ import annotations

import os
from pathlib import Path

from grader.authoring import catalog as catalogs
from grader.authoring.submissions import Submission, grade_id

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
