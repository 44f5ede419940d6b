"""The instructor's pipeline: release, solutions, grade, feedback, export — on real nbgrader.

``grade`` is "the grading path" that later issues refer to: every way the
course grades (the CLI, the demo, the variant harness) goes through it.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .nbgrader_cli import NbgraderError, assignments, nbgrader  # noqa: F401 (re-exported)


@dataclass
class GradeReport:
    """What happened to each submission of one assignment."""
    assignment: str
    graded: list = field(default_factory=list)
    failed: dict = field(default_factory=dict)   # student -> reason (English, for the instructor)
    notes: dict = field(default_factory=dict)    # student -> what looked wrong while grading (tampering, crashes)
    seconds: dict = field(default_factory=dict)  # stage -> seconds summed over notebooks, and "wall"
    workers: dict = field(default_factory=dict)  # host:pid of the processes that ran jobs -> count

    def save(self, course: Path) -> Path:
        """reports/<assignment>.json: instructor-only, never shown to students."""
        path = course / "reports" / f"{self.assignment}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path


def load_report(course: Path, assignment: str) -> GradeReport:
    """The report the last ``grade`` of ``assignment`` saved (empty if it was never graded)."""
    path = course / "reports" / f"{assignment}.json"
    if not path.exists():
        return GradeReport(assignment)
    return GradeReport(**json.loads(path.read_text(encoding="utf-8")))


def release(course: Path, only: str | None = None) -> None:
    """source/ -> release/ (student stubs) and the gradebook's copy of every locked cell."""
    from .seeds import ensure_secret
    ensure_secret(course)   # the seed of every hidden case is derived from it (grader/seeds.py)
    for assignment in ([only] if only else assignments(course)):
        nbgrader(course, "generate_assignment", assignment, "--force")


def solutions(course: Path, only: str | None = None) -> None:
    """source/ -> solutions/ (executed, with answers and hidden tests)."""
    for assignment in ([only] if only else assignments(course)):
        nbgrader(course, "generate_solution", assignment, "--force")


def submitted_students(course: Path, assignment: str) -> list[str]:
    root = course / "submitted"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / assignment).is_dir())


