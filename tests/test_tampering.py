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

from .hostile import TEST_CELLS, assert_graded_with_zero

TAMPERING = ["swapped_grader", "patched_numpy", "input_transformer", "hooks", "replaced_code", "forged_ok",
             "always_equal", "lying_subclass", "forged_observations", "torch_answer", "deleted_tests",
             "duplicated_tests", "renamed_tests", "frame_patch", "modules_patch", "expit", "expit_lazy"]
# Attacks on the check protocol itself (no observation arrives): reported to the instructor.
DETECTED = ["swapped_grader", "input_transformer", "replaced_code"]


@pytest.mark.parametrize("student", TAMPERING)
def test_tampering_with_a_wrong_answer_scores_zero(hostile, student):
    assert_graded_with_zero(hostile, student)


@pytest.mark.parametrize("student", DETECTED)
def test_tampering_with_the_checks_is_reported(hostile, student):
    notes = hostile.report.notes.get(student, [])
    assert any("observed" in note for note in notes), notes


def test_the_honest_neighbour_is_unaffected(hostile):
    assert hostile.scores["honest"] == hostile.alone


def test_deleted_test_cells_are_restored_and_score_a_right_answer(hostile):
    scores = hostile.scores["deleted_tests_right_answer"]
    assert sorted(scores) == sorted(TEST_CELLS) and all(s == m for s, m in scores.values()), scores
    assert "faltaba en tu entrega" in hostile.feedback["deleted_tests_right_answer"]   # the Spanish notice


def test_torch_in_a_numpy_exercise_is_explained(hostile):
    assert "PyTorch (torch) no está disponible en este cuaderno" in hostile.feedback["torch_answer"]


# Issue 18: the tamper audit (grader/audit.py) and the allowed libraries (grader/libraries.py).
AUDITED = {"frame_patch": ("line 3", "sys._getframe"), "modules_patch": ("line 2", "sys.modules"),
           "replaced_code": ("line 6", "__code__"), "swapped_grader": ("line 5", "sys.modules"),
           "input_transformer": ("line 1", "input transformers")}


@pytest.mark.parametrize("student", sorted(AUDITED))
def test_reaching_into_the_machinery_is_reported_with_the_line(hostile, student):
    line, what = AUDITED[student]
    notes = [n for n in hostile.report.notes.get(student, []) if "audit: cell «sigmoid_layer»" in n]
    assert any(f", {line}: " in n and what in n and "test cells after it score 0" in n for n in notes), notes
    assert "accede a los mecanismos internos" in hostile.feedback[student]


@pytest.mark.parametrize("student", ["expit", "expit_lazy"])
def test_a_library_the_notebook_does_not_allow_costs_every_point(hostile, student):
    # The answer is right (expit is the sigmoid), so every point it lost is the library rule's.
    assert "SciPy (scipy) no está disponible en este cuaderno" in hostile.feedback[student]
    assert "biblioteca no permitida" in hostile.feedback[student].lower()
    assert any("imports scipy" in n for n in hostile.report.notes.get(student, [])), hostile.report.notes


def test_honest_scratch_work_keeps_every_point_and_is_not_reported(hostile):
    assert hostile.scores["honest_scratch"] == hostile.alone
    assert not [n for n in hostile.report.notes.get("honest_scratch", []) if "audit" in n or "imports" in n]


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

    from .conftest import COURSE
    from .hostile import ASSIGNMENT, NOTEBOOK
    nb = nbformat.read(COURSE / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    blocks = [m.group(1) for c in nb.cells
              for m in re.finditer(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", c.source, re.S)]
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_no_feedback_file_shows_hidden_tests_or_tracebacks(hostile):
    from grader.variants import html_text
    hidden = _hidden_lines()
    pages = sorted((hostile.course / "feedback").rglob("*.html"))
    assert hidden and len(pages) >= 20
    for page in pages:
        text = html_text(page.read_text(encoding="utf-8"))
        raw = page.read_text(encoding="utf-8")
        assert "Traceback" not in text, page.parent.parent.name   # (the CSS names a Traceback colour)
        for leak in ("HIDDEN TESTS", "hidden=True", *hidden):
            assert leak not in text and leak not in raw, f"{page.parent.parent.name}: {leak!r}"
