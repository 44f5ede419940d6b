"""Grades out of the gradebook in the shapes an LMS imports, and a wide table for the instructor.

One number per student and assignment everywhere (``scores``, these files):
nbgrader's own, ``max(0, score - late_submission_penalty)``. A notebook that was
not handed in, or could not be graded, has an empty score and says so in the
instructor's table (``STATUS``) instead of exporting 0 like a blank one.

Spreadsheet settings (``CsvStyle``): separator, decimal comma, UTF-8 with BOM.
Every field that a spreadsheet would run as a formula (``= + - @`` or a tab
first) gets a leading ``'``: names and ids come from students and rosters.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from .course import Course

# The status of one notebook of one student, in the course's language (the instructor's table).
DELIVERED, MISSING, NOT_GRADED, LATE = "entregado", "no entregado", "no calificado", "tarde"
STATUS = (DELIVERED, MISSING, NOT_GRADED, LATE)
FORMULA_START = ("=", "+", "-", "@", "\t")
MOODLE_KEYS = ("username", "email", "idnumber")
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


@dataclass(frozen=True)
class CsvStyle:
    delimiter: str = ","
    decimal_comma: bool = False
    bom: bool = False

    @classmethod
    def spanish(cls) -> "CsvStyle":
        """What a spreadsheet in a Spanish locale opens as columns: ``;``, decimal comma, BOM."""
        return cls(";", True, True)

    @property
    def encoding(self) -> str:
        return "utf-8-sig" if self.bom else "utf-8"

    def number(self, value) -> str:
        if value is None or value == "":
            return ""
        text = f"{float(value):.2f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if self.decimal_comma else text


def safe(field) -> str:
    """A text field that cannot run as a spreadsheet formula."""
    text = "" if field is None else str(field)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_csv(path: Path, rows: list[list], style: CsvStyle) -> Path:
    """Rows of already formatted cells; every field passes through ``safe``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=style.delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe(v) for v in row])
    path.write_text(buffer.getvalue(), encoding=style.encoding, newline="")
    return path


def read_roster(path: Path | None) -> dict:
    """{student id: row} from a roster CSV with an ``id`` column (the gradebook's student id)."""
    if path is None:
        return {}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        rows = list(csv.DictReader(handle, dialect=dialect))
    if rows and "id" not in rows[0]:
        raise ValueError(f"{path}: the roster needs an 'id' column (the student id in the gradebook)")
    return {row["id"].strip(): {k: (v or "").strip() for k, v in row.items()} for row in rows}


@dataclass
class Grades:
    """Everything the exports need, read once from the gradebook and the course folders."""
    assignments: list          # names, in gradebook order
    max_scores: dict           # assignment -> points possible
    notebooks: dict            # assignment -> notebook names
    students: dict             # id -> {"first_name", "last_name", "email"}
    scores: dict               # (student, assignment) -> final score, or None (not handed in / not graded)
    notebook_scores: dict      # (student, assignment, notebook) -> (score or None, status)
    penalties: dict            # (student, assignment) -> late penalty (points)
    notebook_max: dict         # (assignment, notebook) -> points possible


def collect(course_root: Path) -> Grades:
    from nbgrader.api import Gradebook, MissingEntry
    from .pipeline import load_report
    course = Course.at(course_root)
    grades = Grades([], {}, {}, {}, {}, {}, {}, {})
    if not course.has_gradebook():
        return grades
    with Gradebook(course.db_url) as gb:
        for student in gb.students:
            grades.students[student.id] = {"first_name": student.first_name or "",
                                           "last_name": student.last_name or "", "email": student.email or ""}
        for assignment in gb.assignments:
            name = assignment.name
            grades.assignments.append(name)
            grades.max_scores[name] = float(assignment.max_score)
            grades.notebooks[name] = sorted(nb.name for nb in assignment.notebooks)
            for nb in assignment.notebooks:
                grades.notebook_max[(name, nb.name)] = float(nb.max_score)
            failed = load_report(course.root, name).failed
            for student in grades.students:
                try:
                    submission = gb.find_submission(name, student)
                except MissingEntry:
                    grades.scores[(student, name)] = None
                    for nb in grades.notebooks[name]:
                        grades.notebook_scores[(student, name, nb)] = (None, MISSING)
                    continue
                penalty = float(submission.late_submission_penalty or 0)
                late = penalty > 0 or bool(submission.total_seconds_late)
                graded_any = False
                for nb in submission.notebooks:
                    handed = (course.submitted(student, name) / f"{nb.name}.ipynb").is_file()
                    graded = (course.autograded(student, name) / f"{nb.name}.ipynb").is_file()
                    if not handed:
                        status, score = MISSING, None
                    elif not graded or (student in failed and f"({nb.name})" in failed[student]):
                        status, score = NOT_GRADED, None
                    else:
                        status, score = (LATE if late else DELIVERED), float(nb.score)
                        graded_any = True
                    grades.notebook_scores[(student, name, nb.name)] = (score, status)
                grades.penalties[(student, name)] = penalty
                grades.scores[(student, name)] = (max(0.0, float(submission.score) - penalty)
                                                  if graded_any else None)
    return grades


