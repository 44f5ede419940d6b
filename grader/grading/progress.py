"""``python -m grader grade``: a progress bar while a class is graded, and a summary at the end."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from . import pipeline
from .escape import printable


def bar(done: int, total: int, started: float, stream=sys.stderr) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    rate = done / max(time.monotonic() - started, 1e-9)
    end = "\n" if done == total else ""
    stream.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} notebooks, {rate:.1f}/s{end}")
    stream.flush()


def grade_all(course: Path, assignments: list[str], **options) -> int:
    """Grade each assignment; print a summary per assignment; exit status 1 if anything was reported."""
    status = 0
    for assignment in assignments:
        started = time.monotonic()
        print(f"{assignment}:", flush=True)
        report = pipeline.grade(course, assignment, progress=lambda d, t: bar(d, t, started), **options)
        print(f"  {len(report.graded)} graded, {len(report.failed)} not graded, "
              f"{len(report.notes)} with notes, in {report.seconds.get('wall', 0):.1f} s "
              f"({len(report.workers)} worker process(es)); report: reports/{assignment}.json")
        for student, why in sorted(report.failed.items()):
            print(printable(f"  not graded: {student}: {why}"))
            status = 1
        for student, notes in sorted(report.notes.items()):
            for note in notes:
                print(printable(f"  note: {student}: {note}"))
        if report.missing:
            print(f"  {len(report.missing)} student(s) did not hand in every notebook (0 points for those; "
                  f"listed in reports/{assignment}.json)")
    return status
