"""Issue 19 #6: a Canvas `_LATE_` flag that disagrees with the course's due date is reported; dates in
the course's zone. The gradebook is made with nbgrader's API (no kernels, no nbgrader commands)."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta

from nbgrader.api import Gradebook

from grader.grading import late
from grader.grading.course import Course

from .course_data import COURSE

A = "05-activaciones"


def test_lms_late_flags_that_disagree_are_reported(tmp_path):
    shutil.copy(COURSE / "nbgrader_config.py", tmp_path)
    course = Course.at(tmp_path)
    with Gradebook(course.db_url) as gb:
        gb.add_assignment(A, duedate=datetime(2026, 11, 1, 12, 0))
    for student, when in [("ana", "2026-11-01 11:00:00 UTC"), ("beto", "2026-11-01 13:00:00 UTC"),
                          ("carla", "2026-11-01 13:00:00 UTC"), ("dario", None)]:
        folder = course.submitted(student, A)
        folder.mkdir(parents=True)
        if when:
            (folder / "timestamp.txt").write_text(when)
    late.set_extension(tmp_path, A, "carla", 2)       # carla's 13:00 is within her extension
    placed = [{"student": "ana", "late": True}, {"student": "beto", "late": True},
              {"student": "carla", "late": True}, {"student": "dario", "late": False}]
    lines = late.late_flag_disagreements(tmp_path, A, placed)
    assert len(lines) == 2, lines
    assert lines[0].startswith("ana: the LMS marks the submission late, the course counts it on time")
    assert "due 2026-11-01 13:00 CET" in lines[0]              # the course's zone (Europe/Madrid)
    assert lines[1].startswith("carla: the LMS marks the submission late, the course counts it on time")
    assert "due 2026-11-01 15:00 CET" in lines[1]              # due date plus her extension


def test_extension_says_the_new_due_date(tmp_path):
    shutil.copy(COURSE / "nbgrader_config.py", tmp_path)
    with Gradebook(Course.at(tmp_path).db_url) as gb:
        gb.add_assignment(A, duedate=datetime(2026, 11, 1, 22, 59))
    line = late.set_extension(tmp_path, A, "ana", 24)
    assert line == "ana / 05-activaciones: extension 24 h; due 2026-11-02 23:59 CET"
    with Gradebook(Course.at(tmp_path).db_url) as gb:
        assert gb.find_submission(A, "ana").extension == timedelta(hours=24)
