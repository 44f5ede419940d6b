"""release/ and solutions/ are exactly what nbgrader makes from source/ today."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader.grading import pipeline

from .course_data import COURSE

pytestmark = pytest.mark.slow   # grades notebooks, starts kernels or browsers


def normalized(path: Path):
    """File content, with what legitimately changes between runs removed (execution timing)."""
    if path.suffix != ".ipynb":
        return path.read_bytes()
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("execution", None)
    return nb


def tree(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): normalized(p) for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    scratch = tmp_path_factory.mktemp("fresh")
    shutil.copy2(COURSE / "nbgrader_config.py", scratch)
    shutil.copytree(COURSE / "source", scratch / "source")
    pipeline.release(scratch)
    pipeline.solutions(scratch, release_check=False)   # release at zero: tests/test_notebooks.py
    return scratch


@pytest.mark.parametrize("folder", ["release", "solutions"])
def test_committed_folder_equals_fresh_generation(fresh, folder):
    committed, generated = tree(COURSE / folder), tree(fresh / folder)
    assert sorted(committed) == sorted(generated), f"{folder}/ has other files than a fresh generation"
    stale = [name for name in committed if committed[name] != generated[name]]
    assert not stale, f"{folder}/ is out of date for {stale}: run `python -m grader release` and `solutions`"


def test_every_assignment_is_generated():
    for assignment in pipeline.assignments(COURSE):
        for folder in ("release", "solutions"):
            assert (COURSE / folder / assignment).is_dir(), f"{folder}/{assignment} missing"


@pytest.mark.parametrize("notebook", sorted((COURSE / "source").glob("*/*.ipynb")), ids=lambda p: p.stem)
def test_source_notebooks_are_clean(notebook):
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, f"{notebook}: outputs kept"
    grade_ids = [c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"] if "nbgrader" in c["metadata"]]
    assert len(grade_ids) == len(set(grade_ids)), "duplicate grade_id"
