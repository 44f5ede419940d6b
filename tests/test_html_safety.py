"""Issue 17.3: HTML a student wrote never becomes active, and every formula of the course still renders.

Formgrader renders a submission with nbconvert's HTMLExporter in the instructor's Jupyter origin,
and the feedback page with the course's template; ``nbgrader_config.py`` makes both sanitize, with
one allow-list (grader/grading/safe_html.py) applied after markdown is rendered. Rendering only, no kernel.
"""

from __future__ import annotations

import functools
import html
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from grader.grading.preprocessors import DropActiveOutputs

from .course_data import COURSE

PLANTED = ('<script>window.pwned = 1</script><img src="http://127.0.0.1:9/x" onerror="window.pwned = 2">'
           '<iframe src="http://127.0.0.1:9/f"></iframe><a href="javascript:alert(1)">enlace</a>')
FORMULA = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.S)
SOURCES = sorted(COURSE.glob("source/*/*.ipynb"))


@functools.lru_cache(maxsize=None)
def formgrader_exporter(course=COURSE):
    """The exporter formgrader's server extension builds, with the config it reads in the course root."""
    import contextlib

    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader.formgrader import FormgradeExtension
    with contextlib.chdir(course):
        extension = FormgradeExtension()
        extension.root_dir = str(course)
        extension.initialize([])
    exporter = HTMLExporter(config=extension.config)      # as FormgradeExtension.init_tornado_settings
    assert exporter.sanitize_html and exporter.template_name == "formgrade"
    return exporter


def formgrader_page(nb, course=COURSE) -> str:
    resources = {"assignment_id": "a", "notebook_id": "n", "submission_id": "s", "index": 0, "total": 1,
                 "base_url": "", "student": "ana", "last_name": "", "first_name": "", "notebook_path": "n.ipynb"}
    page, _ = formgrader_exporter(course).from_notebook_node(nb, resources=resources)
    return page


def active(page: str) -> list[str]:
    """What of the planted HTML survived as markup (text that only shows it is harmless)."""
    return [m for m in ("<script>window.pwned", "<img src=\"http", "onerror=", "<iframe", "javascript:")
            if m in page]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_every_formula_of_the_course_survives_formgraders_sanitized_page(path):
    nb = nbformat.read(path, as_version=4)
    formulas = [m.group() for c in nb.cells if c.cell_type == "markdown" for m in FORMULA.finditer(c.source)]
    text = html.unescape(re.sub(r"<[^>]+>", "", formgrader_page(nb)))
    assert formulas and [f for f in formulas if f not in text] == []


def test_planted_html_in_markdown_and_outputs_is_inert_in_formgrader():
    nb = new_notebook(cells=[
        new_markdown_cell(f"## Título {PLANTED}\n\nTexto con $a < b$ y `<b>código</b>`."),
        new_code_cell("x", outputs=[new_output("display_data", data={"text/html": PLANTED, "text/plain": "x"}),
                                    new_output("display_data", data={"application/javascript": "window.pwned = 3",
                                                                     "image/svg+xml": f"<svg>{PLANTED}</svg>"})]),
    ])
    page = formgrader_page(nb)
    assert active(page) == [] and "window.pwned = 3" not in page
    text = html.unescape(page)
    assert "Título" in text and "$a < b$" in text and "<b>código</b>" in text


def test_drop_active_outputs_keeps_only_plain_text_and_images_outside_test_cells():
    verdict = new_output("error", ename="CheckFailed", evalue="Valores incorrectos.", traceback=[])
    test = new_code_cell("grader.check_forward(C, 'c')", outputs=[verdict])
    test.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "t", "points": 1}
    nb = new_notebook(cells=[
        new_code_cell("x", outputs=[new_output("display_data", data={"text/html": PLANTED, "text/plain": "<HTML>"}),
                                    new_output("display_data", data={"application/javascript": "1"}),
                                    new_output("stream", name="stdout", text="hola\n")]),
        test])
    nb, _ = DropActiveOutputs().preprocess(nb, {})
    outputs = nb.cells[0].outputs
    assert [o.output_type for o in outputs] == ["display_data", "stream"]
    assert dict(outputs[0].data) == {"text/plain": "<HTML>"}
    assert nb.cells[1].outputs == [verdict]
