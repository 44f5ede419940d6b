"""The course's own nbgrader preprocessors, plugged in by ``nbgrader_config.py``.

``StudentFeedback`` — student feedback with no hidden tests and no tracebacks.
``FeedbackOutline`` — feedback that shows only what was graded, with a score table on top.
``DropActiveOutputs`` — ``autograded/`` keeps no HTML or script a student's cell displayed (grading path).

nbgrader's feedback shows the full source of every test cell (hidden tests
included) and the full traceback of a failing check, whose lines quote the
hidden declaration. This step, added to ``GenerateFeedback.preprocessors`` in
``nbgrader_config.py``, removes the hidden region from every cell, keeps only
the test cells' outputs (the verdicts of the clean scorer), and replaces each
error's traceback with its one-line message — for a failing check, the Spanish
sentence that says what is wrong.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from nbformat.v4 import new_markdown_cell
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor

from ..checks.messages import FEEDBACK, KIND, NOTICE
from .runs import is_test_cell

# The course's Spanish feedback template (grader/templates/<name>/index.html.j2), set in nbgrader_config.py.
FEEDBACK_TEMPLATE_DIR = Path(__file__).parent / "templates"
FEEDBACK_TEMPLATE = "retroalimentacion"


class StudentFeedback(ClearHiddenTests):
    """Strip hidden tests and tracebacks from autograded notebooks before rendering feedback."""

    def preprocess_cell(self, cell, resources, cell_index):
        if is_test_cell(cell):   # hidden tests live only there; a student's cell may quote the markers
            self._remove_hidden_test_region(cell)
        elif cell.get("cell_type") == "code":
            # Only test cells' verdicts are feedback; other outputs were printed by student code,
            # which at grading time could have read hidden test cells run before it.
            cell.outputs = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                message = output.get("evalue", "")
                if output.get("ename") not in ("CheckFailed", "AssertionError"):
                    message = f"{output.get('ename')}: {message}"
                output["traceback"] = [message]
        return cell, resources


class DropActiveOutputs(NbGraderPreprocessor):
    """Outputs of cells other than test cells keep only plain text and PNG/JPEG/GIF images.

    Student code printed them: HTML, SVG, JavaScript, markdown, LaTeX or widget
    outputs would render as active content when the instructor opens autograded/
    in formgrader. Test cells hold only the clean scorer's verdicts.
    """

    kept = ("text/plain", "image/png", "image/jpeg", "image/gif")

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.get("cell_type") == "code" and not is_test_cell(cell):
            outputs = []
            for output in cell.get("outputs", []):
                if output.get("output_type") in ("display_data", "execute_result"):
                    output["data"] = {k: v for k, v in output.get("data", {}).items() if k in self.kept}
                    if not output["data"]:
                        continue
                outputs.append(output)
            cell.outputs = outputs
        return cell, resources


class FeedbackOutline(NbGraderPreprocessor):
    """Keep only the graded work, under its headings, and list every graded cell for the score table.

    The theory is already in the student's notebook and its formulas would need
    MathJax from the web to render, so the feedback drops it: what remains is each
    answer and test cell with the headings above it (their inline math made plain
    text), and ``resources["feedback"]`` — one row per graded cell with its
    score and a one-line verdict, and the notices about the whole notebook
    (``messages.NOTICE``) — that the template shows first.
    """

    def preprocess(self, nb, resources):
        cells, rows, headings, title = [], [], {}, ""
        locked = _locked_markdown(resources)
        overrides = _overrides(resources.get("nbgrader", {}))
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if not (meta.get("grade") or meta.get("solution") or meta.get("task")):
                if cell.cell_type == "markdown" and meta.get("locked"):
                    # Headings only from the course's own locked cells: a student's added cell could hold HTML.
                    source = cell.source if locked is None else locked.get(meta.get("grade_id"))
                    _remember_headings(source or "", headings)
                continue
            if headings:
                cells.append(new_markdown_cell("\n".join(headings[level] for level in sorted(headings))))
                title = _inline_html(headings[max(headings)].lstrip("# "))   # also for the cells after it
            headings = {}
            cell.source = _remove_mark_scheme(cell.source)
            if meta.get("comment") == NBGRADER_NO_RESPONSE:
                meta["comment"] = FEEDBACK["no_response"]
            cells.append(cell)
            if meta.get("grade") or meta.get("task"):
                rows.append(_row(cell, meta, title, overrides.get(meta.get("grade_id"))))
        nb.cells = cells
        resources["feedback"] = {"rows": rows, "notices": _notices(nb.metadata.get("grader"))}
        return nb, resources


def _notices(meta) -> list[str]:
    """The Spanish notices whose keys scoring set (``scoring.score_notebook``); anything else is ignored."""
    keys = meta.get("notices") if isinstance(meta, dict) else None
    return [NOTICE[key] for key in keys if isinstance(key, str) and key in NOTICE] if isinstance(keys, list) else []


def _locked_markdown(resources) -> dict | None:
    """grade_id → source of the notebook's locked markdown cells, as the gradebook keeps them.

    None when rendering without a gradebook (then the cells' own locked flag, which grading
    restored, is trusted).
    """
    info = resources.get("nbgrader", {})
    if not info.get("db_url"):
        return None
    from nbgrader.api import Gradebook, MissingEntry
    try:
        with Gradebook(info["db_url"]) as gb:
            source = gb.find_notebook(info["notebook"], info["assignment"])
            return {c.name: c.source for c in source.source_cells if c.locked and c.cell_type == "markdown"}
    except MissingEntry:
        return {}


# What nbgrader writes (in English, hard-coded in SaveAutoGrades) on an answer cell left as released.
NBGRADER_NO_RESPONSE = "No response."
_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
_FENCED_CODE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.S | re.M)
_MARK_SCHEME = re.compile(r"^[^\n]*BEGIN MARK SCHEME.*?END MARK SCHEME[^\n]*\n?", re.S | re.M)
_TEX_WORDS = {"alpha": "α", "beta": "β", "gamma": "γ", "lambda": "λ", "sigma": "σ", "mu": "μ",
              "phi": "φ", "Phi": "Φ", "max": "max", "min": "min", "cdot": "·", "le": "≤", "ge": "≥"}


def _plain_math(text: str) -> str:
    """Inline math of a heading as plain text ($\\alpha$ → α): no MathJax in the feedback."""
    def plain(match):
        math = re.sub(r"\\([A-Za-z]+)", lambda c: _TEX_WORDS.get(c.group(1), c.group(0)), match.group(1))
        return re.sub(r"\\[,;:! ]", " ", math).replace("{", "").replace("}", "")
    return re.sub(r"\$([^$\n]+)\$", plain, text)


def _remember_headings(source: str, headings: dict) -> None:
    """The latest heading of each level, forgetting deeper ones when a section starts."""
    source = _FENCED_CODE.sub("", _remove_mark_scheme(source))   # a `# comment` in code is no heading
    for line in source.splitlines():
        match = _HEADING.match(line)
        if match:
            level = len(match.group(1))
            for deeper in [lv for lv in headings if lv >= level]:
                del headings[deeper]
            headings[level] = f"{match.group(1)} {_plain_math(match.group(2))}"


def _remove_mark_scheme(source: str) -> str:
    """Instructor-only marking notes never reach a student."""
    return _MARK_SCHEME.sub("", source)


def _inline_html(text: str) -> str:
    """A heading as safe HTML for the score table: escaped, `code` kept as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def _overrides(info: dict) -> dict:
    """{grade_id: automatic score} of the cells whose points the instructor set by hand (formgrader)."""
    if not info.get("db_url") or not info.get("student"):
        return {}
    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook(info["db_url"]) as gb:
        try:
            notebook = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
        except MissingEntry:
            return {}
        return {g.name: g.auto_score for g in notebook.grades
                if g.manual_score is not None and g.manual_score != g.auto_score}


