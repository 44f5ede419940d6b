"""Spanish spelling gate over everything a student reads: markdown cells, check messages, stubs."""

from __future__ import annotations

import re
import shutil

import pytest

from grader.checks import messages

from .course_data import COURSE
from grader.authoring import spelling

WORDLISTS = COURSE / spelling.WORDLISTS


def misspelled(text: str) -> list[str]:
    return spelling.misspelled(text, WORDLISTS)



def test_hunspell_is_installed():
    # Not a skip: without hunspell the gate would silently pass. ./run installs it.
    assert shutil.which("hunspell"), "hunspell missing: apt-get install hunspell hunspell-es"


markdown_of = spelling.markdown_of


@pytest.mark.parametrize("notebook", sorted((COURSE / "source").glob("*/*.ipynb")), ids=lambda p: p.stem)
def test_notebook_prose_is_spelled_correctly(notebook):
    assert misspelled(markdown_of(notebook)) == []


def _message_tables() -> dict:
    """Every table of student text in the messages module (new ones are read without changing this test)."""
    return {name: table for name, table in vars(messages).items()
            if name.isupper() and isinstance(table, dict) and all(isinstance(v, str) for v in table.values())}


def test_check_messages_are_spelled_correctly():
    tables = _message_tables()
    assert {"KIND", "TEXT", "HIDDEN", "CASE", "WORDS", "PASSED", "DIAGNOSIS"} <= set(tables)
    assert misspelled("\n".join(v for table in tables.values() for v in table.values())) == []


def test_answer_stubs_are_spelled_correctly():
    config = _nbgrader_config()
    comment = config.ClearSolutions.code_stub["python"].splitlines()[0]
    assert comment == "# ESCRIBE TU CÓDIGO AQUÍ"
    assert misspelled(comment + "\n" + config.ClearSolutions.text_stub) == []


def _nbgrader_config():
    from traitlets.config import Config
    config = Config()
    exec((COURSE / "nbgrader_config.py").read_text(encoding="utf-8"), {"get_config": lambda: config})
    return config


def test_feedback_page_is_spelled_correctly():
    from grader.grading.preprocessors import FEEDBACK_TEMPLATE, FEEDBACK_TEMPLATE_DIR
    template = (FEEDBACK_TEMPLATE_DIR / FEEDBACK_TEMPLATE / "index.html.j2").read_text(encoding="utf-8")
    for pattern in (r"\{#.*?#\}", r"<style>.*?</style>", r"\{%.*?%\}", r"\{\{.*?\}\}", r"<[^>]+>"):
        template = re.sub(pattern, " ", template, flags=re.S)
    # Jinja string literals made only of words ('Tu respuesta', 'puntos') are text a student reads too;
    # CSS classes, the Jinja keywords caught between two literals and the CSP's 'none' are not.
    source = re.sub(r"\{#.*?#\}", " ", (FEEDBACK_TEMPLATE_DIR / FEEDBACK_TEMPLATE / "index.html.j2")
                    .read_text(encoding="utf-8"), flags=re.S)
    literals = [w.strip() for w in re.findall(r"'([^']*)'", source)
                if re.fullmatch(r"[A-Za-zÁÉÍÓÚÑáéíóúñ ]+", w.strip()) and w.strip() not in {"ok", "mal", "else", "none"}]
    notice = _nbgrader_config().OverwriteCells.missing_cell_notification
    assert "Puntuación" in template and "Tu respuesta" in literals
    assert misspelled("\n".join([template, *literals, notice, *messages.FEEDBACK.values(),
                                  *messages.NOTICE.values()])) == []


def test_the_student_guide_is_spelled_correctly():
    guide = (COURSE / "docs" / "estudiantes.md").read_text(encoding="utf-8")
    guide = re.sub(r"\]\([^)]*\)", "]", guide)      # link targets (the screenshot's path)
    assert "Preparar el entorno" in guide and misspelled(guide) == []


def test_the_gate_can_fail():
    assert misspelled("La funsion sigmoide devuelbe valores entre cero y uno.") == ["devuelbe", "funsion"]
    assert misspelled("Cálculo del $\\sigma'(x)$ con `np.exp` y {placeholder}.") == []
