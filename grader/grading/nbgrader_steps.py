"""What ``nbgrader autograde`` does around running a notebook, done with nbgrader's own parts.

Before: create the student and the submission (with its timestamp), give
notebooks not handed in a zero, and sanitize each notebook — clear outputs,
deduplicate ids, reset the kernelspec, restore every locked and test cell from
the gradebook (re-inserting deleted ones), check metadata. After: drop active (HTML, script)
outputs of cells other than test cells, limit output,
``SaveAutoGrades``, late penalties, and write ``autograded/``. Reading the
course's ``nbgrader_config.py`` keeps plain nbgrader commands and this path in
agreement (``add_missing_cells``, ``ignore``, the folders).
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import jsonschema
import nbformat
import nbgrader.api as nbgrader_api
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds,
                                    LimitOutput, NbGraderPreprocessor, OverwriteCells, OverwriteKernelspec,
                                    SaveAutoGrades)
from nbgrader.nbgraderformat.common import BaseMetadataValidator, ValidationError
from nbgrader.nbgraderformat.v3 import MetadataValidatorV3
from sqlalchemy.exc import SAWarning

from .course import Course
from .preprocessors import DropActiveOutputs

# nbgrader 0.9.6's update_or_create_submission trips SQLAlchemy 2's autoflush warning; harmless noise.
warnings.filterwarnings("ignore", message="Object of type <Submitted", category=SAWarning)


def _engine_cache(create_engine, size: int = 8):
    """``create_engine`` for nbgrader's ``Gradebook``, one engine per database for the process.

    Each ``Gradebook`` makes an engine of its own, so SQLAlchemy compiles every statement again (its
    cache lives on the engine): a third of the bookkeeping of a graded notebook. Engines here keep
    no pooled connection (``NullPool``: a gradebook deleted and made again is never written through
    an old connection), only the compiled statements.
    """
    from collections import OrderedDict
    from threading import Lock

    from sqlalchemy.pool import NullPool
    engines, lock = OrderedDict(), Lock()

    def shared(url, **kwargs):
        key = (str(url), tuple(sorted(kwargs.items())))
        with lock:
            engine = engines.pop(key, None) or create_engine(url, poolclass=NullPool, **kwargs)
            engines[key] = engine
            while len(engines) > size:
                engines.popitem(last=False)[1].dispose()
        return engine

    shared.original = create_engine
    return shared


if not hasattr(nbgrader_api.create_engine, "original"):
    nbgrader_api.create_engine = _engine_cache(nbgrader_api.create_engine)


class _CompiledSchema(BaseMetadataValidator):
    """nbgrader's per-cell metadata validation with its JSON schema compiled once per process.

    ``jsonschema.validate`` checks the schema itself on every call: two thirds of a graded notebook's
    bookkeeping once kernels are cheap. Same schema, same checks, same errors.
    """
    _compiled: dict = {}

    def validate_cell(self, cell) -> None:
        if "nbgrader" not in cell.metadata:
            return
        schema = cell.metadata["nbgrader"].get("schema_version", 0)
        if schema != self.schema_version:
            return super().validate_cell(cell)         # nbgrader's own version errors
        validator = self._compiled.get(self.schema_version)
        if validator is None:
            validator = self._compiled[self.schema_version] = jsonschema.validators.validator_for(
                self.schema)(self.schema)
        validator.validate(cell.metadata["nbgrader"])


class _FastMetadataValidator(MetadataValidatorV3, _CompiledSchema):
    """``MetadataValidatorV3``'s own checks (unique ids, cell types) on top of the compiled schema."""


class CheckCellMetadataCompiled(CheckCellMetadata):
    """nbgrader's ``CheckCellMetadata``, validating against the schema compiled once."""

    def preprocess(self, nb, resources):
        try:
            _FastMetadataValidator().validate_nb(nb)
        except ValidationError:
            self.log.error("Notebook failed to validate; the nbgrader metadata may be corrupted.")
            raise ValidationError("Notebook failed to validate; the nbgrader metadata may be corrupted.")
        return nb, resources


class SaveAutoGradesAtOnce(SaveAutoGrades):
    """nbgrader's ``SaveAutoGrades`` in one transaction per notebook instead of one per cell.

    The same rows and values land in the gradebook (nbgrader's own ``_add_score``/``_add_comment``
    run unchanged); they are committed together, and not at all if the notebook fails half-way.
    """

    def preprocess(self, nb, resources):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.student_id = resources["nbgrader"]["student"]
        self.db_url = resources["nbgrader"]["db_url"]
        self.gradebook = Gradebook(self.db_url)
        with self.gradebook:
            session = self.gradebook.db
            session.commit = lambda: session.flush()    # per-cell commits become flushes ...
            try:
                nb, resources = NbGraderPreprocessor.preprocess(self, nb, resources)
            finally:
                del session.commit
            session.commit()                            # ... and the notebook is committed once
        return nb, resources


