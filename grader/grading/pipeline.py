"""The instructor's pipeline: release, solutions, grade, feedback, export — on real nbgrader.

``grade`` is "the grading path" that later issues refer to: every way the
course grades (the CLI, the demo, the variant harness) goes through it.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .course import Course
from .escape import printable
from .nbgrader_cli import NbgraderError, nbgrader  # noqa: F401 (re-exported)


@dataclass
class GradeReport:
    """What happened to each submission of one assignment."""
    assignment: str
    graded: list = field(default_factory=list)
    failed: dict = field(default_factory=dict)   # student -> reason (English, for the instructor)
    notes: dict = field(default_factory=dict)    # student -> what looked wrong while grading (tampering, crashes)
    seconds: dict = field(default_factory=dict)  # stage -> seconds summed over notebooks, and "wall"
    workers: dict = field(default_factory=dict)  # host:pid of the processes that ran jobs -> count
    missing: dict = field(default_factory=dict)  # student -> notebooks of the assignment not handed in (0 points)

    def save(self, course: Path) -> Path:
        """reports/<assignment>.json: instructor-only, never shown to students."""
        path = Course.at(course).reports / f"{self.assignment}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path


def excerpt(text: str, limit: int = 400) -> str:
    """A reason for the report: exception texts quote the student's file (a broken notebook's first
    characters, its names), so they are escaped here already, then cut to a readable length."""
    return printable(text)[:limit]


def load_report(course: Path, assignment: str) -> GradeReport:
    """The report the last ``grade`` of ``assignment`` saved (empty if it was never graded)."""
    path = Course.at(course).reports / f"{assignment}.json"
    if not path.exists():
        return GradeReport(assignment)
    return GradeReport(**json.loads(path.read_text(encoding="utf-8")))


def release(course: Path, only: str | None = None, confirm: bool = False, say=print) -> None:
    """source/ -> release/ (student stubs) and the gradebook's copy of every locked cell.

    Checked first, for every assignment, against the gradebook (``grader/grading/release.py``):
    raises ``ReleaseRefused`` before touching anything.
    """
    from . import release as releasing
    from .seeds import ensure_secret
    ensure_secret(course)   # the seed of every hidden case is derived from it (grader/grading/seeds.py)
    releasing.release(course, [only] if only else assignments(course), confirm=confirm, say=say)


class ReferenceCheckFailed(ValueError):
    """A reference solution lost points, or an unanswered notebook scored some (``reference_check``)."""


def solutions(course: Path, only: str | None = None, release_check: bool = True) -> None:
    """source/ -> solutions/ (executed, with answers and hidden tests), then judged.

    Raises ``ReferenceCheckFailed`` naming each notebook and cell unless every
    reference solution gets full marks and (``release_check``: one more kernel
    per notebook) every unanswered notebook zero.
    """
    from . import reference_check
    chosen = [only] if only else assignments(course)
    layout = Course.at(course)
    # Each assignment's notebooks run in their own nbgrader process, one per core: a kernel uses one.
    largest_first = sorted(chosen, key=lambda a: -len(list(layout.source(a).glob("*.ipynb"))))
    with ThreadPoolExecutor(max_workers=min(len(chosen), os.cpu_count() or 1)) as pool:
        list(pool.map(lambda a: nbgrader(course, "generate_solution", a, "--force"), largest_first))
    problems = []
    for assignment in chosen:
        names = sorted(p.stem for p in layout.source(assignment).glob("*.ipynb"))
        for name in names:
            problems += reference_check.check_solution(layout, assignment, name)
            if release_check:
                problems += reference_check.check_release(layout, assignment, name)
    if problems:
        raise ReferenceCheckFailed(f"{len(problems)} test cell(s) misjudge the reference or the release:\n"
                                   + "\n".join(f"  {p}" for p in problems))


def assignments(course: Path) -> list[str]:
    """Assignment names, from the folders of the course's source step."""
    return Course.at(course).assignments()


def submitted_students(course: Path, assignment: str) -> list[str]:
    root = Course.at(course).submitted()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / assignment).is_dir())


