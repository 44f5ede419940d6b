"""Late work with nbgrader's own parts: the due date, a per-submission ``extension``, the penalty plugin.

The policy is ``c.LateSubmissionPlugin.penalty_method`` in ``nbgrader_config.py``;
whether a submission is late is nbgrader's ``SubmittedAssignment.total_seconds_late``
(its timestamp against the due date plus its extension). The timestamp comes from
``timestamp.txt`` written by nbgrader's ``collect`` (a hub) — never from inside a
student's files. Dates are shown in the course's zone (``Course.local``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from .course import Course


def set_extension(course_root: Path, assignment: str, student: str, hours: float) -> str:
    """Give ``student`` ``hours`` more for ``assignment`` (before or after grading); returns a summary line.

    A regrade (``grade --student``) applies the new due date to the penalty.
    """
    from nbgrader.api import Gradebook
    course = Course.at(course_root)
    with Gradebook(course.db_url) as gb:
        found = gb.find_assignment(assignment)     # MissingEntry: release it first
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(assignment, student)
        submission.extension = timedelta(hours=hours)
        gb.db.commit()
        due = found.duedate
        return (f"{student} / {assignment}: extension {hours:g} h; due "
                f"{course.local(due + submission.extension) if due else '(no due date set)'}")


def late_flag_disagreements(course_root: Path, assignment: str, placed: list[dict]) -> list[str]:
    """LMS late flags (Canvas ``_LATE_``) that disagree with the course's own due date, for the instructor.

    The LMS flag changes no grade: nbgrader's due date, extension and timestamp decide.
    """
    from nbgrader.api import Gradebook, MissingEntry
    course = Course.at(course_root)
    flagged = {p["student"] for p in placed if p.get("late")}
    students = {p["student"] for p in placed}
    out = []
    if not course.has_gradebook():
        return [f"{s}: the LMS marks the submission late; the course has no gradebook yet" for s in sorted(flagged)]
    with Gradebook(course.db_url) as gb:
        try:
            due = gb.find_assignment(assignment).duedate
        except MissingEntry:
            due = None
        for student in sorted(students):
            timestamp = course.coursedir.get_existing_timestamp(str(course.submitted(student, assignment)))
            try:
                extension = gb.find_submission(assignment, student).extension or timedelta(0)
            except MissingEntry:
                extension = timedelta(0)
            if timestamp is not None:
                timestamp = timestamp.replace(tzinfo=None)
            late_here = bool(due and timestamp and timestamp > due + extension)
            if (student in flagged) != late_here:
                lms = "late" if student in flagged else "on time"
                ours = ("late" if late_here else "on time" if timestamp else "without a submission time")
                out.append(f"{student}: the LMS marks the submission {lms}, the course counts it {ours} "
                           f"(due {course.local(due + extension) if due else 'not set'}); grades follow the course")
    return out


__all__ = ["late_flag_disagreements", "set_extension"]
