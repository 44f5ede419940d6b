"""Issue 7: untrusted submissions run sandboxed; one bad submission never hurts another.

One batch (tests/hostile.py) grades, beside an honest student, submissions that
loop, exhaust memory, fork, kill their kernel, flood output, open a connection,
read and write outside their run folder, shadow modules, or are not valid
notebooks. Each test asserts what an attack could have broken.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .hostile import LIMITS, TOKEN, WRITE_MARK, assert_graded_with_zero

pytestmark = pytest.mark.slow   # grades notebooks, starts kernels or browsers

ATTACKS = ["loop", "loop_in_forward", "loop_ignoring_interrupts", "memory", "fork", "exit", "segfault",
           "flood", "network", "read", "write"]


def test_a_kernel_cannot_load_the_instructors_half_of_the_package(hostile):
    # The answer turns right only if some instructor module could be imported or executed from its file.
    assert_graded_with_zero(hostile, "instructor_import")


@pytest.mark.parametrize("student", ATTACKS)
def test_attacker_scores_zero_and_is_reported(hostile, student):
    assert_graded_with_zero(hostile, student)
    assert hostile.report.notes.get(student), f"{student} was not reported"


def test_the_honest_neighbour_scores_as_when_graded_alone(hostile):
    assert hostile.scores["honest"] == hostile.alone
    assert all(s == m for s, m in hostile.alone.values()), hostile.alone


@pytest.mark.parametrize("student, reason", [
    ("loop", "time limit"), ("loop_in_forward", "time limit"), ("loop_ignoring_interrupts", "time limit"),
    ("exit", "kernel died"), ("segfault", "kernel died"), ("flood", "more than"),
])
def test_stopped_kernels_are_reported_with_the_reason(hostile, student, reason):
    assert any(reason in note for note in hostile.report.notes[student]), hostile.report.notes[student]


def test_stopped_kernels_tell_the_student_why_in_spanish(hostile):
    assert "superó el tiempo máximo" in hostile.feedback["loop_in_forward"]
    assert "el proceso de Python se detuvo" in hostile.feedback["exit"]
    assert "demasiada salida" in hostile.feedback["flood"]


def test_an_interrupted_cell_does_not_cost_the_cells_after_it(hostile):
    # `while True` in the answer cell is interrupted; the notebook goes on (the class is undefined,
    # so the tests fail, but they ran: each says the answer cell failed).
    assert "Antes falló la celda «sigmoid_layer» (superó el tiempo máximo" in hostile.feedback["loop"]


def test_the_canary_is_never_read(hostile):
    for folder in ("autograded", "feedback", "reports"):
        for path in (hostile.course / folder).rglob("*"):
            if path.is_file():
                assert TOKEN not in path.read_text(errors="replace"), path
    assert TOKEN.encode() not in (hostile.course / "gradebook.db").read_bytes()
    assert all(TOKEN not in text for text in hostile.feedback.values())


def test_nothing_outside_the_run_folders_changes(hostile):
    assert hostile.tree_before == hostile.tree_after
    assert not (hostile.course / "pwned.txt").exists()
    assert not Path(f"/tmp/{WRITE_MARK}").exists()


def test_processes_stay_within_the_limit(hostile):
    # The fork attack asked for 150 sleeping children: it ran (the count rose), and stopped at the limit.
    assert 20 <= hostile.max_processes <= LIMITS.processes, hostile.max_processes


def test_no_connection_leaves_the_sandbox(hostile):
    assert hostile.connections == 0


def test_a_right_answer_with_shadowing_modules_beside_it_keeps_full_marks(hostile):
    scores = hostile.scores["shadow"]
    assert scores and all(s == m for s, m in scores.values()), scores


def test_an_invalid_notebook_is_reported_and_the_others_are_graded(hostile):
    assert "NotJSONError" in hostile.report.failed["invalid_json"]
    assert hostile.scores["honest"] == hostile.alone


def test_a_renamed_notebook_scores_zero_and_is_reported(hostile):
    assert sum(s for s, _ in hostile.scores["renamed_notebook"].values()) == 0
    assert any("Sigmoide (1).ipynb" in note for note in hostile.report.notes["renamed_notebook"])