def grade(course: Path, assignment: str, *, workers: int | None = None, scheduler: str | None = None,
          allow_unsandboxed: bool = False, limits=None, progress=None, students=None,
          literal_seeds: bool = False) -> GradeReport:
    """Grade every submission of ``assignment``; one broken or hostile submission never stops the others.

    Notebooks run in parallel (``workers`` threads, default one per core, or on
    the Dask cluster at ``scheduler``), each in its own sandboxed kernel, and are
    scored by the clean process that ran the job (``grader/engine.py``). Grades
    are recorded with nbgrader's own ``SaveAutoGrades``. Untrusted code never
    runs unsandboxed unless ``allow_unsandboxed``. ``students`` limits grading to those ids.
    Hidden checks run with seeds derived per student from the course secret (``grader/seeds.py``),
    or with the seeds written in the test cells when ``literal_seeds`` (benchmarks).
    """
    import nbformat

    from . import seeds
    from .bookkeeping import Bookkeeper
    from .engine import Job, Limits, run_jobs, sandbox_or_refuse
    started = time.monotonic()
    sandboxed = True if scheduler else sandbox_or_refuse(allow_unsandboxed)
    book = Bookkeeper(course)
    secret = None if literal_seeds else seeds.read_secret(course)
    # One cell's time limit is nbgrader's own setting (Execute.timeout), so both paths agree.
    limits = limits or Limits(cell_seconds=float(book.config.Execute.get("timeout", Limits.cell_seconds)))
    report = GradeReport(assignment)
    stages = {"prepare": 0.0, "start": 0.0, "execute": 0.0, "score": 0.0, "record": 0.0}
    jobs = []
    students = [s for s in submitted_students(course, assignment) if students is None or s in students]
    for student in students:
        try:
            handed_in = book.open_submission(assignment, student)
        except Exception as exc:  # noqa: BLE001 - reported; the others are still graded
            report.failed[student] = f"could not open the submission: {type(exc).__name__}: {exc}"[:400]
            continue
        folder = course / "submitted" / student / assignment
        extra = sorted(p.name for p in folder.iterdir()
                       if p.name != "timestamp.txt" and p.stem not in handed_in)
        if extra:
            report.notes.setdefault(student, []).append(f"files not graded (not notebooks of {assignment}): "
                                                        + ", ".join(extra)[:300])
        for notebook in handed_in:
            tick = time.monotonic()
            try:
                notebook_json = book.sanitize(assignment, student, notebook)
                table = {} if secret is None else seeds.for_notebook(
                    secret, assignment, notebook, student, nbformat.reads(notebook_json, as_version=4))
                jobs.append(Job(student, assignment, notebook, notebook_json, limits, sandboxed, table))
            except Exception as exc:  # noqa: BLE001 - invalid JSON, a notebook nbgrader cannot read, ...
                report.failed[student] = f"not graded ({notebook}): {type(exc).__name__}: {exc}"[:400]
                book.zero_notebook(assignment, student, notebook)
            stages["prepare"] += time.monotonic() - tick
    done = []

    def record(result):
        tick = time.monotonic()
        if result.error:
            report.failed[result.student] = f"not graded ({result.notebook}): {result.error}"[:400]
            book.zero_notebook(assignment, result.student, result.notebook)
        else:
            try:
                book.finish(assignment, result.student, result.notebook, result.graded_json)
            except Exception as exc:  # noqa: BLE001
                report.failed[result.student] = f"not recorded ({result.notebook}): {type(exc).__name__}: {exc}"[:400]
        for note in result.notes:
            report.notes.setdefault(result.student, []).append(f"{result.notebook}: {note}")
        for stage, seconds in result.seconds.items():
            stages[stage] = stages.get(stage, 0.0) + seconds
        report.workers[result.worker] = report.workers.get(result.worker, 0) + 1
        stages["record"] += time.monotonic() - tick
        done.append(result)
        if progress:
            progress(len(done), len(jobs))

    run_jobs(jobs, workers=workers, scheduler=scheduler, on_result=record)
    report.graded = [s for s in students if s not in report.failed]
    report.seconds = {**{k: round(v, 3) for k, v in stages.items()}, "wall": round(time.monotonic() - started, 3)}
    report.save(course)
    return report


def feedback(course: Path, assignment: str) -> None:
    """feedback/<student>/<assignment>/<notebook>.html for every graded submission."""
    nbgrader(course, "generate_feedback", assignment, "--force", check=False)


def export(course: Path, to: Path) -> Path:
    """The gradebook as a CSV (nbgrader's own exporter)."""
    to.parent.mkdir(parents=True, exist_ok=True)
    nbgrader(course, "export", f"--to={to}")
    return to


def cell_scores(course: Path, assignment: str, student: str) -> dict:
    """{notebook: {grade_id: (score, max_score)}} from the gradebook, for one submission."""
    from nbgrader.api import Gradebook, MissingEntry
    result = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return result
        for notebook in submission.notebooks:
            result[notebook.name] = {g.name: (float(g.score), float(g.max_score)) for g in notebook.grades}
    return result


def score_table(course: Path) -> list[dict]:
    """One row per (student, assignment, notebook) with total score and max score."""
    rows = []
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                for notebook in submission.notebooks:
                    rows.append({"student": submission.student.id, "assignment": assignment.name,
                                 "notebook": notebook.name, "score": float(notebook.score),
                                 "max_score": float(notebook.max_score)})
    return sorted(rows, key=lambda r: (r["student"], r["assignment"], r["notebook"]))



__all__ = ["GradeReport", "load_report", "NbgraderError", "release", "solutions", "grade", "feedback", "export",
           "cell_scores", "score_table", "submitted_students"]
