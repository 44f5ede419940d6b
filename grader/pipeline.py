"""The instructor's pipeline: release, solutions, grade, feedback, export — on real nbgrader.

``grade`` is "the grading path" that later issues refer to: every way the
course grades (the CLI, the demo, the variant harness) goes through it.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .nbgrader_cli import NbgraderError, assignments, nbgrader  # noqa: F401 (re-exported)


@dataclass
class GradeReport:
    """What happened to each submission of one assignment."""
    assignment: str
    graded: list = field(default_factory=list)
    failed: dict = field(default_factory=dict)   # student -> reason (English, for the instructor)

    def save(self, course: Path) -> Path:
        """reports/<assignment>.json: instructor-only, never shown to students."""
        path = course / "reports" / f"{self.assignment}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path


def load_report(course: Path, assignment: str) -> GradeReport:
    """The report the last ``grade`` of ``assignment`` saved (empty if it was never graded)."""
    path = course / "reports" / f"{assignment}.json"
    if not path.exists():
        return GradeReport(assignment)
    return GradeReport(**json.loads(path.read_text(encoding="utf-8")))


def release(course: Path, only: str | None = None) -> None:
    """source/ -> release/ (student stubs) and the gradebook's copy of every locked cell."""
    for assignment in ([only] if only else assignments(course)):
        nbgrader(course, "generate_assignment", assignment, "--force")


def solutions(course: Path, only: str | None = None) -> None:
    """source/ -> solutions/ (executed, with answers and hidden tests)."""
    for assignment in ([only] if only else assignments(course)):
        nbgrader(course, "generate_solution", assignment, "--force")


def submitted_students(course: Path, assignment: str) -> list[str]:
    root = course / "submitted"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / assignment).is_dir())


def _graded_notebooks(course: Path, assignment: str, student: str) -> set[str]:
    folder = course / "autograded" / student / assignment
    return {p.stem for p in folder.glob("*.ipynb")} if folder.is_dir() else set()


def _submitted_notebooks(course: Path, assignment: str, student: str) -> set[str]:
    return {p.stem for p in (course / "submitted" / student / assignment).glob("*.ipynb")}


def _failure_reason(log: str) -> str:
    """The exception nbgrader's log ends with (e.g. NotJSONError: ...), or its last error line."""
    lines = [ln.strip() for ln in log.splitlines()]
    exceptions = [ln for ln in lines if re.match(r"^[\w.]+(Error|Exception|Exit)\b.*:", ln)]
    errors = [ln for ln in lines if "ERROR" in ln]
    return (exceptions or errors or ["nbgrader did not grade it"])[-1][:400]


def grade(course: Path, assignment: str) -> GradeReport:
    """Autograde every submission of ``assignment``; one broken submission never stops the others.

    All submissions are graded in one nbgrader run (its start-up is paid once);
    any submission that run left ungraded is retried alone so that its own log
    gives the reason it is reported with.
    """
    report = _grade(course, assignment)
    report.save(course)
    return report


def _grade(course: Path, assignment: str) -> GradeReport:
    report = GradeReport(assignment)
    students = submitted_students(course, assignment)
    if not students:
        return report
    nbgrader(course, "autograde", assignment, "--create", "--force", check=False)
    for student in students:
        # What this student handed in must come out graded (a notebook not handed in scores 0).
        expected = _submitted_notebooks(course, assignment, student)
        if _graded_notebooks(course, assignment, student) >= expected:
            report.graded.append(student)
            continue
        proc = nbgrader(course, "autograde", assignment, "--create", "--force",
                        f"--student={student}", check=False)
        got = _graded_notebooks(course, assignment, student)
        if got >= expected:
            report.graded.append(student)
        else:
            missing = ", ".join(sorted(expected - got))
            report.failed[student] = f"not graded ({missing}): {_failure_reason(proc.stdout + proc.stderr)}"
    return report


def feedback(course: Path, assignment: str) -> None:
    """feedback/<student>/<assignment>/<notebook>.html for every graded submission."""
    nbgrader(course, "generate_feedback", assignment, "--force", check=False)


def export(course: Path, to: Path) -> Path:
    """The gradebook as a CSV (nbgrader's own exporter)."""
    to.parent.mkdir(parents=True, exist_ok=True)
    nbgrader(course, "export", f"--to={to}")
    return to


def cell_scores(course: Path, assignment: str, student: str) -> dict:
    """{notebook: {grade_id: (score, max_score)}} from the gradebook, for one submission."""
    from nbgrader.api import Gradebook, MissingEntry
    result = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return result
        for notebook in submission.notebooks:
            result[notebook.name] = {g.name: (float(g.score), float(g.max_score)) for g in notebook.grades}
    return result


def score_table(course: Path) -> list[dict]:
    """One row per (student, assignment, notebook) with total score and max score."""
    rows = []
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                for notebook in submission.notebooks:
                    rows.append({"student": submission.student.id, "assignment": assignment.name,
                                 "notebook": notebook.name, "score": float(notebook.score),
                                 "max_score": float(notebook.max_score)})
    return sorted(rows, key=lambda r: (r["student"], r["assignment"], r["notebook"]))



__all__ = ["GradeReport", "load_report", "NbgraderError", "release", "solutions", "grade", "feedback", "export",
           "cell_scores", "score_table", "submitted_students"]
