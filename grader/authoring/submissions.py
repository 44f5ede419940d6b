"""Write a submission the way a student would: the release notebook with some cells changed.

Used by the demo class and by the variant harness, so a graded variant is
exactly a file a student could have handed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..grading.course import Course

SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)
HIDDEN_BLOCK = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?",
                          re.MULTILINE | re.DOTALL)


@dataclass
class Submission:
    """One student's notebook: which release notebook, and the cells they changed (by grade_id)."""
    student: str
    assignment: str
    notebook: str                      # file stem, e.g. "sigmoide"
    cells: dict = field(default_factory=dict)   # grade_id -> new source
    from_solutions: bool = False       # fill every answer cell with the reference solution
    raw: str | None = None             # exact file content instead (e.g. broken JSON)


def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def solution_answers(course: Path, assignment: str, notebook: str) -> dict:
    """The reference answer of every answer cell, markers removed, as a student would type it."""
    nb = nbformat.read(Course.at(course).source(assignment) / f"{notebook}.ipynb", as_version=4)
    return {grade_id(c): SOLUTION_MARKERS.sub("", c.source) for c in nb.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("solution")}


def build(course: Path, submission: Submission) -> str:
    """The submitted file's text."""
    if submission.raw is not None:
        return submission.raw
    nb = nbformat.read(Course.at(course).release(submission.assignment) / f"{submission.notebook}.ipynb",
                       as_version=4)
    changes = dict(solution_answers(course, submission.assignment, submission.notebook)
                   if submission.from_solutions else {})
    changes.update(submission.cells)
    known = {grade_id(c) for c in nb.cells}
    unknown = set(changes) - known
    if unknown:
        raise ValueError(f"{submission.notebook}: no cell with grade_id {sorted(unknown)}")
    for cell in nb.cells:
        if grade_id(cell) in changes:
            cell.source = changes[grade_id(cell)]
    return nbformat.writes(nb)


def write(course: Path, submission: Submission) -> Path:
    """Place the submission where nbgrader's autograde looks for it."""
    folder = Course.at(course).submitted(submission.student, submission.assignment)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{submission.notebook}.ipynb"
    path.write_text(build(course, submission), encoding="utf-8")
    return path
