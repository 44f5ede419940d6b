"""The demo, run once per test session on a copy of the course and shared by the tests that need it.

Grading the demo class takes minutes; ``tests/test_demo.py`` checks the run itself and
``tests/test_feedback_browser.py`` opens the feedback it wrote, so both use this one run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

from .course_data import COURSE

COPIED = ["nbgrader_config.py", "source", "release", "solutions", "demo"]
_RUN: dict = {}


def run_demo(tmp_path_factory) -> tuple:
    """(the demo's scratch course inside a course copy, completed `python -m grader demo`), made once."""
    if "run" not in _RUN:
        course = tmp_path_factory.mktemp("demo-course")
        for name in COPIED:
            src = COURSE / name
            if src.is_dir():   # not a scratch course a local demo run left in demo/curso/
                shutil.copytree(src, course / name, ignore=shutil.ignore_patterns("curso"))
            else:
                shutil.copy2(src, course / name)
        proc = subprocess.run([sys.executable, "-m", "grader", "--course", str(course), "demo"],
                              capture_output=True, text=True, timeout=900)
        _RUN["run"] = (course / "demo" / "curso", proc)   # the demo's own scratch course
    return _RUN["run"]
