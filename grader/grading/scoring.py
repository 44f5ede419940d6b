"""Clean scoring: turn what a grading kernel observed into each test cell's verdict.

Runs in a process that never executed student code. For every autograded test
cell it reads the cell's *trusted* source (restored from the gradebook) as
declarations, loads the observations the kernel wrote while that cell ran, and
judges them with the same ``verify`` a student's kernel uses. The verdict
replaces whatever the kernel printed in that cell (a forged "Correcto" included):
a failing check becomes an error output with the Spanish message, so nbgrader's
own ``SaveAutoGrades`` scores it 0; a passing one becomes the lines a student
would have seen at home.
"""

from __future__ import annotations


import nbformat

from ..checks import audit, declarations, libraries, observations, rules, student_text
from ..checks.errors import CheckFailed
from ..checks.messages import HIDDEN, TEXT, WORDS
from . import diagnosis, feedback_plot
from .runs import CellRun, NotebookRun, is_test_cell

STOPPED = ("died", "timeout", "flood")


def _failure(kind: str, *details: str):
    message = str(CheckFailed(kind, *details))
    return nbformat.v4.new_output("error", ename="CheckFailed", evalue=message, traceback=[message])


def _cell_label(nb, index: int) -> str:
    grade_id = nb.cells[index].get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return WORDS["cell_named"].format(grade_id=grade_id) if grade_id else WORDS["cell_number"].format(number=index + 1)


def _stop_reason(nb, run: NotebookRun, limits) -> str:
    for index, cell_run in sorted(run.cells.items()):
        if cell_run.status == "died":
            return TEXT["reason_kernel_died"].format(cell=_cell_label(nb, index))
        if cell_run.status == "timeout":
            return TEXT["reason_timeout"].format(cell=_cell_label(nb, index), seconds=limits.cell_seconds)
        if cell_run.status == "flood":
            return TEXT["reason_output_flood"].format(cell=_cell_label(nb, index), limit=limits.output_bytes)
    return TEXT["reason_not_reached"]


def _earlier_failure(nb, run: NotebookRun, index: int, limits) -> str:
    """Why names a test cell needs may be missing: the first earlier cell that failed."""
    for earlier in sorted(i for i in run.cells if i < index):
        cell_run = run.cells[earlier]
        if cell_run.status in ("error", "timeout") and not is_test_cell(nb.cells[earlier]):
            error = (TEXT["timed_out"].format(seconds=limits.cell_seconds) if cell_run.status == "timeout"
                     else student_text.exception_name(cell_run.detail, TEXT["some_error"]))
            hint = TEXT["torch_hint"] if error in ("ImportError", "ModuleNotFoundError") else ""
            return " ".join([TEXT["earlier_error"].format(cell=_cell_label(nb, earlier), error=error), hint]).strip()
    return ""


def _verdict(source: str, cell_run: CellRun, stop_reason: str, notes: list, grade_id: str, earlier: str = "",
             disk_full: str = "", code: rules.NotebookCode | None = None, figures: list | None = None):
    """The output that decides one test cell's score.

    ``disk_full``, when the kernel had filled its bounded folder by the time this
    cell ran, is the reason an incomplete verdict gives: its observations could not be written.
    ``code``: the notebook's code as read by the trusted process (facts replace the kernel's report).
    ``figures`` receives the plot a failing visible check adds below its verdict (``feedback_plot``).
    """
    if cell_run.status in STOPPED or cell_run.status in ("not_reached", "skipped"):
        return _failure("incomplete", TEXT["not_run"].format(reason=stop_reason))
    declared = declarations.read(source)
    if not declared:
        notes.append(f"{grade_id}: the test cell declares no check")
        return _failure("incomplete", TEXT["incomplete"])
    if cell_run.observations is None:
        return _judge(declared, cell_run, None, [], notes, grade_id, earlier, disk_full, code, figures)
    try:
        with observations.directory(cell_run.observations) as root:
            folders, others = observations.subfolders(root)
            if others:
                notes.append(f"{grade_id}: {others} observation entries were not real folders (symbolic links?); "
                             "refused")
                return _failure("incomplete", TEXT["incomplete"])
            return _judge(declared, cell_run, root, folders, notes, grade_id, earlier, disk_full, code, figures)
    except observations.UnreadableObservation as exc:
        notes.append(f"{grade_id}: unreadable observations ({exc})")
        return _failure("incomplete", TEXT["incomplete"])


