"""`python -m grader seed-sweep`: the reference solutions keep full marks under other students' hidden seeds.

Every notebook is swept with three pseudo-students (fixed: ``sweep-0``..``sweep-2``, seeds derived as for
real students) in a fresh process, so that no module another test loaded counts against the notebooks'
library rule; the whole course takes about 10 s. The long sweep (hundreds of seeds) is the command's job.
A planted answer that is wrong only for some inputs proves the sweep reports the seeds that catch it.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor

import nbformat
import pytest

from grader.authoring import seed_sweep
from grader.authoring.submissions import HIDDEN_BLOCK, grade_id
from grader.grading import seeds
from grader.grading.runs import is_test_cell

from .course_data import COURSE, NOTEBOOKS

STUDENTS = 3


def _hidden_cells(assignment: str, notebook: str) -> dict:
    nb = nbformat.read(COURSE / "source" / assignment / f"{notebook}.ipynb", as_version=4)
    return {grade_id(c): len(seeds.hidden_calls(c.source)) for c in nb.cells
            if is_test_cell(c) and seeds.hidden_calls(c.source)}


@pytest.fixture(scope="module")
def swept() -> dict:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = pool.submit(seed_sweep.sweep, COURSE, [f"{a}/{n}" for a, n in NOTEBOOKS], STUDENTS).result()
    return {r.notebook: r for r in results}


@pytest.mark.parametrize("assignment, notebook", NOTEBOOKS, ids=[n for _, n in NOTEBOOKS])
def test_the_reference_gets_full_marks_under_swept_seeds(swept, assignment, notebook):
    result = swept[notebook]
    assert result.error == ""
    assert result.students == STUDENTS
    # Every test cell with hidden checks was swept, each hidden call of it.
    assert result.cells == _hidden_cells(assignment, notebook) and result.cells
    assert result.failures == [], seed_sweep.format_report([result])


def test_only_the_hidden_blocks_run_again():
    source = ('grader.check_forward(ReLU, "relu", shapes=[(3,)], seed=0)\n### BEGIN HIDDEN TESTS\n'
              'for s in (1, 2):\n    grader.check_forward(ReLU, "relu", shapes=[(3,)], seed=s, hidden=True)\n'
              '### END HIDDEN TESTS\n')
    part = seed_sweep.hidden_part(source)
    assert part == HIDDEN_BLOCK.findall(source)[0] and "seed=0" not in part
    assert seeds.rewrite(part, [77]).count("seed=77") == 1
    # A hidden call outside the markers: the whole cell runs again.
    loose = source + 'grader.check_forward(ReLU, "relu", shapes=[(2,)], hidden=True)\n'
    assert seed_sweep.hidden_part(loose) == loose


def test_a_wrong_answer_for_some_seeds_is_reported_with_its_cell_and_seeds(tmp_path):
    """A ReLU that clips inputs above 39.8: the cell's own hidden seeds miss it, some students' catch it."""
    shutil.copy2(COURSE / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    (tmp_path / "source" / "05-activaciones").mkdir(parents=True)
    nb = nbformat.read(COURSE / "source" / "05-activaciones" / "relu.ipynb", as_version=4)
    (answer,) = [c for c in nb.cells if grade_id(c) == "relu_layer"]
    right = "return np.where(self.mask, x, 0)"
    assert right in answer.source
    answer.source = answer.source.replace(right, "return np.where(self.mask, np.minimum(x, 39.8), 0)")
    nbformat.write(nb, tmp_path / "source" / "05-activaciones" / "relu.ipynb")
    done = subprocess.run([sys.executable, "-m", "grader", "--course", str(tmp_path), "seed-sweep", "relu",
                           "--seeds", "6"], capture_output=True, text=True, cwd=COURSE, timeout=600,
                          env=dict(os.environ, PYTHONPATH=str(COURSE)))
    report = done.stdout
    assert done.returncode == 1, (report, done.stderr)
    assert "test_relu_forward, hidden check #0: fails for 3/6 students (50.0%)" in report, report
    assert "with the cell's own seeds" not in report          # the literal seed does not catch it
    for student in ("sweep-0", "sweep-4", "sweep-5"):         # the students whose seeds reach x > 39.8
        seed = seeds.derive(seed_sweep.SWEEP_SECRET, "05-activaciones", "relu", "test_relu_forward", student, 0)
        assert f"{student} seed={seed}: Valores incorrectos" in report, report
    for student in ("sweep-1", "sweep-2", "sweep-3"):
        assert f"{student} seed=" not in report
    # The author sees the case itself: the value the planted clip changed.
    assert "as a visible check:" in report and "obtenido 39.8" in report, report
    assert report.count("test_relu_") == 1                    # no other cell loses points


def test_the_report_names_the_cells_own_seeds_and_rates():
    fails = [seed_sweep.Failure("05-activaciones", "relu", "test_relu_forward", "literal", 0, None, "Valores incorrectos."),
             seed_sweep.Failure("05-activaciones", "relu", "test_relu_forward", "sweep-3", 0, 99, "Valores incorrectos.")]
    report = seed_sweep.format_report([seed_sweep.NotebookSweep("05-activaciones", "relu", 4, {"test_relu_forward": 2},
                                                                fails)])
    assert "test_relu_forward, hidden check #0: fails for 1/4 students (25.0%), and with the cell's own seeds" in report
    assert "the cell's own seeds: Valores incorrectos." in report and "sweep-3 seed=99:" in report
    assert "2 failure(s): a correct answer would lose points" in report
