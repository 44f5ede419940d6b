"""Issue 17: reading observations never follows a link, and an array keeps its class across the files.

Fast, no kernel: observation folders are written here as a grading kernel would
(``GRADER_OBSERVE_DIR``), then tampered with as a kernel could, and read back
with what the scorer uses. The same attacks graded for real are in
tests/hostile.py (``symlinked_observations``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grader.checks.messages import HIDDEN as HIDDEN_TEXT, TEXT

import grader
from grader.checks import observations
from grader.grading import scoring
from grader.grading.runs import CellRun, NotebookRun
from grader.checks.layer_checks import Observation
from grader.grading.sandbox import Limits

CHECK = 'grader.check_forward(Sigmoid, "sigmoid", values=[[0.0, 2.0, -2.0]], dtypes=["float64"])'
HIDDEN = CHECK[:-1] + ", seed=9173, hidden=True)"


class Sigmoid:
    def forward(self, x):
        return 0.5 * (1.0 + np.tanh(0.5 * x))


class Tensor(np.ndarray):
    grad = None


class SubclassSigmoid:
    def forward(self, x):
        return Sigmoid().forward(x).view(Tensor)


@pytest.fixture
def observe_into(tmp_path, monkeypatch):
    """Run the check as a grading kernel does; return the folder it wrote (one per check)."""
    def run(layer, folder: Path, check: str = CHECK) -> Path:
        monkeypatch.setenv(observations.OBSERVE_ENV, str(folder))
        exec(check, {"grader": grader, "Sigmoid": layer})  # noqa: S102 - our own check call
        monkeypatch.delenv(observations.OBSERVE_ENV)
        return folder / "00000"
    return run


def _scored(collected: Path, check: str = CHECK) -> tuple[str, list]:
    """The verdict the scorer writes for a one-test-cell notebook whose observations are ``collected``."""
    cell = nbformat.v4.new_code_cell(check, metadata={"nbgrader": {"grade": True, "grade_id": "t", "points": 1}})
    nb = nbformat.v4.new_notebook(cells=[cell])
    notes = scoring.score_notebook(nb, NotebookRun(cells={0: CellRun("ok", observations=collected)}), Limits())
    output = nb.cells[0].outputs[0]
    return output.get("text", output.get("evalue", "")), notes


def test_a_real_observation_folder_is_judged(tmp_path, observe_into):
    observe_into(Sigmoid, tmp_path / "collected")
    text, notes = _scored(tmp_path / "collected")
    assert text.startswith("Correcto") and notes == []


def test_a_linked_observation_folder_is_refused_by_the_scorer(tmp_path, observe_into):
    # The kernel's real (wrong) folder is replaced by a link to a right one elsewhere (e.g. under submitted/).
    forged = observe_into(Sigmoid, tmp_path / "elsewhere")
    collected = tmp_path / "collected"
    collected.mkdir()
    os.symlink(f"/proc/self/cwd/{os.path.relpath(forged, os.getcwd())}", collected / "00000")
    assert (collected / "00000" / "meta.json").is_file()      # the link resolves: following it would pass
    text, notes = _scored(collected)
    assert "Correcto" not in text and "no llegó a completarse" in text
    assert any("not real folders (symbolic links?)" in note for note in notes), notes


def test_no_path_below_the_trusted_root_is_followed(tmp_path, observe_into):
    folder = observe_into(Sigmoid, tmp_path / "real")
    os.symlink(tmp_path / "real", tmp_path / "link")
    with observations.directory(tmp_path / "real", folder.name) as fd:
        assert observations.load(fd, {"Observation": Observation})[1]
    with pytest.raises(observations.UnreadableObservation, match="symbolic link"):
        with observations.directory(tmp_path, "link", folder.name):
            pass
    (folder / "data.npy").symlink_to(next(folder.glob("a*.npy")))
    with observations.directory(tmp_path / "real") as root:
        names, others = observations.subfolders(root)
        assert names == [folder.name] and others == 0
    entries = len(list(folder.iterdir()))
    with observations.directory(folder) as fd:
        assert observations.subfolders(fd, remove_others=True) == ([], entries)
    assert list(folder.iterdir()) == []                          # links and files removed, none followed
    assert (tmp_path / "real").is_dir()


def test_an_ndarray_subclass_keeps_its_class_when_graded(tmp_path, observe_into):
    folder = observe_into(SubclassSigmoid, tmp_path / "collected")
    with observations.directory(folder) as fd:
        observed = observations.load(fd, {"Observation": Observation})[1][0].arrays["forward"]
    assert isinstance(observed, np.ndarray) and type(observed) is not np.ndarray
    # The student's own class is named as at home: «definido en tu código», never its own name.
    assert (type(observed).__module__, type(observed).__qualname__) == ("", TEXT["own_class"])
    text, _ = _scored(tmp_path / "collected")
    assert "Tipo incorrecto" in text and TEXT["own_class"] in text and "Tensor" not in text


def test_a_kernel_that_hides_the_class_only_gets_a_plain_array_judged(tmp_path, observe_into):
    folder = observe_into(SubclassSigmoid, tmp_path / "collected")
    meta = json.loads((folder / "meta.json").read_text())
    items = meta["observations"][0]["fields"]["arrays"]["items"]
    recorded = dict(items)["forward"]
    assert recorded["class"]["qualname"] == "Tensor"
    del recorded["class"]
    (folder / "meta.json").write_text(json.dumps(meta))
    with observations.directory(folder) as fd:
        observed = observations.load(fd, {"Observation": Observation})[1][0].arrays["forward"]
    assert type(observed) is np.ndarray


def test_a_hidden_check_never_shows_the_name_the_student_gave_the_class(tmp_path, observe_into):
    leak = type("seed_9173_shape_11_2", (np.ndarray,), {})

    class Leaking:
        def forward(self, x):
            return Sigmoid().forward(x).view(leak)

    observe_into(Leaking, tmp_path / "collected", HIDDEN)
    text, _ = _scored(tmp_path / "collected", HIDDEN)
    assert "Tipo incorrecto" in text and HIDDEN_TEXT["type"] in text
    assert "seed_9173" not in text
    observe_into(Leaking, tmp_path / "visible")
    visible = _scored(tmp_path / "visible")[0]          # a visible check says it is the student's own class
    assert TEXT["own_class"] in visible and "seed_9173" not in visible
