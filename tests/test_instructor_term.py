"""The instructor guide's commands, in order, on a scratch course (issue 19 #4, #5, #6, #9).

01-broadcasting (one notebook): release → submissions (one on time, one untouched, one late, one late
with an extension) → grade → an override through nbgrader's gradebook API (what formgrader writes) →
regrade one student → feedback for one student → export → the files read back as an LMS would.
Late policy "zero", so the late student's number must be the same 0 in scores, export and feedback.
"""

from __future__ import annotations

import csv
import shutil

import pytest
from nbgrader.api import Gradebook

from grader.authoring import submissions
from grader.authoring.submissions import Submission
from grader import cli
from grader.grading import scores_table, summary
from grader.grading.course import Course

from .course_data import COURSE

pytestmark = pytest.mark.slow   # grades notebooks

A, NB = "01-broadcasting", "broadcasting"
DUE = "2026-11-01 12:00:00 UTC"
ON_TIME, LATE = "2026-11-01 11:00:00.000000 UTC", "2026-11-01 15:00:00.000000 UTC"


def course_cmd(root, *args) -> int:
    return cli.main(["--course", str(root), *args])


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    root = tmp_path_factory.mktemp("term") / "curso"
    root.mkdir()
    config = (COURSE / "nbgrader_config.py").read_text(encoding="utf-8")
    (root / "nbgrader_config.py").write_text(
        config + '\nc.LateSubmissionPlugin.penalty_method = "zero"\n', encoding="utf-8")
    shutil.copytree(COURSE / "source" / A, root / "source" / A)
    assert course_cmd(root, "release", A) == 0
    layout = Course.at(root)
    with Gradebook(layout.db_url) as gb:
        gb.update_or_create_assignment(A, duedate=DUE)
    for student, when, solved in [("ana", ON_TIME, True), ("beto", ON_TIME, False),
                                  ("carla", LATE, True), ("dario", LATE, True)]:
        path = submissions.write(root, Submission(student, A, NB, from_solutions=solved))
        (path.parent / "timestamp.txt").write_text(when)
    # eva edits every test cell to `assert True` (restored, and noted); felipe hands in an empty folder.
    tests = [c.metadata.nbgrader["grade_id"] for c in __import__("nbformat").read(
        layout.release(A) / f"{NB}.ipynb", as_version=4).cells
        if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata.nbgrader.get("solution")]
    submissions.write(root, Submission("eva", A, NB, {t: "assert True" for t in tests}))
    layout.submitted("felipe", A).mkdir(parents=True)
    (layout.submitted("felipe", A) / "timestamp.txt").write_text(ON_TIME)
    assert course_cmd(root, "extension", A, "dario", "--hours", "24") == 0
    assert course_cmd(root, "grade", A) == 0
    return root


def total(root, student) -> float:
    with Gradebook(Course.at(root).db_url) as gb:
        sub = gb.find_submission(A, student)
        return max(0.0, float(sub.score) - float(sub.late_submission_penalty or 0))


def test_late_policy_and_extension(term):
    assert total(term, "ana") == 9
    assert total(term, "carla") == 0          # late, policy "zero"
    assert total(term, "dario") == 9          # late, but within his extension


def test_instructor_notes_in_the_report_and_summary(term):
    import json
    report = json.loads((Course.at(term).reports / f"{A}.json").read_text(encoding="utf-8"))
    eva = " ".join(report["notes"]["eva"])
    assert "test cells edited by the student, restored from the gradebook: test_broadcasting" in eva
    assert report["missing"]["felipe"] == ["broadcasting"]
    assert "late by 3.0 h" in " ".join(report["notes"]["carla"]) and "penalty 9 points" in " ".join(
        report["notes"]["carla"])
    assert "ana" not in report["notes"] and "dario" not in report["notes"]   # on time / within extension
    assert total(term, "eva") == 0
    md, _ = summary.write(term, A)
    assert "- eva / 01-broadcasting: broadcasting: test cells edited by the student" in md.read_text()
    assert "- felipe / 01-broadcasting: notebooks not handed in (0 points): broadcasting" in md.read_text()


def test_override_regrade_feedback_export(term, capsys):
    layout = Course.at(term)
    # The instructor gives beto the first test cell by hand (what formgrader writes: manual_score).
    with Gradebook(layout.db_url) as gb:
        grade = gb.find_grade("test_broadcasting_shape_compatible", NB, A, "beto")
        grade.manual_score = grade.max_score
        gb.db.commit()
    beto_graded = layout.autograded("beto", A) / f"{NB}.ipynb"
    before = beto_graded.stat().st_mtime_ns
    # ana hands in again, untouched: regrade only her.
    submissions.write(term, Submission("ana", A, NB))
    (layout.submitted("ana", A) / "timestamp.txt").write_text(ON_TIME)
    assert course_cmd(term, "grade", A, "--student", "ana") == 0
    assert total(term, "ana") == 0
    assert beto_graded.stat().st_mtime_ns == before          # the others are not regraded
    assert total(term, "beto") == 2                          # the override stays

    capsys.readouterr()
    assert course_cmd(term, "feedback", A, "--student", "beto") == 0
    out = capsys.readouterr().out
    page = layout.feedback("beto", A) / f"{NB}.html"
    assert str(page.relative_to(term)) in out and "1 feedback page(s)" in out   # it says what it wrote
    assert not layout.feedback("ana", A).exists()
    html = page.read_text(encoding="utf-8")
    assert "Puntos asignados por el profesor: 2 de 2. La corrección automática dio 0" in html

    md, _ = summary.write(term, A)
    row = next(line for line in md.read_text().splitlines() if "`test_broadcasting_shape_compatible`" in line)
    assert "| 2 / 2 |" in row and "| 1 |" in row   # passed by the checks: carla, dario; 1 overridden
    # ana (now), beto and eva handed in every answer as released: apart from the pass rates
    assert "- 01-broadcasting/broadcasting: 3 student(s)" in md.read_text()

    assert course_cmd(term, "export", "--spanish") == 0
    with open(layout.exports / "canvas.csv", encoding="utf-8-sig", newline="") as handle:
        canvas = {r["SIS User ID"]: r for r in csv.DictReader(handle, delimiter=";")}
    assert canvas["Points Possible"] if "Points Possible" in canvas else True
    assert {s: canvas[s][A] for s in ("ana", "beto", "carla", "dario")} == \
        {"ana": "0", "beto": "2", "carla": "0", "dario": "9"}
    table = scores_table.render(term)
    assert next(line for line in table.splitlines() if line.startswith("carla")).split()[-1] == "0/9"
    with open(layout.exports / "notas.csv", encoding="utf-8-sig", newline="") as handle:
        wide = {r["student"]: r for r in csv.DictReader(handle, delimiter=";")}
    assert wide["carla"][f"{A}/{NB} estado"] == "tarde" and wide["carla"][f"{A} nota"] == "0"
    assert wide["carla"][f"{A} penalización"] == "9"
    assert wide["dario"][f"{A}/{NB} estado"] == "entregado"
