"""The feedback page's content, without running nbgrader: outline, verdicts and the Spanish template.

A graded notebook is built by hand (scores in the metadata, as nbgrader's GetGrades leaves them)
and rendered with the course's template, so the cases the demo does not produce are covered too:
a deleted test cell put back, a cell zeroed by stderr, one waiting for a manual grade, a late
penalty, an instructor's mark scheme.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from grader.checks.messages import FEEDBACK
from grader.grading.preprocessors import (FEEDBACK_TEMPLATE, FEEDBACK_TEMPLATE_DIR, FeedbackOutline, StudentFeedback,
                                  _plain_math)


def graded(cell, grade_id, points=None, score=None, solution=False, comment=None):
    cell.metadata["nbgrader"] = {"grade_id": grade_id, "grade": points is not None, "solution": solution,
                                 "locked": not solution, "points": points, "score": score}
    if comment is not None:
        cell.metadata["nbgrader"]["comment"] = comment
    return cell


def locked(cell, grade_id):
    """A markdown cell of the course (locked, known to the gradebook), as the release has them."""
    cell.metadata["nbgrader"] = {"grade_id": grade_id, "grade": False, "solution": False, "locked": True}
    return cell


def error(message, ename="CheckFailed"):
    return new_output("error", ename=ename, evalue=message, traceback=["\x1b[31mTraceback (most recent call last)", "..."])


def notebook():
    return new_notebook(cells=[
        locked(new_markdown_cell("# La capa\n\nTeoría: $$\\sigma(x) = \\frac{1}{1 + e^{-x}}$$\n\n```python\n"
                                 "# no es un título\n```"), "md_intro"),
        new_code_cell("import numpy as np"),
        locked(new_markdown_cell("## Ejercicio: `Capa` con $\\alpha$\n\nEnunciado con $\\lambda$."), "md_ejercicio"),
        graded(new_code_cell("class Capa: ...  # ESCRIBE TU CÓDIGO AQUÍ"), "respuesta", solution=True,
               comment="No response."),
        new_code_cell("Capa()  # celda libre"),
        locked(new_markdown_cell("### Pruebas de `forward` (2 puntos)"), "md_forward"),
        new_markdown_cell("### Mi sección <script>window.pwned = 1</script>"),      # added by the student
        graded(new_code_cell("grader.check_forward(Capa, 'c')\n### BEGIN HIDDEN TESTS\n"
                             "grader.check_forward(Capa, 'c', seed=4242, hidden=True)\n### END HIDDEN TESTS",
                             outputs=[new_output("stream", name="stdout", text="Correcto: visible.\n"),
                                      error("Valores incorrectos. En una prueba oculta: difiere.")]),
               "test_forward", points=2, score=0),
        locked(new_markdown_cell("### Estabilidad (1 punto)\n\n### BEGIN MARK SCHEME\nnota del profesor\n"
                                 "### END MARK SCHEME"), "md_estable"),
        graded(new_code_cell("# Esta celda (test_estable) faltaba en tu entrega: se ha vuelto a añadir.\n\n"
                             "grader.check_stability(Capa, 'c')",
                             outputs=[new_output("stream", name="stderr", text="aviso\n")]),
               "test_estable", points=1, score=0),
        graded(new_code_cell("x = 1", outputs=[error("nada", ename="ZeroDivisionError")]), "test_excepcion",
               points=1, score=0),
        graded(new_code_cell("grader.check_forward(Capa, 'c')"), "test_manual", points=1, score=None),
        graded(new_code_cell("grader.check_forward(Capa, 'c')"), "test_bien", points=1, score=1),
        locked(new_markdown_cell("## Antes de entregar\n\nReinicia el kernel."), "md_final"),
    ])


@pytest.fixture(scope="module")
def outlined():
    nb, resources = notebook(), {}
    for step in (StudentFeedback(), FeedbackOutline()):
        nb, resources = step.preprocess(nb, resources)
    return nb, resources


def test_only_graded_work_remains_under_its_headings(outlined):
    nb, _ = outlined
    sources = [c.source for c in nb.cells]
    assert sources[:2] == ["# La capa\n## Ejercicio: `Capa` con α", "class Capa: ...  # ESCRIBE TU CÓDIGO AQUÍ"]
    assert "### Pruebas de `forward` (2 puntos)" in sources and "### Estabilidad (1 punto)" in sources
    text = "\n".join(c.source for c in nb.cells)
    for gone in ["Teoría", "import numpy", "celda libre", "Antes de entregar", "nota del profesor", "seed=4242",
                 "MARK SCHEME", "no es un título", "Mi sección", "pwned"]:    # a student's heading: never
        assert gone not in text
    assert nb.cells[1].metadata.nbgrader.comment == FEEDBACK["no_response"]


def test_every_graded_cell_gets_a_row_with_a_one_line_verdict(outlined):
    _, resources = outlined
    rows = {r["id"]: r for r in resources["feedback"]["rows"]}
    assert list(rows) == ["test_forward", "test_estable", "test_excepcion", "test_manual", "test_bien"]
    assert rows["test_forward"]["verdict"] == "Valores incorrectos."
    assert rows["test_forward"]["title"] == "Pruebas de <code>forward</code> (2 puntos)"
    assert rows["test_bien"]["title"] == "Estabilidad (1 punto)"       # the heading above several cells
    assert rows["test_estable"]["verdict"] == FEEDBACK["stderr"]
    assert rows["test_excepcion"]["verdict"] == "Error al ejecutar tu código (ZeroDivisionError)."
    assert rows["test_manual"]["verdict"] == FEEDBACK["manual"]
    assert rows["test_bien"]["passed"] and rows["test_bien"]["verdict"] == FEEDBACK["passed"]


def test_the_template_renders_it_in_spanish_with_nothing_from_the_web(outlined):
    from nbconvert import HTMLExporter
    nb, resources = outlined
    exporter = HTMLExporter(template_name=FEEDBACK_TEMPLATE, extra_template_basedirs=[str(FEEDBACK_TEMPLATE_DIR)])
    resources = dict(resources, nbgrader={"notebook": "capa", "assignment": "00-prueba", "score": 0.5,
                                          "max_score": 6.0, "late_penalty": 0.5})
    html, _ = exporter.from_notebook_node(nbformat.from_dict(nb), resources=resources)
    first = re.match(r"<(\w+)([^>]*)>", html.split("<head>", 1)[1].lstrip())     # the first element of <head>
    assert first.group(1) == "meta" and 'http-equiv="Content-Security-Policy"' in first.group(2)
    assert "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"" in first.group(2)
    assert '<html lang="es">' in html and "Puntuación: <strong>0.5 / 6</strong>" in html
    assert "Penalización por entrega tardía: −0.5 puntos" in html
    assert "Comentario del profesor" in html and FEEDBACK["no_response"] in html
    assert "Valores incorrectos. En una prueba oculta: difiere." in html
    assert "0 de 2 puntos" in html and "0 de 1 punto ·" in html and "— de 1 punto" in html
    assert "<script" not in html and "mathjax" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    for absent in ["Traceback", "https://", "Score", "Student&#39;s answer", "In&nbsp;["]:
        assert absent not in html.split("</head>")[1], absent


def test_heading_math_becomes_plain_text():
    assert _plain_math("Cuidado con $\\max(s\\,x,\\ x)$") == "Cuidado con max(s x, x)"
    assert _plain_math("De dónde salen $\\alpha$ y $\\lambda$") == "De dónde salen α y λ"
    assert _plain_math("$\\left(x\\right)$ y $x_{i}$") == "\\left(x\\right) y x_i"
