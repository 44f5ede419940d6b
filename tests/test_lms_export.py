"""Issue 19 #7 and #9: exports an LMS gradebook imports, read back with Python's csv under their settings.

A released 01-broadcasting with a gradebook filled through nbgrader's API (no kernels): a graded
student, a late one with a penalty, one whose notebook could not be graded, one who handed in
nothing, and one whose name a spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import shutil
from datetime import datetime, timedelta

import pytest
from nbgrader.api import Gradebook

from grader import cli
from grader.grading import pipeline, scores_table
from grader.grading.course import Course
from grader.grading.gradebook_export import CANVAS_COLUMNS, STATUS

from .course_data import COURSE

ASSIGNMENT, NOTEBOOK = "01-broadcasting", "broadcasting"
DUE = datetime(2026, 11, 1, 12, 0)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("export") / "curso"
    root.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", root)
    shutil.copytree(COURSE / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    pipeline.release(root, ASSIGNMENT)
    layout = Course.at(root)
    with Gradebook(layout.db_url) as gb:
        gb.update_or_create_assignment(ASSIGNMENT, duedate=DUE)
        people = {"ana": ("Ana", "Núñez", "ana@uni.es", DUE - timedelta(hours=1), 9.0, 0.0),
                  "beto": ("Beto", "Ruiz", "beto@uni.es", DUE + timedelta(hours=2), 7.5, 2.5),
                  "carla": ("Carla", "Gil", "carla@uni.es", DUE, None, 0.0),       # broken notebook
                  "eva": ("=HYPERLINK(\"http://x\")", "-Sánchez", "eva@uni.es", DUE, 3.0, 0.0)}
        for sid, (first, last, email, when, score, penalty) in people.items():
            gb.add_student(sid, first_name=first, last_name=last, email=email)
            gb.add_submission(ASSIGNMENT, sid, timestamp=when)
            grades = list(gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, sid).grades)
            left = score or 0.0
            for grade in grades:
                grade.auto_score = min(left, grade.max_score)
                left -= grade.auto_score
            gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, sid).late_submission_penalty = penalty
            layout.submitted(sid, ASSIGNMENT).mkdir(parents=True)
            (layout.submitted(sid, ASSIGNMENT) / f"{NOTEBOOK}.ipynb").write_text("{}")
            if score is not None:
                layout.autograded(sid, ASSIGNMENT).mkdir(parents=True)
                (layout.autograded(sid, ASSIGNMENT) / f"{NOTEBOOK}.ipynb").write_text("{}")
            gb.db.commit()
        gb.add_student("dario", first_name="Darío", last_name="Pérez", email="")   # handed in nothing
    roster = root / "roster.csv"
    roster.write_text("id,name,canvas_id,sis_user_id,username,idnumber\n"
                      "ana,Ana Núñez,101,A1,ana,1001\nbeto,Beto Ruiz,102,B2,beto,1002\n"
                      "carla,Carla Gil,103,C3,carla,1003\ndario,Darío Pérez,104,D4,dario,1004\n"
                      "eva,=1+1,105,E5,eva,1005\n", encoding="utf-8")
    return root


def read(path, delimiter, encoding):
    with open(path, encoding=encoding, newline="") as handle:
        return list(csv.reader(handle, delimiter=delimiter))


def test_spanish_spreadsheet_settings(course):
    status = cli.main(["--course", str(course), "export", "--spanish", "--roster", str(course / "roster.csv"),
                       "--moodle-key", "idnumber"])
    assert status == 0
    folder = Course.at(course).exports
    assert (folder / "canvas.csv").read_bytes().startswith(b"\xef\xbb\xbf")        # BOM
    canvas = read(folder / "canvas.csv", ";", "utf-8-sig")
    assert canvas[0] == CANVAS_COLUMNS + [ASSIGNMENT]
    assert canvas[1][0] == "Points Possible" and canvas[1][-1] == "9"
    rows = {r[2]: r for r in canvas[2:]}                                           # by SIS User ID
    assert rows["A1"] == ["Ana Núñez", "101", "A1", "ana", "", "9"]
    assert rows["B2"][-1] == "5"                     # 7,5 - 2,5 penalty: one number, the same as `scores`
    assert rows["C3"][-1] == "" and rows["D4"][-1] == ""   # not graded / not handed in: not a 0
    assert rows["E5"][0] == "'=1+1"                  # a formula in the roster is neutralised
    moodle = read(folder / "moodle.csv", ";", "utf-8-sig")
    assert moodle[0] == ["idnumber", ASSIGNMENT]
    assert ["1001", "9"] in moodle and ["1002", "5"] in moodle


def test_instructor_table_has_a_status_per_notebook(course):
    cli.main(["--course", str(course), "export", "--sep", ";", "--decimal-comma"])
    folder = Course.at(course).exports
    wide = read(folder / "notas.csv", ";", "utf-8")
    header, limits, body = wide[0], wide[1], {r[0]: dict(zip(wide[0], r)) for r in wide[2:]}
    col = f"{ASSIGNMENT}/{NOTEBOOK}"
    assert header[:3] == ["student", col, f"{col} estado"] and header[-1] == "total"
    assert limits[1] == "9"
    assert {r[f"{col} estado"] for r in body.values()} <= set(STATUS)
    assert body["ana"][f"{col} estado"] == "entregado" and body["ana"][col] == "9"
    assert body["beto"][f"{col} estado"] == "tarde" and body["beto"][f"{ASSIGNMENT} penalización"] == "2,5"
    assert body["beto"][f"{ASSIGNMENT} nota"] == "5" and body["beto"]["total"] == "5"
    assert body["carla"][f"{col} estado"] == "no calificado" and body["carla"][col] == ""
    assert body["dario"][f"{col} estado"] == "no entregado"
    assert "'-Sánchez" not in (folder / "notas.csv").read_text(encoding="utf-8")   # names are not in this table
    canvas = read(folder / "canvas.csv", ";", "utf-8")
    eva = next(r for r in canvas if r[2] == "eva")
    assert eva[0] == "'-Sánchez, =HYPERLINK(\"http://x\")"  # starts with '-': prefixed once
    # Moodle by username without a roster: the student id.
    assert ["beto", "5"] in read(folder / "moodle.csv", ";", "utf-8")


def test_scores_has_a_total_and_fits_100_columns(course):
    text = scores_table.render(course)
    assert all(len(line) <= 100 for line in text.splitlines())
    header = text.splitlines()[0].split()
    assert header[-1] == "total"
    beto = next(line for line in text.splitlines() if line.startswith("beto"))
    assert beto.split()[-1] == "5/9"        # the export's number, penalty applied
    wide = scores_table.render(course, per_notebook=True, width=40)
    assert all(len(line) <= 40 for line in wide.splitlines())