def _pts(value) -> str:
    return f"{float(value or 0):g}".replace(".", ",")


def _row(cell, meta: dict, title: str, auto=None) -> dict:
    score, points = meta.get("score"), meta.get("points")
    passed = score is not None and points is not None and score >= points
    row = {"id": meta.get("grade_id", ""), "title": title, "score": score, "points": points,
           "passed": passed, "verdict": FEEDBACK["passed"] if passed else verdict(cell, score)}
    if auto is not None:
        # The instructor's points count; the checks' verdict stays visible, as such.
        auto_passed = points is not None and auto >= points
        row.update(override=True, passed=auto_passed, verdict=FEEDBACK["override"].format(
            score=_pts(score), points=_pts(points), auto=_pts(auto),
            verdict=FEEDBACK["passed"] if auto_passed else verdict(cell, auto)))
    return row


def verdict(cell, score) -> str:
    """One line for the score table: the failure kind of the first failing check, or why no points."""
    if score is None:
        return FEEDBACK["manual"]
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            if output.get("ename") in ("CheckFailed", "AssertionError") and output.get("evalue"):
                return output["evalue"].split(". ")[0].rstrip(".") + "."
            return FEEDBACK["exception"].format(kind=KIND["exception"].capitalize(), error=output.get("ename"))
    if any(o.get("output_type") == "stream" and o.get("name") == "stderr" for o in cell.get("outputs", [])):
        return FEEDBACK["stderr"]
    return FEEDBACK["no_points"]
