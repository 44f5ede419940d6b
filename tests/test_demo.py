"""The README's main job, end to end on a copy of the course: `python -m grader demo`."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys

import pytest

from .course_data import COURSE
from .demo_course import run_demo

pytestmark = pytest.mark.slow   # grades notebooks, starts kernels or browsers


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    return run_demo(tmp_path_factory)


def score_table(stdout: str) -> dict:
    """{student: score text} for the sigmoid column of the printed table."""
    lines = stdout.splitlines()
    header = next(line for line in lines if line.startswith("student"))
    start = header.index("05-activaciones/sigmoide")
    students = {"ana", "beto", "carla", "dario", "elena"}
    return {line.split()[0]: line[start:].split("  ")[0].strip() for line in lines
            if line.split() and line.split()[0] in students}


def test_demo_succeeds_and_prints_the_table(demo_run):
    course, proc = demo_run
    assert proc.returncode == 0, proc.stdout + proc.stderr
    table = score_table(proc.stdout)
    assert table["ana"] == "6/6"
    assert table["carla"] == "0/6"          # untouched release
    assert table["dario"] == "0/6"          # `assert True` test cells were restored
    beto = float(table["beto"].split("/")[0])
    assert 0 < beto < 6                      # typical mistakes: partial credit
    assert table["elena"] == "not graded"
    assert "Reported: elena" in proc.stdout and "NotJSONError" in proc.stdout


def test_demo_writes_feedback_and_grades_csv(demo_run):
    course, _ = demo_run
    for student in ("ana", "beto", "carla", "dario"):
        assert (course / "feedback" / student / "05-activaciones" / "sigmoide.html").is_file()
    rows = list(csv.DictReader(open(course / "exports" / "grades.csv", encoding="utf-8")))
    scores = {r["student_id"]: float(r["score"]) for r in rows if r["assignment"] == "05-activaciones"}
    assert scores["ana"] == 6.0 and scores["carla"] == 0.0


def test_demo_regenerates_release_byte_for_byte(demo_run):
    course, proc = demo_run
    committed = list((COURSE / "release").rglob("*.ipynb"))
    assert committed
    for path in committed:
        regenerated = course / "release" / path.relative_to(COURSE / "release")
        assert regenerated.read_bytes() == path.read_bytes(), f"the demo's release differs: {regenerated}"
    assert "out of date" not in proc.stdout


def test_demo_never_touches_the_real_course(demo_run):
    """Issue 19 #1: the demo class used to enter the course's own gradebook, submitted/ and export."""
    course, _ = demo_run
    real = course.parents[1]                     # demo/curso/ inside the copy of the course
    assert course == real / "demo" / "curso"
    assert not (real / "gradebook.db").exists()
    for folder in ("submitted", "autograded", "feedback", "exports", "reports"):
        assert not (real / folder).exists(), folder
    for path in (COURSE / "release").rglob("*.ipynb"):       # the real release/ is untouched
        assert (real / "release" / path.relative_to(COURSE / "release")).read_bytes() == path.read_bytes()


def test_demo_reset_removes_what_it_added(demo_run, tmp_path):
    course, _ = demo_run
    real = tmp_path / "curso"
    shutil.copytree(course.parents[1], real, ignore=shutil.ignore_patterns("curso"))
    shutil.copytree(course, real / "demo" / "curso")
    # What an earlier demo (before the scratch course) left in the course itself: a student, files, gradebook.
    shutil.copytree(course / "submitted" / "ana", real / "submitted" / "ana")
    shutil.copy(course / "gradebook.db", real / "gradebook.db")
    proc = subprocess.run([sys.executable, "-m", "grader", "--course", str(real), "demo", "--reset"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert not (real / "demo" / "curso").exists()
    assert not (real / "submitted" / "ana").exists()
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{real / 'gradebook.db'}") as gb:
        assert not {s.id for s in gb.students} & {"ana", "beto", "carla", "dario", "elena"}
    assert "removed demo/curso/" in proc.stdout and "demo student ana" in proc.stdout


def test_demo_writes_the_summary_and_says_where_everything_is(demo_run):
    course, proc = demo_run
    text = (course / "reports" / "summary.md").read_text(encoding="utf-8")
    # ana passes everything, beto only forward, dario (restored tests) nothing; carla handed in the
    # release untouched: counted apart, not as failing every test (issue 19 #9).
    assert "| sigmoide | `test_sigmoid_forward` | 2 | 2 / 3 | 67 % | 0 |" in text
    assert "| sigmoide | `test_sigmoid_backward` | 2 | 1 / 3 | 33 % | 0 | El gradiente no coincide con PyTorch. (2)" in text
    assert "- 05-activaciones/sigmoide: 1 student(s)" in text
    assert "- dario / 05-activaciones: sigmoide: test cells edited by the student, restored" in text
    assert "- elena / 05-activaciones: not graded (sigmoide): NotJSONError" in text
    assert "| elu |" not in text                       # nobody handed in elu: no row of zeros
    png = course / "reports" / "summary.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Summary plot: demo/curso/reports/summary.png" in proc.stdout
    assert "    demo/curso/feedback/beto/05-activaciones/sigmoide.html" in proc.stdout