class DropUnknownCells(NbGraderPreprocessor):
    """A cell claiming a grade_id the gradebook does not know (renamed, invented), or one already
    claimed by an earlier cell (duplicated), becomes plain code.

    nbgrader drops the whole submission in those cases; here the student's cell
    simply stops counting, and ``RestoreMissingCells`` puts the real cell back.
    """

    known: set = set()

    def preprocess(self, nb, resources):
        seen = set()
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader")
            if meta is None:
                continue
            grade_id = meta.get("grade_id")
            if grade_id not in self.known or grade_id in seen:
                del cell.metadata["nbgrader"]
            else:
                seen.add(grade_id)
        return nb, resources


class RestoreMissingCells(NbGraderPreprocessor):
    """Put back every graded, answer or locked cell the submission lacks, with its real source.

    nbgrader's own ``add_missing_cells`` (0.9.6) re-inserts a deleted *test*
    cell as a comment — which would run without error and score full marks —
    and fails when the cell before it in the source is a locked markdown cell.
    Here the cell comes back as the gradebook stores it (the release's version:
    an answer cell comes back unanswered), after the nearest earlier cell of the
    source that the submission still has.
    """

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook
        from nbformat.v4 import new_code_cell, new_markdown_cell
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            source = gb.find_notebook(info["notebook"], info["assignment"])
            points = {c.name: c.max_score for c in source.grade_cells}
            solutions = {c.name for c in source.solution_cells}
            cells = {c.name: (c.name, c.cell_type, c.source, c.locked) for c in source.source_cells}
        order = [name for name in info.get("order", []) if name in cells]
        cells = [cells[name] for name in order + sorted(set(cells) - set(order))]
        present = {c.metadata.nbgrader["grade_id"]: c for c in nb.cells if "nbgrader" in c.get("metadata", {})}
        previous = None
        for name, cell_type, text, locked in cells:
            if name not in present and (name in points or name in solutions):
                meta = {"grade": name in points, "solution": name in solutions, "locked": bool(locked),
                        "grade_id": name, "schema_version": 3, "task": False}
                if name in points:
                    meta["points"] = points[name]
                notice = OverwriteCells(config=self.config).missing_cell_notification.format(cell_id=name)
                if cell_type == "code":   # a comment, so that the cell still runs and declares its checks
                    notice = "".join(f"# {line}\n" for line in notice.strip().splitlines())
                cell = (new_code_cell if cell_type == "code" else new_markdown_cell)(notice + text)
                cell.metadata["nbgrader"] = meta
                cell.id = name
                position = nb.cells.index(previous) + 1 if previous is not None else 0
                nb.cells.insert(position, cell)
                present[name] = cell
            previous = present.get(name, previous)
        return nb, resources


