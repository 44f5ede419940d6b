"""Handing in on a JupyterHub: nbgrader's filesystem exchange, end to end, with two students.

release_assignment -> each student's fetch_assignment (validate) and submit -> collect -> the
grading path -> grades in the gradebook. Everything is real nbgrader on the command line, with
the exchange in a temporary folder. Each student has a home whose Jupyter configuration is the
hub's (jupyterhub/nbgrader_config.py, with the exchange moved to the temporary folder).

Student ids: ``submit`` takes the OS user unless given ``--student``; on a hub every student is
an OS user whose name is the id. Here all of them are the user running the tests, so they give
``--student``, and ``collect`` warns that each submission's owner is not the student it claims to
be — a warning, not a failure (``ExchangeCollect.check_owner=False`` silences it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from grader.checks import messages
from grader.grading import pipeline

from .student_course import ASSIGNMENT, COURSE, NOTEBOOK, answered, reference_answers, released_course

pytestmark = pytest.mark.slow   # grades notebooks, starts kernels or browsers

COURSE_ID = "fundamentos-dl"   # c.CourseDirectory.course_id in nbgrader_config.py
STUDENTS = {"ana": "solution", "beto": "release stub"}
HUB_CONFIG = COURSE / "jupyterhub" / "nbgrader_config.py"


def nbgrader(cwd: Path, *args: str, home: Path | None = None) -> str:
    """One nbgrader command as its user would type it; returns the log (stdout + stderr)."""
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    if home is not None:   # a student's own home and Jupyter configuration (the hub's)
        env.update(HOME=str(home), JUPYTER_CONFIG_DIR=str(home / ".jupyter"))
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{log}"
    return log


def each_student(homes: dict, *args: str, per_student=lambda s: ()) -> dict:
    """The same command run by every student at once, each in their own home."""
    with ThreadPoolExecutor(len(homes)) as pool:
        runs = {s: pool.submit(nbgrader, home, *args, *per_student(s), home=home) for s, home in homes.items()}
        return {s: run.result() for s, run in runs.items()}


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    course, exchange = released_course(root), root / "exchange"
    where = [f"--Exchange.root={exchange}"]
    logs = {"release": nbgrader(course, "release_assignment", ASSIGNMENT, *where)}
    homes = {s: root / "home" / s for s in STUDENTS}
    for home in homes.values():
        (home / ".jupyter").mkdir(parents=True)
        (home / ".jupyter" / "nbgrader_config.py").write_text(
            HUB_CONFIG.read_text(encoding="utf-8") + f"\nc.Exchange.root = {str(exchange)!r}\n", encoding="utf-8")
    # What the README tells students to type (or the Assignment List's Fetch and Submit buttons).
    logs["fetch"] = each_student(homes, "fetch_assignment", ASSIGNMENT)
    ana = homes["ana"] / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    ana.write_text(answered(ana, reference_answers()), encoding="utf-8")
    # Validating a correct notebook is tested with the Validate button (test_student_browser.py).
    logs["validate"] = nbgrader(homes["beto"], "validate", f"{ASSIGNMENT}/{NOTEBOOK}.ipynb", home=homes["beto"])
    logs["submit"] = each_student(homes, "submit", ASSIGNMENT, per_student=lambda s: [f"--student={s}"])
    logs["collect"] = nbgrader(course, "collect", ASSIGNMENT, *where)
    return course, homes, logs, pipeline.grade(course, ASSIGNMENT)


def test_students_fetch_the_release_notebook(hub):
    course, homes, _, _ = hub
    release = (course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8")
    assert (homes["beto"] / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8") == release


def test_validate_tells_a_student_the_tests_fail_before_handing_in(hub):
    validate = hub[2]["validate"]
    assert "VALIDATION FAILED ON 4 CELL(S)!" in validate
    # ...and why, in Spanish, whole (the hub's configuration widens nbgrader's 90-character lines)
    why = messages.TEXT["not_implemented"].format(what="Sigmoid.forward")
    assert f"CheckFailed: {messages.KIND['not_implemented'].capitalize()}. {why}\n" in validate


def test_submissions_are_collected_under_the_given_student_ids(hub):
    course, _, logs, _ = hub
    for student in STUDENTS:
        assert f"Submitted as: {COURSE_ID} {ASSIGNMENT}" in logs["submit"][student]
        assert f"Collecting submission: {student} {ASSIGNMENT}" in logs["collect"]
        assert (course / "submitted" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb").is_file()
        # we are one OS user for all students: nbgrader only warns (see the module docstring)
        assert f"claims to be submitted by {student} but is owned by" in logs["collect"]


def test_grades_come_out_of_the_gradebook(hub):
    course, _, _, report = hub
    assert sorted(report.graded) == sorted(STUDENTS) and report.failed == {}
    scores = {row["student"]: (row["score"], row["max_score"]) for row in pipeline.score_table(course)}
    assert scores == {"ana": (6.0, 6.0), "beto": (0.0, 6.0)}