def final_score(grades: Grades, student: str, assignment: str):
    return grades.scores.get((student, assignment))


def canvas_rows(grades: Grades, roster: dict, style: CsvStyle) -> list[list]:
    """Canvas gradebook import: the five identity columns, one column per assignment, points possible."""
    rows = [CANVAS_COLUMNS + grades.assignments,
            ["Points Possible", "", "", "", ""] + [style.number(grades.max_scores[a]) for a in grades.assignments]]
    for student in sorted(grades.students):
        info, extra = grades.students[student], roster.get(student, {})
        name = extra.get("name") or ", ".join(x for x in (info["last_name"], info["first_name"]) if x) or student
        rows.append([name, extra.get("canvas_id", ""), extra.get("sis_user_id", student),
                     extra.get("sis_login_id", student), extra.get("section", "")]
                    + [style.number(final_score(grades, student, a)) for a in grades.assignments])
    return rows


def moodle_rows(grades: Grades, roster: dict, key: str, style: CsvStyle) -> list[list]:
    """Moodle grade import: a user key column (username, email or idnumber), one column per assignment."""
    if key not in MOODLE_KEYS:
        raise ValueError(f"Moodle key must be one of {', '.join(MOODLE_KEYS)}, not {key!r}")
    rows = [[key] + grades.assignments]
    missing = []
    for student in sorted(grades.students):
        value = roster.get(student, {}).get(key) or {"username": student,
                                                     "email": grades.students[student]["email"]}.get(key, "")
        if not value:
            missing.append(student)
            continue
        rows.append([value] + [style.number(final_score(grades, student, a)) for a in grades.assignments])
    if missing:
        raise ValueError(f"no {key} for {', '.join(missing)}: give a roster CSV with columns id,{key}")
    return rows


def wide_rows(grades: Grades, style: CsvStyle) -> list[list]:
    """The instructor's table: per notebook a score and a status, per assignment penalty and final, a total."""
    header = ["student"]
    for a in grades.assignments:
        for nb in grades.notebooks[a]:
            header += [f"{a}/{nb}", f"{a}/{nb} estado"]
        header += [f"{a} penalización", f"{a} nota"]
    header.append("total")
    limits = ["máximo"]
    for a in grades.assignments:
        for nb in grades.notebooks[a]:
            limits += [style.number(grades.notebook_max[(a, nb)]), ""]
        limits += ["", style.number(grades.max_scores[a])]
    limits.append(style.number(sum(grades.max_scores.values())))
    rows = [header, limits]
    for student in sorted(grades.students):
        row = [student]
        total = 0.0
        for a in grades.assignments:
            for nb in grades.notebooks[a]:
                score, status = grades.notebook_scores.get((student, a, nb), (None, MISSING))
                row += [style.number(score), status]
            final = final_score(grades, student, a)
            total += final or 0.0
            row += [style.number(grades.penalties.get((student, a)) or None), style.number(final)]
        row.append(style.number(total))
        rows.append(row)
    return rows


def export_all(course_root: Path, folder: Path, style: CsvStyle, roster: Path | None = None,
               moodle_key: str = "username", say=print) -> list[Path]:
    """canvas.csv, moodle.csv (when every student has the key, else ``say`` why not) and notas.csv."""
    grades = collect(course_root)
    people = read_roster(roster)
    written = [write_csv(folder / "canvas.csv", canvas_rows(grades, people, style), style)]
    try:
        written.append(write_csv(folder / "moodle.csv", moodle_rows(grades, people, moodle_key, style), style))
    except ValueError as exc:
        say(f"moodle.csv not written: {exc}")
    written.append(write_csv(folder / "notas.csv", wide_rows(grades, style), style))
    return written


__all__ = ["CANVAS_COLUMNS", "CsvStyle", "Grades", "MOODLE_KEYS", "STATUS", "collect", "export_all", "safe",
           "write_csv"]