class Bookkeeper:
    """The gradebook side of grading one course (one instance, one thread)."""

    def __init__(self, course: Path):
        self.layout = Course.at(course)
        self.course = self.layout.root
        self.config = self.layout.config
        self.coursedir = self.layout.coursedir
        self.db_url = self.layout.db_url
        self.sanitizers = [ClearOutput(config=self.config), DeduplicateIds(config=self.config),
                           OverwriteKernelspec(config=self.config),
                           OverwriteCells(config=self.config, add_missing_cells=False),
                           RestoreMissingCells(config=self.config), CheckCellMetadataCompiled(config=self.config)]
        self.finishers = [DropActiveOutputs(config=self.config), LimitOutput(config=self.config),
                          SaveAutoGradesAtOnce(config=self.config), AssignLatePenalties(config=self.config),
                          CheckCellMetadataCompiled(config=self.config)]

    last_notes: list = []   # what the last ``sanitize`` restored (instructor notes)

    def notebooks(self, assignment: str) -> list[str]:
        with Gradebook(self.db_url) as gb:
            return [nb.name for nb in gb.find_assignment(assignment).notebooks]

    def open_submission(self, assignment: str, student: str) -> list[str]:
        """Create student and submission; zero the notebooks not handed in; return those handed in."""
        submitted = self.layout.submitted(student, assignment)
        timestamp = self.coursedir.get_existing_timestamp(str(submitted))
        handed_in = []
        with Gradebook(self.db_url) as gb:
            gb.update_or_create_student(student)
            if timestamp:
                gb.update_or_create_submission(assignment, student, timestamp=timestamp)
            else:
                gb.update_or_create_submission(assignment, student)
            for notebook in gb.find_assignment(assignment).notebooks:
                if (submitted / f"{notebook.name}.ipynb").is_file():
                    handed_in.append(notebook.name)
                else:
                    self.zero(gb, assignment, student, notebook.name)
        shutil.rmtree(self.layout.autograded(student, assignment), ignore_errors=True)
        return handed_in

    @staticmethod
    def zero(gb, assignment: str, student: str, notebook: str) -> None:
        for grade in gb.find_submission_notebook(notebook, assignment, student).grades:
            grade.auto_score = 0
            grade.needs_manual_grade = False
        gb.db.commit()

    def zero_notebook(self, assignment: str, student: str, notebook: str) -> None:
        with Gradebook(self.db_url) as gb:
            self.zero(gb, assignment, student, notebook)

    def _resources(self, assignment, student, notebook):
        return {"nbgrader": {"db_url": self.db_url, "assignment": assignment, "notebook": notebook,
                             "student": student}, "metadata": {"name": notebook}}

    def sanitize(self, assignment: str, student: str, notebook: str) -> str:
        """The submitted notebook with every locked and test cell restored: JSON for a job."""
        path = self.layout.submitted(student, assignment) / f"{notebook}.ipynb"
        nb = nbformat.read(str(path), as_version=4)
        resources = self._resources(assignment, student, notebook)
        release = self.layout.release(assignment) / f"{notebook}.ipynb"
        if release.is_file():  # the gradebook does not keep the cells' order; the release does
            resources["nbgrader"]["order"] = [c.metadata.nbgrader["grade_id"] for c in
                                              nbformat.read(str(release), as_version=4).cells
                                              if "nbgrader" in c.metadata and "grade_id" in c.metadata.nbgrader]
        with Gradebook(self.db_url) as gb:
            source = gb.find_notebook(notebook, assignment)
            known = ({c.name for c in source.grade_cells} | {c.name for c in source.solution_cells}
                     | {c.name for c in source.source_cells} | {c.name for c in source.task_cells})
        self.last_notes = self._tampering(nb, release)
        drop = DropUnknownCells(config=self.config)
        drop.known = known
        for step in [drop, *self.sanitizers]:
            nb, resources = step.preprocess(nb, resources)
        return nbformat.writes(nb)

    @staticmethod
    def _tampering(nb, release: Path) -> list[str]:
        """Test cells the submission changed or lacks, against what students received: notes for the
        instructor (the cells themselves are restored from the gradebook whatever this says)."""
        if not release.is_file():
            return []
        from nbgrader.utils import is_grade
        given = {c.metadata.nbgrader["grade_id"]: c.source for c in nbformat.read(str(release), as_version=4).cells
                 if "nbgrader" in c.metadata and is_grade(c) and not c.metadata.nbgrader.get("solution")}
        seen, edited = set(), []
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id in given and grade_id not in seen:
                seen.add(grade_id)
                if cell.source.strip() != given[grade_id].strip():
                    edited.append(grade_id)
        notes = []
        if edited:
            notes.append(f"test cells edited by the student, restored from the gradebook: {', '.join(sorted(edited))}")
        missing = sorted(set(given) - seen)
        if missing:
            notes.append(f"test cells missing from the submission, put back: {', '.join(missing)}")
        return notes

    def finish(self, assignment: str, student: str, notebook: str, graded_json: str) -> Path:
        """Record the grades (nbgrader's SaveAutoGrades) and write autograded/."""
        nb = nbformat.reads(graded_json, as_version=4)
        resources = self._resources(assignment, student, notebook)
        for step in self.finishers:
            nb, resources = step.preprocess(nb, resources)
        target = self.layout.autograded(student, assignment)
        target.mkdir(parents=True, exist_ok=True)
        path = target / f"{notebook}.ipynb"
        nbformat.write(nb, str(path))
        submitted = self.layout.submitted(student, assignment) / "timestamp.txt"
        if submitted.is_file() and not submitted.is_symlink():
            shutil.copyfile(submitted, target / "timestamp.txt")
        return path


__all__ = ["Bookkeeper", "DropUnknownCells", "MissingEntry", "RestoreMissingCells"]
