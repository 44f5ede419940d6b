"""Issue 18: hidden cases per student, from a course secret the kernel never sees (grader/seeds.py)."""

from __future__ import annotations

import stat
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grader.checks import declarations
from grader.grading import seeds
from grader.checks.cases import Case
from grader.checks.layer_checks import LayerCheck
from grader.grading.scoring import is_test_cell
from grader.checks.task_checks import TaskCheck

from .course_data import COURSE

SECRET = b"0" * 64
# Hidden checks whose inputs are all explicit (names, shapes, flags): nothing random to derive.
EXPLICIT_TASKS = {"calculate_gain", "fans"}


def _test_cells():
    for path in sorted((COURSE / "source").glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if is_test_cell(cell) and seeds.hidden_calls(cell.source):
                yield path.parent.name, path.stem, cell.metadata.nbgrader["grade_id"], cell.source


TEST_CELLS = list(_test_cells())


def _inputs(check) -> list:
    """Every input a declaration makes, as arrays (what a student's code would be given)."""
    if isinstance(check, LayerCheck):
        return [a for case in check.cases for a in case.inputs()]
    if hasattr(check, "cases"):      # model and training checks: the case's seed draws every input and parameter
        return [np.asarray([repr(case)], dtype=object) for case in check.cases]
    arrays = []
    for args, _ in check.runs():
        arrays += [np.asarray(a.random(4) if isinstance(a, np.random.Generator) else a, dtype=object)
                   for a in args]
    return arrays


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(np.array_equal(np.asarray(x, dtype=object), np.asarray(y, dtype=object))
                                    for x, y in zip(a, b))


def test_derived_seeds_differ_between_students_and_repeat_for_one():
    one = seeds.derive(SECRET, "05-activaciones", "sigmoide", "test_sigmoid_forward", "ana", 0)
    assert one == seeds.derive(SECRET, "05-activaciones", "sigmoide", "test_sigmoid_forward", "ana", 0)
    others = {seeds.derive(SECRET, "05-activaciones", "sigmoide", "test_sigmoid_forward", s, 0)
              for s in ("beto", "carla", "dario")}
    assert one not in others and len(others) == 3
    assert one != seeds.derive(b"1" * 64, "05-activaciones", "sigmoide", "test_sigmoid_forward", "ana", 0)
    assert one != seeds.derive(SECRET, "05-activaciones", "sigmoide", "test_sigmoid_forward", "ana", 1)
    assert 0 <= one < 2**32


@pytest.mark.parametrize("assignment, notebook, grade_id, source", TEST_CELLS,
                         ids=[f"{n}-{g}" for _, n, g, _ in TEST_CELLS])
def test_rewriting_changes_only_the_hidden_seeds(assignment, notebook, grade_id, source):
    count = len(seeds.hidden_calls(source))
    table = [seeds.derive(SECRET, assignment, notebook, grade_id, "ana", k) for k in range(count)]
    before, after = declarations.read(source), declarations.read(seeds.rewrite(source, table))
    assert len(before) == len(after) > 0
    hidden = [(b.check, a.check) for b, a in zip(before, after) if b.check.hidden]
    for b, a in zip(before, after):
        assert type(b.check) is type(a.check) and b.target == a.target
        if not b.check.hidden:
            assert b.check == a.check                      # visible checks keep their literal seeds
    seen = {a.cases[0].seed if hasattr(a, "cases") else a.seed for _, a in hidden}
    assert seen <= set(table) and seen                     # every hidden check runs a derived seed
    # Every hidden check has per-student random inputs (explicit-value cases stay fixed).
    other = [seeds.derive(SECRET, assignment, notebook, grade_id, "beto", k) for k in range(count)]
    again = declarations.read(seeds.rewrite(source, other))
    for (_, mine), theirs in zip(hidden, [d.check for d in again if d.check.hidden]):
        if isinstance(mine, TaskCheck) and mine.task_name in EXPLICIT_TASKS:
            continue
        assert not _same(_inputs(mine), _inputs(theirs)), (grade_id, mine)


def test_a_missing_seed_keyword_is_added():
    source = "grader.check_forward(Sigmoid, 'sigmoid', hidden=True)  # «ñ»\n"
    rewritten = seeds.rewrite(source, [12345])
    (declared,) = declarations.read(rewritten)
    assert declared.check.cases[0] == Case((7,), "float64", 12345)


def test_the_secret_is_root_only_created_once_and_outside_the_sandbox(tmp_path):
    from grader.grading.sandbox import Limits, Sandbox
    path = seeds.ensure_secret(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_text()
    assert seeds.ensure_secret(tmp_path).read_text() == first and len(first.strip()) == 64
    # The real course root: nothing bound into a grading kernel contains its secret file.
    secret = seeds.secret_path(COURSE).resolve()
    argv = Sandbox().argv(Path("/tmp/run"), 61000, Limits(), ["-m", "ipykernel_launcher"])
    bound = [Path(argv[i + 1]).resolve() for i, arg in enumerate(argv) if arg in ("--bind", "--ro-bind")]
    assert bound and not any(secret == b or b in secret.parents for b in bound), bound


def test_a_job_carries_derived_seeds_and_never_the_secret(tmp_path):
    from grader.grading.jobs import Job
    secret = seeds.read_secret(tmp_path)
    nb = nbformat.read(COURSE / "source" / "05-activaciones" / "sigmoide.ipynb", as_version=4)
    table = seeds.for_notebook(secret, "05-activaciones", "sigmoide", "ana", nb)
    assert set(table) == {g for a, n, g, _ in TEST_CELLS if n == "sigmoide"}
    job = Job("ana", "05-activaciones", "sigmoide", nbformat.writes(nb), seeds=table)
    assert secret.decode() not in repr(job)
    literal = seeds.apply(nb, table)
    assert literal and all(nb.cells[i].source != s for i, s in literal.items())
    seeds.restore(nb, literal)
    assert all(nb.cells[i].source == s for i, s in literal.items())