def grade(course: Path, assignment: str, *, workers: int | None = None, scheduler: str | None = None,
          allow_unsandboxed: bool = False, limits=None, progress=None, students=None,
          literal_seeds: bool = False) -> GradeReport:
    """Grade every submission of ``assignment``; one broken or hostile submission never stops the others.

    Notebooks run in parallel (``workers`` threads, default one per core, or on
    the Dask cluster at ``scheduler``), each in its own sandboxed kernel, and are
    scored by the clean process that ran the job (``grader/grading/jobs.py``). Grades
    are recorded with nbgrader's own ``SaveAutoGrades``. Untrusted code never
    runs unsandboxed unless ``allow_unsandboxed``. ``students`` limits grading to those ids.
    Hidden checks run with seeds derived per student from the course secret (``grader/grading/seeds.py``),
    or with the seeds written in the test cells when ``literal_seeds`` (benchmarks).
    """
    import nbformat

    from . import seeds
    from .nbgrader_steps import Bookkeeper
    from .jobs import Job, Limits, run_jobs, sandbox_or_refuse
    from .sandbox import SandboxLimits
    started = time.monotonic()
    sandboxed = True if scheduler else sandbox_or_refuse(allow_unsandboxed)
    book = Bookkeeper(course)
    secret = None if literal_seeds else seeds.read_secret(course)
    # One cell's time limit is nbgrader's own setting (Execute.timeout), so both paths agree;
    # the sandbox's own limits are c.SandboxLimits.* in nbgrader_config.py.
    limits = limits or Limits(cell_seconds=float(book.config.Execute.get("timeout", Limits.cell_seconds)),
                              disk_bytes=SandboxLimits(config=book.config).disk_bytes)
    report = GradeReport(assignment)
    stages = {"prepare": 0.0, "start": 0.0, "execute": 0.0, "score": 0.0, "record": 0.0}
    handed = submitted_students(course, assignment)
    only = students
    if students is not None:
        unknown = sorted(set(students) - set(handed))
        if unknown:
            raise ValueError(f"no submission of {assignment} from {', '.join(unknown)} in "
                             f"{Course.at(course).submitted()}")
    students = [s for s in handed if students is None or s in students]
    pending = []
    for student in students:
        try:
            handed_in = book.open_submission(assignment, student)
        except Exception as exc:  # noqa: BLE001 - reported; the others are still graded
            report.failed[student] = excerpt(f"could not open the submission: {type(exc).__name__}: {exc}")
            continue
        folder = book.layout.submitted(student, assignment)
        extra = sorted(p.name for p in folder.iterdir()
                       if p.name != "timestamp.txt" and p.stem not in handed_in)
        if extra:
            report.notes.setdefault(student, []).append(excerpt(f"files not graded (not notebooks of {assignment}): "
                                                                + ", ".join(extra)))
        missing = sorted(set(book.notebooks(assignment)) - set(handed_in))
        if missing:
            report.missing[student] = missing
        pending += [(student, notebook) for notebook in handed_in]

    def prepared():
        """Jobs, prepared one at a time as the workers take them: the first kernels start at once."""
        for student, notebook in pending:
            tick = time.monotonic()
            try:
                notebook_json = book.sanitize(assignment, student, notebook)
                table = {} if secret is None else seeds.for_notebook(
                    secret, assignment, notebook, student, nbformat.reads(notebook_json, as_version=4))
                job = Job(student, assignment, notebook, notebook_json, limits, sandboxed, table)
                for note in book.last_notes:
                    report.notes.setdefault(student, []).append(f"{notebook}: {note}")
            except Exception as exc:  # noqa: BLE001 - invalid JSON, a notebook nbgrader cannot read, ...
                report.failed[student] = excerpt(f"not graded ({notebook}): {type(exc).__name__}: {exc}")
                book.zero_notebook(assignment, student, notebook)
                job = None
            stages["prepare"] += time.monotonic() - tick
            if job is not None:
                yield job

    done = []

    def record(result):
        tick = time.monotonic()
        if result.error:
            report.failed[result.student] = excerpt(f"not graded ({result.notebook}): {result.error}")
            book.zero_notebook(assignment, result.student, result.notebook)
        else:
            try:
                book.finish(assignment, result.student, result.notebook, result.graded_json)
            except Exception as exc:  # noqa: BLE001
                report.failed[result.student] = excerpt(f"not recorded ({result.notebook}): {type(exc).__name__}: {exc}")
        for note in result.notes:
            report.notes.setdefault(result.student, []).append(printable(f"{result.notebook}: {note}"))
        for stage, seconds in result.seconds.items():
            stages[stage] = stages.get(stage, 0.0) + seconds
        report.workers[result.worker] = report.workers.get(result.worker, 0) + 1
        stages["record"] += time.monotonic() - tick
        done.append(result)
        if progress:
            progress(len(done), len(pending))

    run_jobs(prepared(), workers=workers, scheduler=scheduler, on_result=record)
    report.graded = [s for s in students if s not in report.failed]
    for student, note in _gradebook_notes(course, assignment, students):
        report.notes.setdefault(student, []).append(note)
    report.seconds = {**{k: round(v, 3) for k, v in stages.items()}, "wall": round(time.monotonic() - started, 3)}
    if only is not None:   # a regrade of some students keeps what the last grading said about the others
        _merge_previous(report, load_report(course, assignment), set(students))
    report.save(course)
    return report


