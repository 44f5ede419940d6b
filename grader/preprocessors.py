"""The course's own nbgrader preprocessors, plugged in by ``nbgrader_config.py``.

``StudentFeedback`` — student feedback with no hidden tests and no tracebacks.

nbgrader's feedback shows the full source of every test cell (hidden tests
included) and the full traceback of a failing check, whose lines quote the
hidden declaration. This step, added to ``GenerateFeedback.preprocessors`` in
``nbgrader_config.py``, removes the hidden region from every cell, keeps only
the test cells' outputs (the verdicts of the clean scorer), and replaces each
error's traceback with its one-line message — for a failing check, the Spanish
sentence that says what is wrong.
"""

from __future__ import annotations

from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor


class StudentFeedback(ClearHiddenTests):
    """Strip hidden tests and tracebacks from autograded notebooks before rendering feedback."""

    def preprocess_cell(self, cell, resources, cell_index):
        self._remove_hidden_test_region(cell)
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and not (meta.get("grade") and not meta.get("solution")):
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


class CoalesceStreams(NbGraderPreprocessor):
    """Merge consecutive stdout/stderr chunks of a cell into one output.

    How a kernel splits printed text into messages depends on timing (measured:
    under load one line arrived as two chunks), so without this step
    ``solutions/`` would differ from run to run.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        merged = []
        for output in cell.get("outputs", []):
            previous = merged[-1] if merged else None
            if (output.get("output_type") == "stream" and previous is not None
                    and previous.get("output_type") == "stream" and previous.get("name") == output.get("name")):
                previous["text"] += output["text"]
            else:
                merged.append(output)
        if "outputs" in cell:
            cell.outputs = merged
        return cell, resources
