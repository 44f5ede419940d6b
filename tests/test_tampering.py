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

from .hostile import ASSIGNMENT, INIT_CELLS, TEST_CELLS, assert_graded_with_zero

pytestmark = pytest.mark.slow   # grades notebooks, starts kernels or browsers

TAMPERING = ["swapped_grader", "patched_numpy", "input_transformer", "hooks", "replaced_code", "forged_ok",
             "always_equal", "lying_subclass", "forged_observations", "symlinked_observations", "torch_answer",
             "deleted_tests", "duplicated_tests", "renamed_tests", "frame_patch", "modules_patch", "expit", "expit_lazy"]
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

    from .course_data import COURSE
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
        # the leak student's rows, without the gradebook's own numbers (scores; the notebook's maximum, 6.0,
        # is also a hidden scale): only a text field could carry student text
        "export": "\n".join(",".join(f for f in line.split(",") if not re.fullmatch(r"[\d.]*", f))
                             for line in (course / "exports" / "grades.csv").read_text(encoding="utf-8")
                             .splitlines() if line.startswith(f"{ASSIGNMENT},") and ",leak," in line),
    }
    for place, text in places.items():
        for token in tokens:
            assert not re.search(rf"(?<![\d.]){re.escape(token)}(?![\d])", text), (place, token)
        assert not re.search(r"Leak_\d", text) and "HIDDEN TESTS" not in text, place
    # It gains nothing from the leak: at most what the same answer scores without it (the tamper audit,
    # which reports the built names it uses to reach the frames, may take the rest).
    scores = hostile.scores["leak"]
    assert scores and all(scores[g][0] <= LEAKY_SCORES[g][0] for g in LEAKY_SCORES), scores
    assert not re.search(r"Leak_\d", hostile.feedback["leak"])


def test_hidden_checks_fail_with_fixed_text_only(hostile):
    """A failing hidden check shows its failure kind and the course's fixed sentence for that kind."""
    from grader.checks.messages import HIDDEN, TEXT
    page = hostile.feedback["patched_numpy"]      # a wrong sigmoid: visible and hidden checks fail
    for line in page.splitlines():
        if TEXT["where_hidden_only"] in line:
            rest = line.split(TEXT["where_hidden_only"], 1)[1].strip()
            assert rest in HIDDEN.values(), line
    assert "prueba oculta (" not in page          # no dtype or dimension of a hidden case


# Issue 18: what the kernel measures about the student's code is evidence; points come from data the
# judge checks itself (values against PyTorch, separately observed arrays, seeds it derived).

def test_warnings_cleared_in_the_kernel_do_not_hide_wrong_values_at_large_inputs(hostile):
    scores = hostile.scores["cleared_warnings"]
    assert scores["test_sigmoid_stability"][0] == 0, scores
    assert all(s == m for g, (s, m) in scores.items() if g != "test_sigmoid_stability"), scores
    assert "inestable para valores grandes" in hostile.feedback["cleared_warnings"].lower()


def test_forged_finite_difference_samples_earn_nothing(hostile):
    # The patch of grader's observer is flagged by the audit (the test cells after it score 0); without the
    # audit the judge's comparison of the samples with the reference rejects them (test_grader_checks.py).
    assert_graded_with_zero(hostile, "forged_samples")
    page = hostile.feedback["forged_samples"]
    assert "diferencias finitas usa tu forward" in page or "accede a los mecanismos internos" in page


def test_a_layer_that_returns_zeros_earns_no_finite_difference_point(hostile):
    assert_graded_with_zero(hostile, "zero_layer")


def test_initializers_on_the_global_generator_gain_no_point(hostile):
    honest = hostile.init_scores["honest_init"]
    assert honest and all(s == m for s, m in honest.values()), honest
    for student in ("global_rng_reseeded", "global_rng_claiming"):
        scores = hostile.init_scores[student]
        assert sorted(scores) == sorted(honest), (student, scores)
        assert all(scores[g][0] == 0 for g in INIT_CELLS), (student, scores)
    # Reseeding is an honest-looking mistake: only the initializer cells lose their points, with the reason.
    scores = hostile.init_scores["global_rng_reseeded"]
    assert all(s == m for g, (s, m) in scores.items() if g not in INIT_CELLS), scores
    assert "generador global de NumPy" in hostile.init_feedback["global_rng_reseeded"]
    # Claiming reproducibility by patching grader's observer is also flagged by the audit.
    assert "accede a los mecanismos internos" in hostile.init_feedback["global_rng_claiming"]


def test_hidden_cases_are_derived_per_student(hostile):
    from grader.grading import seeds
    from .hostile import hidden_forward_input
    secret = seeds.read_secret(hostile.course)
    import nbformat
    nb = nbformat.read(hostile.course / "release" / "05-activaciones" / "sigmoide.ipynb", as_version=4)
    ana, beto = (seeds.derive(secret, "05-activaciones", "sigmoide", "test_sigmoid_forward", s, 0)
                 for s in ("ana", "beto"))
    assert ana != beto
    assert not (hidden_forward_input(hostile.course, "ana") == hidden_forward_input(hostile.course, "beto")).all()
    assert "hidden=True" not in "".join(c.source for c in nb.cells)       # the release has no hidden cases
    # The kernel ran this student's derived cases, not the ones written in the cell: knowing the
    # written case gains nothing, a wrong answer on one's own derived case loses the forward point.
    told, own = hostile.scores["told_literal_case"], hostile.scores["told_own_case"]
    why = {s: (hostile.report.notes.get(s), hostile.report.failed.get(s)) for s in ("told_literal_case", "told_own_case")}
    assert all(s == m for s, m in told.values()), (told, why)
    assert own["test_sigmoid_forward"][0] == 0, (own, why)
    assert all(s == m for g, (s, m) in own.items() if g != "test_sigmoid_forward"), (own, why)


def test_the_same_student_gets_the_same_grade_twice(hostile):
    # "honest" was graded alone, then again in the batch: same derived seeds, same grade.
    assert hostile.alone and hostile.scores["honest"] == hostile.alone
