"""Issue 19 #1: `release` checks everything against the gradebook before it touches a file.

nbgrader refuses to add or remove notebooks or cells of an assignment once it has submissions, but
only after `generate_assignment --force` has deleted release/<assignment>. Here the refusal comes
first, names the ways out, and leaves release/ and the gradebook byte for byte as they were.
"""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from nbgrader.api import Gradebook

from grader import cli
from grader.grading import pipeline
from grader.grading.course import Course
from grader.grading.release import ReleaseRefused

from .course_data import COURSE

ASSIGNMENT, NOTEBOOK = "01-broadcasting", "broadcasting"


def tree_hash(folder) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A released course with one submission in the gradebook."""
    root = tmp_path_factory.mktemp("release") / "curso"
    root.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", root)
    shutil.copytree(COURSE / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    pipeline.release(root, ASSIGNMENT)
    with Gradebook(Course.at(root).db_url) as gb:
        gb.add_student("ana")
        gb.add_submission(ASSIGNMENT, "ana")
    return root


def source_nb(root):
    return root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"


def edit(root, change):
    """Apply ``change`` to the source notebook's JSON; returns a function that restores it."""
    path = source_nb(root)
    original = path.read_text(encoding="utf-8")
    nb = json.loads(original)
    change(nb)
    path.write_text(json.dumps(nb), encoding="utf-8")
    return lambda: path.write_text(original, encoding="utf-8")


def test_a_new_notebook_is_refused_before_anything_is_touched(course, capsys):
    release, db = Course.at(course).release(ASSIGNMENT), Course.at(course).db_path
    before = (tree_hash(release), db.read_bytes())
    extra = course / "source" / ASSIGNMENT / "hardtanh.ipynb"
    shutil.copy(source_nb(course), extra)
    try:
        status = cli.main(["--course", str(course), "release", ASSIGNMENT])
    finally:
        extra.unlink()
    err = capsys.readouterr().err
    assert status == 2
    assert "notebooks added: hardtanh" in err and "1 submission(s)" in err
    assert "new assignment" in err and "demo --reset" in err
    assert (tree_hash(release), db.read_bytes()) == before     # old code: release/ deleted


def test_added_and_removed_cells_are_listed_and_refused(course):
    def rename_a_test(nb):
        cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade"))
        cell["metadata"]["nbgrader"]["grade_id"] = "renamed_test"
    release = Course.at(course).release(ASSIGNMENT)
    before = tree_hash(release)
    restore = edit(course, rename_a_test)
    try:
        with pytest.raises(ReleaseRefused) as refused:
            pipeline.release(course, ASSIGNMENT, confirm=True)   # nbgrader itself forbids it: no --confirm helps
    finally:
        restore()
    assert f"{NOTEBOOK}: cells added: renamed_test" in str(refused.value)
    assert f"{NOTEBOOK}: cells removed: test_broadcasting_shape_compatible" in str(refused.value)
    assert tree_hash(release) == before


def test_changed_test_cells_need_confirm(course):
    def more_points(nb):
        cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade"))
        cell["metadata"]["nbgrader"]["points"] += 1
        cell["source"] = "".join(cell["source"]) + "\n# one more check\n"
    restore = edit(course, more_points)
    try:
        with pytest.raises(ReleaseRefused) as refused:
            pipeline.release(course, ASSIGNMENT)
        assert "--confirm" in str(refused.value) and "cells changed" in str(refused.value)
        said = []
        pipeline.release(course, ASSIGNMENT, confirm=True, say=said.append)
        assert "test_broadcasting_shape_compatible" in said[0]
        assert "# one more check" in (Course.at(course).release(ASSIGNMENT) / f"{NOTEBOOK}.ipynb").read_text()
    finally:
        restore()
        pipeline.release(course, ASSIGNMENT, confirm=True, say=lambda *_: None)


def test_a_failing_generate_puts_the_previous_release_back(course):
    release = Course.at(course).release(ASSIGNMENT)
    before = tree_hash(release)
    # Valid JSON for the plan, but nbgrader fails on it (a solution cell with no grade_id is a metadata error).
    def broken(nb):
        cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution"))
        cell["metadata"]["nbgrader"]["grade_id"] = ""
    restore = edit(course, broken)
    try:
        with pytest.raises(Exception):
            pipeline.release(course, ASSIGNMENT, confirm=True)
    finally:
        restore()
    assert tree_hash(release) == before
