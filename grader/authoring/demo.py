"""The main job on shipped demo data: release, grade a small class, feedback, grades CSV, summary, table."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

from ..grading import pipeline, summary
from . import submissions
from ..grading.course import Course
from ..grading.escape import printable
from ..grading.nbgrader_cli import nbgrader
from .submissions import Submission

DEMO_FILE = Path("demo") / "clase.toml"
GRADES_CSV = "grades.csv"   # in the course's exports/ folder


def load_class(course: Path) -> list[tuple[Submission, str]]:
    """The demo submissions with their descriptions."""
    data = tomllib.loads((course / DEMO_FILE).read_text(encoding="utf-8"))
    out = []
    for entry in data["submission"]:
        entry = dict(entry)
        description = entry.pop("description", "")
        out.append((Submission(**entry), description))
    return out


def _clear_demo_student(course: Path, student: str) -> None:
    """Forget a demo student's earlier run: files and gradebook entries.

    nbgrader refuses to regenerate an assignment whose notebooks changed while
    submissions to it exist, so a second demo run after adding a notebook needs this.
    """
    layout = Course.at(course)
    for folder in (layout.submitted(student), layout.autograded(student), layout.feedback(student)):
        shutil.rmtree(folder, ignore_errors=True)
    if layout.has_gradebook():
        nbgrader(course, "db", "student", "remove", student, "--force", check=False)


def format_table(rows: list[dict], failed: dict) -> str:
    notebooks = sorted({(r["assignment"], r["notebook"]) for r in rows})
    students = sorted({r["student"] for r in rows} | {s for s, _ in failed})
    cell = {(r["student"], r["assignment"], r["notebook"]): f'{r["score"]:g}/{r["max_score"]:g}' for r in rows}
    header = ["student"] + [f"{a}/{n}" for a, n in notebooks]
    lines = [header]
    for st in students:
        lines.append([st] + ["not graded" if (st, a) in failed else cell.get((st, a, n), "-")
                         for a, n in notebooks])
    lines = [[printable(v) for v in line] for line in lines]   # student ids come from folder names
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(v.ljust(w) for v, w in zip(line, widths)) for line in lines]
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(text)


def run(course: Path, say=print, allow_unsandboxed: bool = False) -> dict:
    """Run the whole demo in ``course``; returns score rows, reported submissions and the summary files."""
    demo = load_class(course)
    for sub, _ in demo:
        _clear_demo_student(course, sub.student)
    say("1/6 Generating release/ from source/ (and the gradebook's copy of every locked cell) ...")
    pipeline.release(course)
    say(f"2/6 Writing {len(demo)} demo submissions into submitted/ ...")
    for sub, description in demo:
        submissions.write(course, sub)
        say(f"    {sub.student:<8} {sub.assignment}/{sub.notebook}: {description}")
    failed = {}
    for assignment in sorted({s.assignment for s, _ in demo}):
        say(f"3/6 Grading {assignment} (sandboxed kernels, clean scoring, nbgrader gradebook) ...")
        report = pipeline.grade(course, assignment, allow_unsandboxed=allow_unsandboxed)
        failed.update({(st, assignment): why for st, why in report.failed.items()})
        for student, notes in sorted(report.notes.items()):
            for note in notes:
                say(printable(f"    note for the instructor: {student}: {note}"))
        say(f"4/6 Writing feedback for {assignment} ...")
        pipeline.feedback(course, assignment)
    csv_path = pipeline.export(course, Course.at(course).exports / GRADES_CSV)
    say(f"5/6 Grades exported to {csv_path.relative_to(course)}.")
    md, png = summary.write(course)
    say(f"6/6 Summary for the instructor: {md.relative_to(course)} and {png.relative_to(course)}.\n")
    rows = pipeline.score_table(course)
    say(format_table(rows, failed))
    for (student, assignment), why in sorted(failed.items()):
        say(printable(f"\nReported: {student} / {assignment}: {why}"))
    say("\nFeedback for the students (HTML, open it in a browser):")
    for sub, _ in demo:
        path = Course.at(course).feedback(sub.student, sub.assignment) / f"{sub.notebook}.html"
        if path.exists():
            say(f"    {path.relative_to(course)}")
    say(f"Summary plot: {png.relative_to(course)}")
    return {"rows": rows, "failed": failed, "summary": (md, png)}