def _merge_previous(report: GradeReport, previous: GradeReport, regraded: set) -> None:
    report.graded = sorted(set(report.graded) | (set(previous.graded) - regraded))
    for mine, theirs in ((report.failed, previous.failed), (report.notes, previous.notes),
                         (report.missing, previous.missing)):
        for student, value in theirs.items():
            if student not in regraded:
                mine.setdefault(student, value)


def _gradebook_notes(course: Path, assignment: str, students: list[str]):
    """(student, note) for late penalties and for points the instructor set by hand (kept on regrade)."""
    from nbgrader.api import Gradebook, MissingEntry
    layout = Course.at(course)
    with Gradebook(layout.db_url) as gb:
        for student in students:
            try:
                submission = gb.find_submission(assignment, student)
            except MissingEntry:
                continue
            penalty = float(submission.late_submission_penalty or 0)
            if submission.total_seconds_late:
                yield student, (f"late by {submission.total_seconds_late / 3600:.1f} h (due "
                                f"{layout.local(submission.duedate)}): penalty {penalty:g} points")
            for notebook in submission.notebooks:
                manual = [g.name for g in notebook.grades
                          if g.manual_score is not None and g.manual_score != g.auto_score]
                if manual:
                    yield student, f"{notebook.name}: points set by the instructor kept: {', '.join(manual)}"


def feedback(course: Path, assignment: str, students: list[str] | None = None) -> list[Path]:
    """feedback/<student>/<assignment>/<notebook>.html for every graded submission (or ``students``'):
    returns the pages written."""
    layout = Course.at(course)
    started = time.time()
    if students is None:
        nbgrader(course, "generate_feedback", assignment, "--force", check=False)
    else:
        for student in students:
            if not layout.autograded(student, assignment).is_dir():
                raise ValueError(f"{student} has no graded submission of {assignment} (grade it first)")
            # nbgrader takes one glob; an exact id is escaped so that it matches only itself
            nbgrader(course, "generate_feedback", assignment, f"--student={_glob_escape(student)}", "--force",
                     check=False)
    root = layout.feedback()
    if not root.is_dir():
        return []
    return sorted(p for p in root.glob(f"*/{assignment}/*.html")
                  if p.stat().st_mtime >= started - 1 and (students is None or p.parts[-3] in students))


def _glob_escape(text: str) -> str:
    import glob
    return glob.escape(text)


def export(course: Path, to: Path) -> Path:
    """The gradebook as a CSV (nbgrader's own exporter)."""
    to.parent.mkdir(parents=True, exist_ok=True)
    nbgrader(course, "export", f"--to={to}")
    return to


def cell_scores(course: Path, assignment: str, student: str) -> dict:
    """{notebook: {grade_id: (score, max_score)}} from the gradebook, for one submission."""
    from nbgrader.api import Gradebook, MissingEntry
    result = {}
    with Gradebook(Course.at(course).db_url) as gb:
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
    with Gradebook(Course.at(course).db_url) as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                for notebook in submission.notebooks:
                    rows.append({"student": submission.student.id, "assignment": assignment.name,
                                 "notebook": notebook.name, "score": float(notebook.score),
                                 "max_score": float(notebook.max_score)})
    return sorted(rows, key=lambda r: (r["student"], r["assignment"], r["notebook"]))



__all__ = ["GradeReport", "load_report", "NbgraderError", "ReferenceCheckFailed", "release", "solutions", "grade", "feedback", "export",
           "cell_scores", "score_table", "submitted_students"]
