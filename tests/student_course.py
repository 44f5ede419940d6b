"""A small released course, and the reference answers, for the tests of the student's side.

The course (nbgrader_config.py + one notebook of source/, released) is generated once per test
session and copied for each test module, so that two modules do not pay nbgrader twice.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import nbformat

from grader.grading import pipeline
from grader.authoring.submissions import SOLUTION_MARKERS, grade_id

COURSE = Path(__file__).resolve().parents[1]
ASSIGNMENT, NOTEBOOK = "05-activaciones", "sigmoide"


@functools.lru_cache(maxsize=None)
def _released(assignment: str, notebook: str) -> Path:
    course = Path(tempfile.mkdtemp(prefix="student-course-")) / "course"
    atexit.register(shutil.rmtree, course.parent, ignore_errors=True)
    (course / "source" / assignment).mkdir(parents=True)
    shutil.copy2(COURSE / "nbgrader_config.py", course)
    shutil.copy2(COURSE / "source" / assignment / f"{notebook}.ipynb", course / "source" / assignment)
    pipeline.release(course, assignment)
    return course


def released_course(dest: Path, assignment: str = ASSIGNMENT, notebook: str = NOTEBOOK) -> Path:
    """dest/course: a course root whose only assignment has one notebook, released (gradebook too)."""
    return Path(shutil.copytree(_released(assignment, notebook), dest / "course"))


def reference_answers(assignment: str = ASSIGNMENT, notebook: str = NOTEBOOK) -> dict[str, str]:
    """{grade_id: source} of every answer cell of solutions/, as a student would type it."""
    nb = nbformat.read(COURSE / "solutions" / assignment / f"{notebook}.ipynb", as_version=4)
    return {grade_id(c): SOLUTION_MARKERS.sub("", c.source) for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def answered(release_notebook: Path, answers: dict[str, str]) -> str:
    """The text of a release notebook with its answer cells replaced."""
    nb = nbformat.read(release_notebook, as_version=4)
    for cell in nb.cells:
        if grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return nbformat.writes(nb)
