"""The documentation stays true: generated pages are fresh, links resolve, the README stays short."""

from __future__ import annotations

import re

from grader.authoring import course_table

from .course_data import COURSE

PAGES = [COURSE / "README.md", *sorted((COURSE / "docs").glob("*.md"))]


def test_the_course_page_equals_a_fresh_generation():
    committed = (COURSE / course_table.PAGE).read_text(encoding="utf-8")
    assert committed == course_table.render(COURSE), "run `python -m grader docs` and commit docs/course.md"


def test_the_course_page_names_every_notebook_and_graded_test():
    page = course_table.render(COURSE)
    for notebook in (COURSE / "source").glob("*/*.ipynb"):
        assert f"`{notebook.stem}`" in page, notebook


def test_every_relative_link_resolves():
    broken = []
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if not re.match(r"[a-z]+://", target) and not (page.parent / target).exists():
                broken.append(f"{page.relative_to(COURSE)} -> {target}")
    assert not broken, broken


def test_the_readme_is_an_entrance_not_a_manual():
    readme = (COURSE / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    for page in ("docs/estudiantes.md", "docs/instructors.md", "docs/authoring.md", "docs/security.md",
                 "docs/contributing.md", "docs/course.md"):
        assert f"({page})" in readme, page
    assert "./run demo" in readme and "./run test" in readme and '-m "not slow"' in readme
