"""The course's folders and gradebook come from nbgrader_config.py alone (nbgrader's CourseDirectory).

An instructor who renames ``submitted``, ``autograded``, ``feedback`` or the
gradebook in the config must get a course that still grades end to end, with
nothing written where the defaults would have put it.
"""

from __future__ import annotations

import shutil

import pytest

from grader.grading import pipeline, summary
from grader.authoring import submissions
from grader.grading.course import Course
from grader.authoring.submissions import Submission

from .course_data import COURSE

ASSIGNMENT, NOTEBOOK = "01-broadcasting", "broadcasting"
MOVED = '''
c.CourseDirectory.submitted_directory = "entregas"
c.CourseDirectory.autograded_directory = "corregidas"
c.CourseDirectory.feedback_directory = "retroalimentacion"
c.CourseDirectory.db_url = "sqlite:///datos/libro-de-notas.db"
'''
DEFAULTS = ["submitted", "autograded", "feedback", "gradebook.db"]


def moved_course(root):
    root.mkdir(parents=True, exist_ok=True)
    text = (COURSE / "nbgrader_config.py").read_text(encoding="utf-8")
    (root / "nbgrader_config.py").write_text(text + MOVED, encoding="utf-8")
    (root / "datos").mkdir()
    shutil.copytree(COURSE / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    return root


def test_the_layout_is_read_from_the_config(tmp_path):
    course = Course.at(moved_course(tmp_path / "curso"))
    root = course.root
    assert course.submitted("ana", ASSIGNMENT) == root / "entregas" / "ana" / ASSIGNMENT
    assert course.autograded("ana", ASSIGNMENT) == root / "corregidas" / "ana" / ASSIGNMENT
    assert course.feedback("ana", ASSIGNMENT) == root / "retroalimentacion" / "ana" / ASSIGNMENT
    assert course.release(ASSIGNMENT) == root / "release" / ASSIGNMENT
    assert course.db_path == root / "datos" / "libro-de-notas.db"
    assert course.assignments() == [ASSIGNMENT]
    assert course.zip_collect(ASSIGNMENT) == root / "downloaded" / ASSIGNMENT / "archive"


@pytest.mark.slow
def test_a_course_with_moved_folders_grades_end_to_end(tmp_path):
    root = moved_course(tmp_path / "curso")
    pipeline.release(root, ASSIGNMENT)
    submissions.write(root, Submission("ana", ASSIGNMENT, NOTEBOOK, from_solutions=True))
    submissions.write(root, Submission("beto", ASSIGNMENT, NOTEBOOK))
    report = pipeline.grade(root, ASSIGNMENT)
    assert report.graded == ["ana", "beto"] and not report.failed
    pipeline.feedback(root, ASSIGNMENT)
    csv = pipeline.export(root, root / "exports" / "notas.csv")
    md, png = summary.write(root, ASSIGNMENT)

    scores = pipeline.cell_scores(root, ASSIGNMENT, "ana")[NOTEBOOK]
    assert scores and all(score == top for score, top in scores.values()), scores
    assert sum(s for s, _ in pipeline.cell_scores(root, ASSIGNMENT, "beto")[NOTEBOOK].values()) == 0
    for student in ("ana", "beto"):
        assert (root / "corregidas" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb").is_file()
        assert (root / "retroalimentacion" / student / ASSIGNMENT / f"{NOTEBOOK}.html").is_file()
    assert (root / "datos" / "libro-de-notas.db").is_file()
    assert "ana" in csv.read_text(encoding="utf-8") and md.is_file() and png.is_file()
    untouched = summary.Untouched()
    stats = summary.collect(root, ASSIGNMENT, untouched)   # read from the moved gradebook and autograded folder
    assert stats and all((cell.graded, cell.passed) == (1, 1) for cell in stats), stats
    assert untouched.notebooks == {(ASSIGNMENT, NOTEBOOK): 1}   # beto handed in the release: counted apart
    for name in DEFAULTS:
        assert not (root / name).exists(), f"{name} was written although the config moved it"
