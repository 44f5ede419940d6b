"""Issue 8: scores that student code cannot forge.

The grading kernel only observes; the score comes from a clean process that
re-reads the trusted test cells. So tampering inside the kernel — a swapped
``grader``, patched NumPy, input transformers, hooks, replaced ``__code__``,
forged "Correcto" lines and observation files, lying objects, torch in a
NumPy exercise, deleted/duplicated/renamed test cells — gives a wrong answer
nothing (tests/hostile.py grades them all in one batch beside an honest one).
"""

from __future__ import annotations

import pytest

from .hostile import ASSIGNMENT, TEST_CELLS, assert_graded_with_zero

pytestmark = pytest.mark.slow   # grades notebooks, starts kernels or browsers

TAMPERING = ["swapped_grader", "patched_numpy", "input_transformer", "hooks", "replaced_code", "forged_ok",
             "always_equal", "lying_subclass", "forged_observations", "symlinked_observations", "torch_answer", "deleted_tests",
             "duplicated_tests", "renamed_tests"]
# Attacks on the check protocol itself (no observation arrives): reported to the instructor.
DETECTED = ["swapped_grader", "input_transformer", "replaced_code"]


@pytest.mark.parametrize("student", TAMPERING)
def test_tampering_with_a_wrong_answer_scores_zero(hostile, student):
    assert_graded_with_zero(hostile, student)


@pytest.mark.parametrize("student", DETECTED)
def test_tampering_with_the_checks_is_reported(hostile, student):
    notes = hostile.report.notes.get(student, [])
    assert any("observed" in note for note in notes), notes


def test_symlinked_observation_folders_are_refused_and_reported(hostile):
    """Issue 17: each check's folder was a link (via /proc/self/cwd) to the reference's observations,
    handed in beside the notebook; followed, they scored full marks. Never followed now."""
    forged = hostile.course / "submitted" / "symlinked_observations" / ASSIGNMENT / "forged"
    assert len([f for f in forged.iterdir() if (f / "meta.json").is_file()]) >= 8   # the forgery was there
    assert_graded_with_zero(hostile, "symlinked_observations")
    notes = hostile.report.notes.get("symlinked_observations", [])
    assert any("not real folders (symbolic links?)" in note for note in notes), notes


def test_the_honest_neighbour_is_unaffected(hostile):
    assert hostile.scores["honest"] == hostile.alone


def test_deleted_test_cells_are_restored_and_score_a_right_answer(hostile):
    scores = hostile.scores["deleted_tests_right_answer"]
    assert sorted(scores) == sorted(TEST_CELLS) and all(s == m for s, m in scores.values()), scores
    assert "faltaba en tu entrega" in hostile.feedback["deleted_tests_right_answer"]   # the Spanish notice


def test_torch_in_a_numpy_exercise_is_explained(hostile):
    assert "PyTorch (torch) no está disponible durante la corrección" in hostile.feedback["torch_answer"] \
        or "PyTorch no está disponible" in hostile.feedback["torch_answer"]


def test_forged_output_never_reaches_the_feedback_as_a_pass(hostile):
    for student in ("forged_ok", "swapped_grader", "input_transformer", "replaced_code"):
        # The page quotes the student's code (which prints "Correcto"): no check may be marked passed.
        assert "✓" not in hostile.feedback[student] and "✗" in hostile.feedback[student], student


def test_instructor_notes_stay_out_of_student_feedback(hostile):
    for student, notes in hostile.report.notes.items():
        for note in notes:
            assert note not in hostile.feedback.get(student, ""), (student, note)


def _hidden_lines() -> list[str]:
    """Every line of the sigmoid notebook's hidden tests, as the source has them."""
    import re

    import nbformat

    from .course_data import COURSE
    from .hostile import ASSIGNMENT, NOTEBOOK
    nb = nbformat.read(COURSE / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    blocks = [m.group(1) for c in nb.cells
              for m in re.finditer(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", c.source, re.S)]
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_no_feedback_file_shows_hidden_tests_or_tracebacks(hostile):
    from grader.authoring.batch import html_text
    hidden = _hidden_lines()
    pages = sorted((hostile.course / "feedback").rglob("*.html"))
    assert hidden and len(pages) >= 20
    for page in pages:
        text = html_text(page.read_text(encoding="utf-8"))
        raw = page.read_text(encoding="utf-8")
        assert "Traceback" not in text, page.parent.parent.name   # (the CSS names a Traceback colour)
        for leak in ("HIDDEN TESTS", "hidden=True", *hidden):
            assert leak not in text and leak not in raw, f"{page.parent.parent.name}: {leak!r}"


def _hidden_tokens() -> list[str]:
    """Seeds, shapes and values of the hidden tests that the release never shows."""
    import re

    from .conftest import COURSE
    from .hostile import ASSIGNMENT, NOTEBOOK
    release = (COURSE / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8")
    text = " ".join(_hidden_lines())
    tokens = (re.findall(r"seed=(\d+)", text) + re.findall(r"\(\d+(?:, \d+)+\)", text)
              + re.findall(r"-?\d+\.\d+(?:e\d+)?", text))
    return sorted({t for t in tokens if t not in release and t not in {"30.0", "1.0"}})


def test_student_text_carrying_hidden_tests_reaches_no_page_report_or_export(hostile):
    """Issue 17.1: exceptions, warnings and class names that carry the hidden tests are not quoted."""
    import json
    import re

    from .hostile import ASSIGNMENT, LEAKY_SCORES, NOTEBOOK
    tokens = _hidden_tokens()
    assert {"9173", "5021", "7340", "(11, 2)", "745.2"} <= set(tokens), tokens
    course = hostile.course
    autograded = json.loads((course / "autograded" / "leak" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text())
    places = {
        "feedback": (course / "feedback" / "leak" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text(encoding="utf-8"),
        "autograded outputs": json.dumps([c.get("outputs", []) for c in autograded["cells"]], ensure_ascii=False),
        "report": (course / "reports" / f"{ASSIGNMENT}.json").read_text(encoding="utf-8"),
        "export": (course / "exports" / "grades.csv").read_text(encoding="utf-8"),
    }
    for place, text in places.items():
        for token in tokens:
            assert not re.search(rf"(?<![\d.]){re.escape(token)}(?![\d])", text), (place, token)
        assert not re.search(r"Leak_\d", text) and "HIDDEN TESTS" not in text, place
    # Each channel was used (before issue 17 each quoted the hidden cases); only fixed text remains.
    page = hostile.feedback["leak"]
    assert "Tipo incorrecto. En una prueba oculta: tu código devolvió un objeto de un tipo distinto" in page
    assert "Error al ejecutar tu código. En la prueba con x de forma (7,), float64: Sigmoid.backward lanzó " \
           "una excepción de una clase propia: (al corregir no se muestra el mensaje" in page
    assert "emitió una advertencia con entradas grandes (RuntimeWarning)." in page
    # It scores what the same answer scores without the leak: forward is right, backward raises.
    assert hostile.scores["leak"] == LEAKY_SCORES


def test_hidden_checks_fail_with_fixed_text_only(hostile):
    """A failing hidden check shows its failure kind and the course's fixed sentence for that kind."""
    from grader.checks.messages import HIDDEN, TEXT
    page = hostile.feedback["patched_numpy"]      # a wrong sigmoid: visible and hidden checks fail
    for line in page.splitlines():
        if TEXT["where_hidden_only"] in line:
            rest = line.split(TEXT["where_hidden_only"], 1)[1].strip()
            assert rest in HIDDEN.values(), line
    assert "prueba oculta (" not in page          # no dtype or dimension of a hidden case
