"""The plot under a failing visible activation check (grader.grading.feedback_plot), from fixed observations.

As in tests/test_scoring.py, the test cell's checks observe in place (the grading kernel's path, minus the
kernel) and the clean scorer judges what was written: a plot for a failing visible check, none for a
correct answer, none for a hidden check, embedded (no remote load), small, and accepted by the sanitizer.
"""

from __future__ import annotations

import base64
import re

import nbformat
import numpy as np

from grader.checks import layer_checks, observations
from grader.checks.layer_checks import GRID, LayerCheck
from grader.checks.messages import TEXT
from grader.grading import feedback_plot, safe_html, scoring
from grader.grading.runs import CellRun, NotebookRun
from grader.grading.sandbox import Limits

from .test_grader_checks import GoodSigmoid as Sigmoid

VISIBLE = 'grader.check_backward(Sigmoid, "sigmoid", shapes=[(3, 4)], seed=3)\n'
HIDDEN = 'grader.check_backward(Sigmoid, "sigmoid", shapes=[(3, 4)], seed=3, hidden=True)\n'


class IgnoresGradOutput(Sigmoid):
    def backward(self, grad_output):
        return self.out * (1 - self.out)


FORGED = nbformat.v4.new_output("display_data", data={"text/html": '<div class="grafica"><img src="x"></div>'})


def graded(tmp_path, monkeypatch, layer, sources: list[str]) -> list:
    """Each test cell's outputs after clean scoring, its checks observed on ``layer`` as a grading kernel would."""
    import grader
    runs, cells = {}, []
    for index, source in enumerate(sources):
        folder = tmp_path / f"observations{index}"
        folder.mkdir(parents=True)
        monkeypatch.setenv(observations.OBSERVE_ENV, str(folder))
        grader.check_backward(layer, "sigmoid", shapes=[(3, 4)], seed=3, hidden="hidden=True" in source)
        runs[index] = CellRun(status="ok", observations=folder)
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": f"test_{index}", "points": 1}
        cell.outputs = [FORGED]     # what a submission put there never reaches the feedback
        cells.append(cell)
    monkeypatch.delenv(observations.OBSERVE_ENV)
    nb = nbformat.v4.new_notebook(cells=cells)
    scoring.score_notebook(nb, NotebookRun(cells=runs), Limits())
    return [cell.outputs for cell in nb.cells]


def embedded_pngs(html: str) -> list[bytes]:
    return [base64.b64decode(data) for data in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)]


def test_a_failing_visible_check_shows_an_embedded_plot(tmp_path, monkeypatch):
    [outputs] = graded(tmp_path, monkeypatch, IgnoresGradOutput, [VISIBLE])
    assert [o.output_type for o in outputs] == ["error", "display_data"]
    html = outputs[1].data["text/html"]
    [png] = embedded_pngs(html)
    assert png.startswith(b"\x89PNG") and len(png) <= feedback_plot.MAX_BYTES
    links = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert len(links) == 1 and links[0].startswith("data:image/png;base64,")   # nothing is fetched
    assert TEXT["plot_alt"].format(what="Sigmoid", reference="torch.nn.Sigmoid") in html
    assert safe_html.clean_html(html) == html      # the feedback's sanitizer keeps it whole


def test_no_plot_for_a_correct_answer_or_a_hidden_check(tmp_path, monkeypatch):
    [correct] = graded(tmp_path / "a", monkeypatch, Sigmoid, [VISIBLE])
    assert [o.output_type for o in correct] == ["stream"]        # the forged picture is gone too
    [hidden] = graded(tmp_path / "b", monkeypatch, IgnoresGradOutput, [HIDDEN])
    assert [o.output_type for o in hidden] == ["error"]


def test_the_same_plot_is_shown_once_per_page(tmp_path, monkeypatch):
    first, second = graded(tmp_path, monkeypatch, IgnoresGradOutput, [VISIBLE, VISIBLE])
    assert len(embedded_pngs(first[1].data["text/html"])) == 1
    assert [o.output_type for o in second] == ["error", "display_data"]
    assert embedded_pngs(second[1].data["text/html"]) == []
    assert 'href="#test_0"' in second[1].data["text/html"]


def test_the_grid_is_observed_only_when_grading_visible_elementwise_checks(tmp_path, monkeypatch):
    visible = LayerCheck("backward", "sigmoid", layer_checks.make_cases([(2,)], ("float64",), 0, 6.0, None))
    assert layer_checks.observe_all(visible, IgnoresGradOutput)[0].grid == {}     # at home: not drawn
    monkeypatch.setenv(observations.OBSERVE_ENV, str(tmp_path))
    grid = layer_checks.observe_all(visible, IgnoresGradOutput)[0].grid
    assert set(grid) == {"forward", "backward"} and grid["forward"].shape == GRID.shape
    assert not np.any(GRID == 0.0)     # the kink of every reference, where no check judges the derivative
    hidden = LayerCheck("backward", "sigmoid", visible.cases, hidden=True)
    assert layer_checks.observe_all(hidden, IgnoresGradOutput)[0].grid == {}
    softmax = LayerCheck("forward", "softmax", visible.cases)
    assert layer_checks.observe_all(softmax, Sigmoid)[0].grid == {}


def test_a_forged_or_broken_grid_is_drawn_as_missing_values_or_not_at_all():
    check = LayerCheck("backward", "sigmoid", ())
    assert feedback_plot.draw(check, "Sigmoid", {"forward": [0.5], "backward": "texto"}) is None   # no curve
    assert feedback_plot.draw(check, "Sigmoid", {"forward": GRID, "backward": "texto"}) is not None
    right = {"forward": 1 / (1 + np.exp(-GRID)), "backward": 2 / (np.exp(GRID / 2) + np.exp(-GRID / 2)) ** 2}
    assert feedback_plot.draw(check, "Sigmoid", right) is None    # nothing differs: no picture
    hidden = LayerCheck("backward", "sigmoid", (), hidden=True)
    assert feedback_plot.figure_output(hidden, "Sigmoid", [layer_checks.Observation(grid=right)], [], "t") is None
