"""The README's main job, end to end on a copy of the course: `python -m grader demo`."""

from __future__ import annotations

import csv

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


def test_demo_leaves_generated_folders_as_committed(demo_run):
    course, _ = demo_run
    for folder in ("release", "solutions"):
        for committed in (COURSE / folder).rglob("*.ipynb"):
            regenerated = course / folder / committed.relative_to(COURSE / folder)
            assert regenerated.read_bytes() == committed.read_bytes(), f"demo changed {regenerated}"


def test_demo_writes_the_summary_and_says_where_everything_is(demo_run):
    course, proc = demo_run
    text = (course / "reports" / "summary.md").read_text(encoding="utf-8")
    # ana passes everything, beto only forward, carla (untouched) and dario (restored tests) nothing.
    assert "| sigmoide | `test_sigmoid_forward` | 2 | 2 / 4 | 50 % |" in text
    assert "| sigmoide | `test_sigmoid_backward` | 2 | 1 / 4 | 25 % | El gradiente no coincide con PyTorch. (2)" in text
    assert "- elena / 05-activaciones: not graded (sigmoide): NotJSONError" in text
    assert "| elu |" not in text                       # nobody handed in elu: no row of zeros
    png = course / "reports" / "summary.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Summary plot: reports/summary.png" in proc.stdout
    assert "    feedback/beto/05-activaciones/sigmoide.html" in proc.stdout
