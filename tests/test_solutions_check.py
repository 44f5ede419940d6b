"""Issue 19 #2: `solutions` fails loudly unless the reference gets full marks and the release zero.

One scratch copy of 01-broadcasting (one notebook) with two authoring slips: an answer cell whose
reference is wrong, and a test cell that passes without checking anything. The command must exit
non-zero naming the notebook and each cell; the untouched notebook passes.
"""

from __future__ import annotations

import json
import shutil

import pytest

from grader import cli
from grader.grading import pipeline

from .course_data import COURSE

pytestmark = pytest.mark.slow   # executes notebooks (the reference, and the release on the author's side)

ASSIGNMENT, NOTEBOOK = "01-broadcasting", "broadcasting"


def scratch(tmp_path, change=None):
    root = tmp_path / "curso"
    root.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", root)
    shutil.copytree(COURSE / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    if change:
        path = root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
        nb = json.loads(path.read_text(encoding="utf-8"))
        change(nb["cells"])
        path.write_text(json.dumps(nb), encoding="utf-8")
    pipeline.release(root, ASSIGNMENT)            # generate_solution needs the gradebook's assignment
    return root


def cell(cells, grade_id):
    return next(c for c in cells if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def two_slips(cells):
    mse = cell(cells, "broadcasting_mse")
    mse["source"] = ("### BEGIN SOLUTION\ndef mse(y_pred, y_true):\n    return float(np.mean(y_pred - y_true))\n"
                     "### END SOLUTION\n")
    cell(cells, "test_broadcasting_normalize")["source"] = "# the checks were forgotten\nprint('ok')\n"


def test_a_wrong_reference_and_a_test_that_checks_nothing_fail_the_command(tmp_path, capsys):
    root = scratch(tmp_path, two_slips)
    status = cli.main(["--course", str(root), "solutions", ASSIGNMENT])
    err = capsys.readouterr().err
    assert status == 2, err                           # old code: 0
    assert f"{ASSIGNMENT}/{NOTEBOOK}: cell test_broadcasting_mse: the solution scores 0/1" in err
    assert f"{ASSIGNMENT}/{NOTEBOOK}: cell test_broadcasting_normalize: the release scores 1/1 (must be 0)" in err
    assert "test_broadcasting_pairwise" not in err    # the sound cells are not named


def test_the_course_notebook_passes(tmp_path, capsys):
    root = scratch(tmp_path)
    assert cli.main(["--course", str(root), "solutions", ASSIGNMENT]) == 0, capsys.readouterr().err
    assert (root / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").is_file()
