"""The course at a glance, generated from ``source/``: every notebook, its exercises and its graded tests.

``python -m grader docs`` writes it to ``docs/course.md``; a test checks that the
committed page equals a fresh generation, so the table never drifts from the
notebooks it describes.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from ..grading.course import Course

PAGE = Path("docs") / "course.md"
HEADER = """# The course (generated)

Generated from `source/` by `python -m grader docs`; do not edit by hand
(`tests/test_docs.py` fails when this page and the notebooks disagree).
Each test cell is named by the heading above it in the notebook, with its points.

| assignment | notebook | exercises (answer cells) | graded tests (points) |
|---|---|---|---|
"""


def _heading(source: str) -> str:
    """A markdown cell's first heading, without '#' marks, the points in brackets or math dollars."""
    for line in source.splitlines():
        if line.startswith("#"):
            text = re.sub(r"\s*\(\d+(\.\d+)? puntos?\)", "", line.lstrip("#").strip())
            return text.replace("$", "").replace("|", "\\|")
    return ""


def notebook_row(assignment: str, path: Path) -> str:
    nb = nbformat.read(str(path), as_version=4)
    title, answers, tests, heading = "", [], [], ""
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown":
            heading = _heading(cell.source) or heading
            title = title or heading
        elif meta.get("solution"):
            answers.append(f"`{meta['grade_id']}`")
        elif meta.get("grade"):
            points = meta.get("points", 0)
            tests.append(f"{heading or meta['grade_id']} ({points:g})")
    total = sum(float(c.metadata.nbgrader.get("points", 0)) for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade"))
    return (f"| {assignment} | `{path.stem}`: {title} | {', '.join(answers)} | "
            f"{'; '.join(tests)} — **{total:g} points** |")


def render(course: Path) -> str:
    layout = Course.at(course)
    rows = [notebook_row(a, p) for a in layout.assignments() for p in sorted(layout.source(a).glob("*.ipynb"))]
    return HEADER + "\n".join(rows) + "\n"


def write(course: Path) -> Path:
    path = Path(course) / PAGE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(course), encoding="utf-8")
    return path


__all__ = ["PAGE", "render", "write"]
