"""Is a notebook's grading sound? The reference solution gets full marks, the unanswered release zero.

``generate_solution`` executes the reference notebooks but does not judge them:
a reference that fails its own tests (an unknown PyTorch reference, a typo in
a check) went unnoticed until a student's grade showed it. Each test cell is
scored here the way nbgrader scores it (``nbgrader.utils.determine_grade``):
in the executed ``solutions/`` notebook, and in the source with its answers
replaced by the stubs (the release a student gets, hidden tests included)
executed on the author's machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from .course import Course
from .runs import is_test_cell


@dataclass
class Problem:
    notebook: str        # assignment/notebook
    cell: str            # grade_id
    version: str         # "solution" or "release"
    score: float
    max_score: float
    why: str

    def __str__(self) -> str:
        want = f"{self.max_score:g}" if self.version == "solution" else "0"
        return (f"{self.notebook}: cell {self.cell}: the {self.version} scores {self.score:g}/{self.max_score:g}"
                f" (must be {want}){': ' + self.why if self.why else ''}")


def _why(cell) -> str:
    """The first line an author needs: the error, or what went to stderr."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return f"{out.get('ename')}: {out.get('evalue')}"[:300]
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            return "stderr: " + "".join(out.get("text", "")).strip()[:300]
    return ""


def _scores(nb):
    from nbgrader.utils import determine_grade
    for cell in nb.cells:
        if is_test_cell(cell):
            score, max_score = determine_grade(cell)
            yield cell.metadata.nbgrader["grade_id"], float(score or 0), float(max_score), cell


def check_solution(course: Course, assignment: str, notebook: str) -> list[Problem]:
    """Every test cell of the executed ``solutions/`` notebook at full marks."""
    path = course.solutions(assignment) / f"{notebook}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    return [Problem(f"{assignment}/{notebook}", gid, "solution", s, m, _why(cell))
            for gid, s, m, cell in _scores(nb) if s < m]


def check_release(course: Course, assignment: str, notebook: str) -> list[Problem]:
    """Every test cell of the unanswered notebook (stubs, hidden tests kept) at zero, executed here."""
    from nbgrader.preprocessors import ClearOutput, ClearSolutions, Execute, LockCells
    source = course.source(assignment)
    nb = nbformat.read(str(source / f"{notebook}.ipynb"), as_version=4)
    resources = {"nbgrader": {"notebook": notebook, "assignment": assignment},
                 "metadata": {"path": str(source), "name": notebook}}
    for step in (LockCells(config=course.config), ClearSolutions(config=course.config),
                 ClearOutput(config=course.config), Execute(config=course.config)):
        nb, resources = step.preprocess(nb, resources)
    return [Problem(f"{assignment}/{notebook}", gid, "release", s, m, "an unanswered notebook must score 0")
            for gid, s, m, _ in _scores(nb) if s > 0]


def check(course_root: Path, assignment: str, notebooks: list[str] | None = None) -> list[Problem]:
    """Both checks for the assignment's notebooks (default: all of them); [] when sound."""
    course = Course.at(course_root)
    names = notebooks or sorted(p.stem for p in course.source(assignment).glob("*.ipynb"))
    problems = []
    for name in names:
        problems += check_solution(course, assignment, name)
        problems += check_release(course, assignment, name)
    return problems


__all__ = ["Problem", "check", "check_release", "check_solution"]