def _judge(declared, cell_run: CellRun, root, folders: list, notes: list, grade_id: str, earlier: str,
           disk_full: str = "", code=None, figures: list | None = None):
    """Judge each declared check with the observation folder of the same rank (``root`` holds them)."""
    incomplete = disk_full or TEXT["incomplete"]   # the disk explains a missing observation better
    if cell_run.status == "error" and len(folders) < len(declared):
        # Only the exception's type, if Python's own: its message and a class's name are student text.
        error = student_text.exception_name(cell_run.detail, TEXT["some_error"])
        notes.append(f"{grade_id}: the test cell raised {error} in the kernel")
        return _failure("incomplete", TEXT["not_run"].format(reason=TEXT["reason_cell_error"].format(error=error)),
                        earlier, disk_full)
    if len(folders) != len(declared):
        notes.append(f"{grade_id}: {len(declared)} checks declared, {len(folders)} observed (tampering?)")
        return _failure("incomplete", incomplete)
    lines = []
    for declared_check, folder in zip(declared, folders):
        observed = []
        try:
            with observations.directory(root, folder) as fd:
                _, observed = observations.load(fd, declared_check.runner.all_types)
            observed = [student_text.redact(o) for o in observed]
            judge_facts(observed, declared_check.target, code)
            lines.append(declared_check.runner.judge(declared_check.check, declared_check.target, observed))
        except CheckFailed as exc:
            cause = diagnosis.line(declared_check.check, observed)   # a known mistake, named; fixed text only
            if getattr(declared_check.check, "hidden", True):
                # The check's own message names the hidden case: only its kind and fixed text.
                return _failure(exc.kind, TEXT["where_hidden_only"], HIDDEN[exc.hidden], cause)
            if figures is not None:
                figures.append(feedback_plot.figure_output(declared_check.check, declared_check.target, observed,
                                                           notes, grade_id))
            return _failure(exc.kind, *exc.details, cause)
        except observations.UnreadableObservation as exc:
            notes.append(f"{grade_id}: unreadable observations ({exc})")
            return _failure("incomplete", incomplete)
        except Exception as exc:  # noqa: BLE001 - malformed observations must not stop grading
            notes.append(f"{grade_id}: observations could not be judged ({type(exc).__name__})")
            return _failure("incomplete", incomplete)
    return nbformat.v4.new_output("stream", name="stdout", text="\n".join(lines) + "\n")


def _shown_once(figure, grade_id: str, plots: dict):
    """The plot, or a link to the earlier test cell that shows the very same one (a page stays light)."""
    key = figure.data["text/html"]
    if key in plots:
        return feedback_plot.same_as(plots[key])
    plots[key] = grade_id
    return figure


def judge_facts(observed: list, target: str, code: rules.NotebookCode | None) -> None:
    """Replace what the kernel reported about the answer's code by the facts read from the notebook."""
    if code is None:
        return
    facts = code.facts(target)
    for obs in observed:
        if hasattr(obs, "static"):
            obs.static = facts


def score_notebook(nb, run: NotebookRun, limits, skip=lambda cell: False, notebook: str | None = None) -> list[str]:
    """Write every cell's outputs into ``nb`` (verdicts in test cells); return notes for the instructor.

    Notices about the whole notebook for the student's feedback go in ``nb.metadata["grader"]["notices"]``
    (keys of ``messages.NOTICE``), set only here: whatever the submission had there is dropped.
    ``skip``: cells the kernel did not run (demo cells), left out of the audit. ``notebook``: its name,
    for the libraries it allows (``grader.checks.libraries``).
    """
    notes = ([run.problem] if run.problem else []) + list(run.notes)
    stop_reason = _stop_reason(nb, run, limits)
    disk_full = ("" if run.disk_full is None else
                 TEXT["disk_full"].format(cell=_cell_label(nb, run.disk_full), limit=limits.disk_bytes // 2**20))
    nb.metadata.pop("grader", None)
    if disk_full:
        nb.metadata["grader"] = {"notices": ["disk_full"]}
    findings = audit.audit_notebook(nb, skip)
    notes += [f.describe(_cell_label(nb, f.cell)) for f in findings]
    flagged = audit.first_scored(findings)
    code = rules.NotebookCode(nb)
    library = libraries.first_import(nb, notebook)
    plots: dict = {}
    if library is not None:
        notes.append(f"imports {library[2]} (not allowed in this notebook) in cell {_cell_label(nb, library[0])}, "
                     f"line {library[1]}")
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        cell_run = run.cells.get(index, CellRun())
        cell.execution_count = None
        if is_test_cell(cell):
            grade_id = cell.metadata.nbgrader.get("grade_id", str(index))
            # Judged in every case, so that the instructor's notes keep what the observations showed.
            figures = []
            cell.outputs = [_verdict(cell.source, cell_run, stop_reason, notes, grade_id,
                                     _earlier_failure(nb, run, index, limits),
                                     disk_full if run.disk_full is not None and index >= run.disk_full else "",
                                     code, figures)]
            cell.outputs += [_shown_once(figure, grade_id, plots) for figure in figures if figure is not None]
            if flagged is not None and index > flagged.cell:
                cell.outputs = [_failure("tampering", TEXT["tampering"].format(
                    cell=_cell_label(nb, flagged.cell), line=flagged.line))]
            elif library is not None and index > library[0]:
                cell.outputs = [_failure("library", libraries.message(library[2]))]
        else:
            cell.outputs = cell_run.outputs
    return notes


