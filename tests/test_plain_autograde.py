"""Issue 17.7: plain ``nbgrader autograde`` and formgrader's Autograde button refuse, saying what to run.

They would grade unsandboxed, with the checks in the student's kernel. The button calls
``NbGraderAPI.autograde``; both go through ``Autograde``, whose exporter the course's
``nbgrader_config.py`` sets to one that refuses before any file or gradebook entry is touched.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from grader.grading.course import load_config
from grader.grading.plain_autograde import MESSAGE

from .course_data import COURSE

ASSIGNMENT, NOTEBOOK = "05-activaciones", "sigmoide"


@pytest.fixture
def course(tmp_path):
    """A course with one submission and no gradebook: refusing must need neither kernel nor database."""
    shutil.copy2(COURSE / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    folder = tmp_path / "submitted" / "ana" / ASSIGNMENT
    folder.mkdir(parents=True)
    shutil.copy2(COURSE / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", folder)
    return tmp_path


def test_formgraders_autograde_button_refuses_with_the_command_to_use(course):
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    config = load_config(course)
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    result = api.autograde(ASSIGNMENT, "ana")
    assert result["success"] is False
    assert "python -m grader grade" in result["log"] and MESSAGE in result["log"]
    assert not (course / "autograded").exists() and not (course / "gradebook.db").exists()


def test_plain_nbgrader_autograde_refuses(course):
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT], cwd=course,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "python -m grader grade" in proc.stderr and "--AutogradeRefused.allow=True" in proc.stderr
    assert not (course / "autograded").exists()


def test_the_override_lets_plain_nbgrader_build_its_exporter():
    from traitlets.config import Config

    from grader.grading.plain_autograde import AutogradeRefused
    config = Config()
    config.AutogradeRefused.allow = True
    assert AutogradeRefused(config=config).allow
