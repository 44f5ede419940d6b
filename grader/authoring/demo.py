"""The main job on shipped demo data: release, grade a small class, feedback, grades CSV, summary, table.

It runs in a scratch course of its own (``demo/curso/``, ignored by git): the demo class never
enters the real course's gradebook, submissions or exports, and ``demo --reset`` removes it.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

from ..grading import pipeline, summary
from . import submissions
from ..grading.course import CONFIG_FILE, Course
from ..grading.escape import printable
from ..grading.nbgrader_cli import nbgrader
from .submissions import Submission

DEMO_FILE = Path("demo") / "clase.toml"
DEMO_ROOT = Path("demo") / "curso"   # the scratch course (ignored by git); `demo --reset` removes it
# The scratch course's own gradebook, whatever the course's configuration names (a server database too).
SCRATCH_CONFIG = '''

# --- added by `python -m grader demo`: this is the demo's scratch course ---
c.CourseDirectory.root = "."
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
'''
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


def scratch_root(course: Path) -> Path:
    """Where the demo keeps its own course: never the real course's gradebook or submissions."""
    return Path(course).resolve() / DEMO_ROOT


def _make_scratch(course: Path) -> Path:
    """A fresh scratch course: the course's configuration and source/, with a gradebook of its own."""
    root = scratch_root(course)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    real = Course.at(course)
    config = (course / CONFIG_FILE).read_text(encoding="utf-8")
    (root / CONFIG_FILE).write_text(config + SCRATCH_CONFIG, encoding="utf-8")
    shutil.copytree(real.source(), root / real.source().relative_to(real.root))
    scratch = Course.at(root)
    outside = [p for p in (scratch.source(), scratch.release(), scratch.submitted(), scratch.autograded(),
                           scratch.feedback(), scratch.db_path) if p is None or not p.is_relative_to(root)]
    if outside:
        raise ValueError(f"the demo needs every course folder under {root}; nbgrader_config.py puts "
                         f"{', '.join(map(str, outside))} elsewhere")
    return root


def _clear_legacy(course: Path, say) -> None:
    """Remove the demo students that demos before the scratch course left in the real course."""
    layout = Course.at(course)
    for sub, _ in load_class(course):
        student = sub.student
        folders = [f for f in (layout.submitted(student, sub.assignment), layout.autograded(student, sub.assignment),
                               layout.feedback(student, sub.assignment)) if f.exists()]
        in_gradebook = False
        if layout.has_gradebook():
            from nbgrader.api import Gradebook, MissingEntry
            with Gradebook(layout.db_url) as gb:
                try:
                    gb.find_submission(sub.assignment, student)
                    in_gradebook = True
                except MissingEntry:
                    pass
        if not folders and not in_gradebook:
            continue
        for folder in folders:
            shutil.rmtree(folder)
            for parent in (folder.parent,):   # the student's folder, when it is now empty
                if parent.is_dir() and not any(parent.iterdir()):
                    parent.rmdir()
        if in_gradebook:
            nbgrader(course, "db", "student", "remove", student, "--force", check=False)
        say(f"removed the demo student {student} of an earlier demo from this course "
            f"({'gradebook, ' if in_gradebook else ''}{len(folders)} folder(s))")


def reset(course: Path, say=print) -> None:
    """``demo --reset``: remove the scratch course and any demo student an earlier demo left behind."""
    root = scratch_root(course)
    if root.exists():
        shutil.rmtree(root)
        say(f"removed {root.relative_to(Path(course).resolve())}/")
    _clear_legacy(course, say)


def _check_release(course: Path, scratch: Path, say) -> list[str]:
    """Notebooks of the course's release/ that differ from what its source/ generates (the demo's)."""
    real, fresh = Course.at(course).release(), Course.at(scratch).release()
    differ = sorted(str(p.relative_to(fresh)) for p in fresh.rglob("*.ipynb")
                    if not (real / p.relative_to(fresh)).is_file()
                    or (real / p.relative_to(fresh)).read_bytes() != p.read_bytes())
    if differ:
        say(f"    release/ is out of date with source/ ({', '.join(differ)}): run `python -m grader release`")
    return differ


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
    """Run the whole demo in a scratch course under ``course``; returns rows, reported submissions, summary.

    The real course's gradebook, submissions and release/ are never written.
    """
    course = Path(course).resolve()
    demo = load_class(course)
    root = _make_scratch(course)
    say(f"The demo runs in its own course, {root.relative_to(course)}/ (`python -m grader demo --reset` removes it).")
    say("1/6 Generating release/ from source/ (and the gradebook's copy of every locked cell) ...")
    pipeline.release(root, say=say)
    _check_release(course, root, say)
    say(f"2/6 Writing {len(demo)} demo submissions into submitted/ ...")
    for sub, description in demo:
        submissions.write(root, sub)
        say(f"    {sub.student:<8} {sub.assignment}/{sub.notebook}: {description}")
    failed = {}
    for assignment in sorted({s.assignment for s, _ in demo}):
        say(f"3/6 Grading {assignment} (sandboxed kernels, clean scoring, nbgrader gradebook) ...")
        report = pipeline.grade(root, assignment, allow_unsandboxed=allow_unsandboxed)
        failed.update({(st, assignment): why for st, why in report.failed.items()})
        for student, notes in sorted(report.notes.items()):
            for note in notes:
                say(printable(f"    note for the instructor: {student}: {note}"))
        say(f"4/6 Writing feedback for {assignment} ...")
        pipeline.feedback(root, assignment)
    csv_path = pipeline.export(root, Course.at(root).exports / GRADES_CSV)
    say(f"5/6 Grades exported to {csv_path.relative_to(course)}.")
    md, png = summary.write(root)
    say(f"6/6 Summary for the instructor: {md.relative_to(course)} and {png.relative_to(course)}.\n")
    rows = pipeline.score_table(root)
    say(format_table(rows, failed))
    for (student, assignment), why in sorted(failed.items()):
        say(printable(f"\nReported: {student} / {assignment}: {why}"))
    say("\nFeedback for the students (HTML, open it in a browser):")
    for sub, _ in demo:
        path = Course.at(root).feedback(sub.student, sub.assignment) / f"{sub.notebook}.html"
        if path.exists():
            say(f"    {path.relative_to(course)}")
    say(f"Summary plot: {png.relative_to(course)}")
    return {"root": root, "rows": rows, "failed": failed, "summary": (md, png)}
