"""``release`` that checks before it writes, and never leaves ``release/`` half-deleted.

nbgrader's ``generate_assignment --force`` deletes ``release/<assignment>`` and
only then finds out that the gradebook forbids the change (notebooks or cells
added or removed while submissions exist). Here every assignment is planned
first — source readable, gradebook compared — and nothing is touched unless
every plan is allowed; a failure while writing puts the previous release and
gradebook back.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .course import Course
from .nbgrader_cli import nbgrader


class ReleaseRefused(ValueError):
    """The release would break the gradebook or change graded work; nothing was touched."""


@dataclass
class Plan:
    """What releasing one assignment changes in a gradebook that already knows it."""
    assignment: str
    submissions: int = 0
    notebooks_added: list = field(default_factory=list)
    notebooks_removed: list = field(default_factory=list)
    cells_added: dict = field(default_factory=dict)      # notebook -> grade_ids
    cells_removed: dict = field(default_factory=dict)
    cells_changed: dict = field(default_factory=dict)    # notebook -> grade_ids whose source or points changed

    @property
    def refused(self) -> bool:
        """nbgrader itself refuses these once there are submissions."""
        return self.submissions > 0 and bool(self.notebooks_added or self.notebooks_removed
                                             or self.cells_added or self.cells_removed)

    @property
    def needs_confirm(self) -> bool:
        """Existing grades were computed with other cells: a regrade will change them."""
        return self.submissions > 0 and bool(self.cells_changed)

    def describe(self) -> str:
        lines = []
        for label, items in [("notebooks added", self.notebooks_added),
                             ("notebooks removed", self.notebooks_removed)]:
            if items:
                lines.append(f"  {label}: {', '.join(items)}")
        for label, per_nb in [("cells added", self.cells_added), ("cells removed", self.cells_removed),
                              ("cells changed (source or points)", self.cells_changed)]:
            for notebook, ids in sorted(per_nb.items()):
                lines.append(f"  {notebook}: {label}: {', '.join(ids)}")
        return "\n".join(lines)


def _source_cells(course: Course, path: Path) -> dict:
    """{grade_id: (checksum, points)} of the notebook's locked and graded cells, as nbgrader will store them."""
    from nbgrader.preprocessors import ClearSolutions, ComputeChecksums, LockCells
    nb = nbformat.read(str(path), as_version=4)   # raises on a broken notebook: before anything is touched
    resources = {"nbgrader": {"notebook": path.stem}}
    for step in (LockCells(config=course.config), ClearSolutions(config=course.config),
                 ComputeChecksums(config=course.config)):
        nb, resources = step.preprocess(nb, resources)
    cells = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if "grade_id" in meta and (meta.get("grade") or meta.get("solution") or meta.get("locked")
                                   or meta.get("task")):
            points = float(meta["points"]) if meta.get("grade") else None
            cells[meta["grade_id"]] = (meta.get("checksum"), points)
    return cells


def plan(course: Course, assignment: str) -> Plan:
    """Compare ``source/<assignment>`` with what the gradebook holds (nothing is written)."""
    folder = course.source(assignment)
    if not folder.is_dir():
        raise ReleaseRefused(f"no assignment {assignment!r}: {folder} does not exist")
    new = {p.stem: _source_cells(course, p) for p in sorted(folder.glob("*.ipynb"))}
    if not new:
        raise ReleaseRefused(f"{folder} has no notebooks")
    result = Plan(assignment)
    if not course.has_gradebook():
        return result
    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook(course.db_url) as gb:
        try:
            stored = gb.find_assignment(assignment)
        except MissingEntry:
            return result
        result.submissions = len(stored.submissions)
        old = {}
        for notebook in stored.notebooks:
            cells = {c.name: (c.checksum, None) for c in notebook.source_cells}
            for c in notebook.grade_cells:
                cells[c.name] = (cells.get(c.name, (None, None))[0], float(c.max_score))
            for c in list(notebook.solution_cells) + list(notebook.task_cells):
                cells.setdefault(c.name, (None, None))
            old[notebook.name] = cells
    result.notebooks_added = sorted(set(new) - set(old))
    result.notebooks_removed = sorted(set(old) - set(new))
    for name in sorted(set(new) & set(old)):
        added, removed = sorted(set(new[name]) - set(old[name])), sorted(set(old[name]) - set(new[name]))
        changed = sorted(i for i in set(new[name]) & set(old[name])
                         if (old[name][i][0] and new[name][i][0] != old[name][i][0])
                         or (old[name][i][1] is not None and new[name][i][1] != old[name][i][1]))
        if added:
            result.cells_added[name] = added
        if removed:
            result.cells_removed[name] = removed
        if changed:
            result.cells_changed[name] = changed
    return result


def refusal(plan_: Plan) -> str:
    """The instructor's message: what would change, why nbgrader forbids it, the ways out."""
    return (f"release {plan_.assignment}: refused, nothing was changed. The gradebook has "
            f"{plan_.submissions} submission(s) of {plan_.assignment}, and nbgrader does not allow adding or "
            f"removing notebooks or cells of an assignment once it has submissions:\n{plan_.describe()}\n"
            "Ways out:\n"
            "  - put the new or changed notebooks in a new assignment (a new folder in source/), or\n"
            "  - undo the change in source/, or\n"
            "  - if those submissions are only the demo's (an old `python -m grader demo` that graded in this"
            " course), run `python -m grader demo --reset`, then release again.")


def release(course_root: Path, assignments: list[str], confirm: bool = False, say=print) -> list[Plan]:
    """Check every assignment, then generate each one; on a failure restore release/ and the gradebook."""
    course = Course.at(course_root)
    plans = [plan(course, a) for a in assignments]
    refused = [p for p in plans if p.refused]
    if refused:
        raise ReleaseRefused("\n\n".join(refusal(p) for p in refused))
    unconfirmed = [p for p in plans if p.needs_confirm and not confirm]
    if unconfirmed:
        raise ReleaseRefused("\n\n".join(
            f"release {p.assignment}: {p.submissions} submission(s) were graded with the old cells; these "
            f"changed:\n{p.describe()}\nRelease again with --confirm to accept (then regrade: "
            f"`python -m grader grade {p.assignment}`). Nothing was changed." for p in unconfirmed))
    for p in plans:
        if p.cells_changed:
            say(f"release {p.assignment}: cells changed since the last release:\n{p.describe()}")
        _generate(course, p.assignment)
    return plans


def _generate(course: Course, assignment: str) -> None:
    """nbgrader generate_assignment, with the previous release/ folder and gradebook kept until it succeeds."""
    target = course.release(assignment)
    with tempfile.TemporaryDirectory(prefix="release-backup-") as tmp:
        backup = Path(tmp)
        if target.exists():
            shutil.copytree(target, backup / "release", symlinks=True)
        db = course.db_path
        if db is not None and db.exists():
            shutil.copy2(db, backup / "gradebook")
        try:
            nbgrader(course.root, "generate_assignment", assignment, "--force")
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            if (backup / "release").exists():
                shutil.copytree(backup / "release", target, symlinks=True)
            if (backup / "gradebook").exists():
                shutil.copy2(backup / "gradebook", db)
            raise


__all__ = ["Plan", "ReleaseRefused", "plan", "refusal", "release"]
