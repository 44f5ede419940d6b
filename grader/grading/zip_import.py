"""Put an LMS zip of submissions into submitted/ with real ``nbgrader zip_collect``.

The zip goes to ``downloaded/<assignment>/archive/`` (nbgrader's layout for zip_collect),
``grader.grading.archives.SafeExtractor`` extracts it refusing hostile archives, ``grader.grading.lms.LmsCollector``
decides whose notebook every file is, and nbgrader copies the placed ones to
``submitted/<student>/<assignment>/``. What could not be placed comes back in the report, so that
the instructor can chase it instead of a student silently getting 0.
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .course import Course
from .escape import printable
from .nbgrader_cli import nbgrader

ARCHIVE_NAME = "lms-download.zip"   # a fixed name: the zip's own name never looks like a student's
LMS_CHOICES = ("auto", "moodle", "canvas")


@dataclass
class ImportReport:
    placed: list = field(default_factory=list)    # {"file", "student", "notebook", "late"}
    skipped: list = field(default_factory=list)   # {"file", "reason"}

    @property
    def students(self) -> list[str]:
        return sorted({p["student"] for p in self.placed})


def load_roster(path: str | Path) -> dict[str, str]:
    """{lms_id: student id} from a CSV with columns ``id,lms_id`` (a student may have several)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        if not {"id", "lms_id"} <= set(reader.fieldnames or []):
            raise ValueError(f"{path}: the roster needs the columns id,lms_id (found {reader.fieldnames})")
        roster = {}
        for row in reader:
            lms_id, student = row["lms_id"].strip(), row["id"].strip()
            if roster.get(lms_id, student) != student:
                raise ValueError(f"{path}: lms_id {lms_id} is given to {roster[lms_id]} and {student}")
            roster[lms_id] = student
    return roster


def import_zip(course: Path, assignment: str, zip_path: Path, lms: str = "auto",
               roster: Path | None = None) -> ImportReport:
    """Run zip_collect on ``zip_path``; a re-import replaces those students' submissions."""
    layout = Course.at(course)
    if not layout.release(assignment).is_dir():
        raise FileNotFoundError(f"release/{assignment} does not exist: release the assignment first "
                                "(zip_collect checks notebook names against it)")
    if roster is not None:
        load_roster(roster)   # a broken roster fails here, with its own message
    archive = layout.zip_collect(assignment, "archive")
    downloaded = layout.zip_collect(assignment, "")
    shutil.rmtree(archive, ignore_errors=True)   # an older download must not be imported again
    archive.mkdir(parents=True)
    shutil.copyfile(zip_path, archive / ARCHIVE_NAME)
    report = downloaded / "import-report.json"
    report.unlink(missing_ok=True)
    args = ["zip_collect", assignment, "--force", "--collector=grader.grading.lms.LmsCollector",
            "--extractor=grader.grading.archives.SafeExtractor", f"--SafeExtractor.report={report.resolve()}",
            f"--LmsCollector.lms={lms}", f"--LmsCollector.report={report.resolve()}"]
    if roster is not None:
        args.append(f"--LmsCollector.roster={Path(roster).resolve()}")
    nbgrader(course, *args)
    if not report.exists():   # the archive folder was empty
        return ImportReport()
    found = json.loads(report.read_text(encoding="utf-8"))
    inside = Path(ARCHIVE_NAME).stem + "/"   # zip_collect extracts the zip into a folder of its name
    for entry in found["placed"] + found["skipped"]:   # paths as they are inside the zip
        entry["file"] = zip_path.name if entry["file"] == ARCHIVE_NAME else entry["file"].removeprefix(inside)
        if "reason" in entry:
            entry["reason"] = entry["reason"].replace(inside, "")
    return ImportReport(**found)


def format_report(report: ImportReport) -> str:
    """For the terminal: file names and reasons come from students, so they are escaped."""
    lines = [f"placed {len(report.placed)} notebooks of {len(report.students)} students"]
    lines += [printable(f"  {p['student']}/{p['notebook']} <- {p['file']}") + (" (LATE)" if p.get("late") else "")
              for p in report.placed]
    if report.skipped:
        lines.append(f"NOT placed ({len(report.skipped)} files):")
        lines += [printable(f"  {s['file']}: {s['reason']}") for s in report.skipped]
    return "\n".join(lines)
