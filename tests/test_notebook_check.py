"""`python -m grader check NOTEBOOK`, the author's one-stop check, on a scratch course (issue 19 #3).

01-broadcasting with a two-entry catalog (a mistake the checks catch, and a mistake they cannot —
promised as caught, so the catalog fails) and a misspelled word in the prose: the command must
regenerate release/ and solutions/, pass the reference and the release, and fail naming the catalog
entry and the word.
"""

from __future__ import annotations

import json
import shutil

import pytest

from grader import cli

from .course_data import COURSE

pytestmark = pytest.mark.slow   # grades notebooks

A, NB = "01-broadcasting", "broadcasting"
CATALOG = '''
assignment = "01-broadcasting"
notebook = "broadcasting"
answer_cell = "broadcasting_mse"

[[mistake]]
name = "forgets the square"
catch = ["test_broadcasting_mse"]
message = "valores incorrectos"
code = """
def mse(y_pred, y):
    return np.mean(np.abs(y_pred.reshape(-1) - y))
"""

[[mistake]]
name = "a correct answer wrongly promised as a mistake"
catch = ["test_broadcasting_mse"]
message = "valores incorrectos"
code = """
def mse(y_pred, y):
    return np.mean((y_pred[:, 0] - y) ** 2)
"""
'''


def test_check_one_notebook(tmp_path, capsys):
    root = tmp_path / "curso"
    root.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", root)
    shutil.copytree(COURSE / "source" / A, root / "source" / A)
    shutil.copytree(COURSE / "tests" / "spelling", root / "tests" / "spelling")
    (root / "tests" / "catalog" / A).mkdir(parents=True)
    (root / "tests" / "catalog" / A / f"{NB}.toml").write_text(CATALOG, encoding="utf-8")
    path = root / "source" / A / f"{NB}.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    markdown = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
    markdown["source"] = "".join(markdown["source"]) + "\n\nUna palabra mal escrita: difusiom.\n"
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")

    status = cli.main(["--course", str(root), "check", NB])
    out = capsys.readouterr().out
    assert status == 1, out
    assert (root / "release" / A / f"{NB}.ipynb").is_file() and (root / "solutions" / A / f"{NB}.ipynb").is_file()
    assert "the reference scores" not in out and "the release scores" not in out   # both sound
    assert "| 01-broadcasting | `broadcasting` | `broadcasting_mse` | 1/2 ✗ |" in out
    assert "catalog: mistake «a correct answer wrongly promised as a mistake»" in out
    assert "difusiom" in out and "2 problem(s)" in out
