"""Command line for the instructor and authors: ``python -m grader <command>`` (or ``course-grader``).

It sits above both instructor-side parts (``grading`` and ``authoring``) and only dispatches to them.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from .authoring import catalog_report, course_table, demo, notebook_check, seed_sweep
from .grading import bundle, gradebook_export, late, pipeline, progress, scores_table, summary, zip_import
from .grading.course import Course
from .grading.escape import printable
from .grading.nbgrader_cli import NbgraderError
from .grading.pipeline import assignments
from .grading.sandbox import SandboxUnavailable


def _course(path: str) -> Path:
    course = Path(path).resolve()
    if not (course / "nbgrader_config.py").is_file():
        raise SystemExit(f"error: {course} is not a course root (no nbgrader_config.py there)")
    return course


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    parser.add_argument("--course", default=".", help="course root (folder with nbgrader_config.py)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="source/ -> release/ (student versions); checked against the gradebook first")
    p.add_argument("assignment", nargs="?", help="default: every assignment")
    p.add_argument("--confirm", action="store_true",
                   help="accept changed cells of an assignment that already has submissions")
    p = sub.add_parser("solutions", help="source/ -> solutions/ (executed); fails unless each scores full marks")
    p.add_argument("assignment", nargs="?", help="default: every assignment")
    p = sub.add_parser("grade", help="grade every submission: sandboxed, in parallel, scored cleanly")
    p.add_argument("assignment", nargs="?", help="default: every assignment")
    p.add_argument("--workers", type=int, default=None, help="kernels at a time (default: one per core)")
    p.add_argument("--scheduler", help="address of a Dask scheduler (tcp://host:8786) to run the jobs on")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run kernels without the sandbox (only for trusted notebooks, e.g. your own)")
    p.add_argument("--student", action="append", metavar="ID",
                   help="grade only this student (repeat for several); the others keep their grades")
    p = sub.add_parser("feedback", help="feedback HTML for graded submissions")
    p.add_argument("assignment", nargs="?", help="default: every assignment")
    p.add_argument("--student", action="append", metavar="ID", help="only this student (repeatable)")
    p = sub.add_parser("export", help="grades CSV (nbgrader's), Canvas and Moodle import files, per-notebook table")
    p.add_argument("--to", type=Path, help="nbgrader's CSV (default: exports/grades.csv); the others go beside it")
    p.add_argument("--roster", type=Path, help="CSV with an id column and any of: name, canvas_id, sis_user_id, "
                   "sis_login_id, section, username, email, idnumber")
    p.add_argument("--moodle-key", choices=gradebook_export.MOODLE_KEYS, default="username",
                   help="the user field Moodle matches on at import")
    p.add_argument("--sep", default=",", choices=[",", ";", "tab"], help="field separator")
    p.add_argument("--decimal-comma", action="store_true", help="write 7,5 instead of 7.5")
    p.add_argument("--bom", action="store_true", help="UTF-8 with BOM (spreadsheets that assume a code page)")
    p.add_argument("--spanish", action="store_true", help="a Spanish-locale spreadsheet: ; , and BOM")
    p = sub.add_parser("scores", help="print the score table from the gradebook (pages of <= 100 columns)")
    p.add_argument("--notebooks", action="store_true", help="one column per notebook instead of per assignment")
    p = sub.add_parser("summary", help="reports/summary.md and .png: pass rate per test cell, reported submissions")
    p.add_argument("assignment", nargs="?", help="default: every assignment")
    p = sub.add_parser("demo", help="release, grade the demo class, feedback, grades CSV, table (in demo/curso/)")
    p.add_argument("--reset", action="store_true", help="remove what the demo added (demo/curso/, old demo students)")
    p = sub.add_parser("import-zip", help="an LMS zip of submissions (Moodle, Canvas) -> submitted/")
    p.add_argument("assignment")
    p.add_argument("zipfile", type=Path)
    p.add_argument("--lms", choices=zip_import.LMS_CHOICES, default="auto", help="which LMS named the files")
    p.add_argument("--roster", type=Path, help="CSV with columns id,lms_id (default: the LMS id is the id)")
    p = sub.add_parser("catalog", help="grade the catalogs of mistakes and alternatives; table per exercise")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                   help="notebook names (e.g. sigmoide or 05-activaciones/sigmoide); default: every catalog")
    sub.add_parser("docs", help="regenerate docs/course.md (the course at a glance) from source/")
    p = sub.add_parser("student-bundle", help="what students get: release notebooks, a wheel of the checks only, "
                                              "pinned requirements, the Spanish guide (folder and zip)")
    p.add_argument("--out", type=Path, default=Path("student-bundle"),
                   help="output folder, relative to the course root (default: student-bundle)")
    p = sub.add_parser("extension", help="more time for one student (nbgrader's per-submission extension)")
    p.add_argument("assignment")
    p.add_argument("student")
    p.add_argument("--hours", type=float, required=True, help="hours after the due date (0 removes it)")
    p = sub.add_parser("check", help="one notebook, for its author: release, solution, reference full marks, "
                       "release zero, its catalog, its spelling")
    p.add_argument("notebook", metavar="NOTEBOOK", help="e.g. sigmoide or 05-activaciones/sigmoide")
    p = sub.add_parser("seed-sweep", help="the reference solutions against many students' hidden seeds "
                       "(in process, no kernel): every hidden check that fails a correct answer")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                   help="assignment, notebook or assignment/notebook (e.g. 02-einsum, sigmoide); default: all")
    p.add_argument("--seeds", type=int, default=100, help="pseudo-students per notebook (default: 100)")
    p.add_argument("--start", type=int, default=0, help="first pseudo-student (sweep-<start>): to run one again")
    p.add_argument("--workers", type=int, default=1, help="notebooks at a time, one process each (default: 1)")
    args = parser.parse_args(argv)
    course = _course(args.course)
    try:
        if args.command == "release":
            pipeline.release(course, args.assignment, confirm=args.confirm)
        elif args.command == "solutions":
            pipeline.solutions(course, args.assignment)
        elif args.command == "grade":
            return progress.grade_all(course, [args.assignment] if args.assignment else assignments(course),
                                      workers=args.workers, scheduler=args.scheduler,
                                      allow_unsandboxed=args.no_sandbox, students=args.student)
        elif args.command == "feedback":
            for assignment in [args.assignment] if args.assignment else assignments(course):
                written = pipeline.feedback(course, assignment, students=args.student)
                print(f"{assignment}: {len(written)} feedback page(s)")
                for path in written:
                    print(f"    {path.relative_to(course)}")
        elif args.command == "export":
            to = course / args.to if args.to else Course.at(course).exports / demo.GRADES_CSV
            print(pipeline.export(course, to))
            style = (gradebook_export.CsvStyle.spanish() if args.spanish else
                     gradebook_export.CsvStyle("\t" if args.sep == "tab" else args.sep, args.decimal_comma, args.bom))
            for path in gradebook_export.export_all(course, to.parent, style, args.roster, args.moodle_key):
                print(path)
        elif args.command == "scores":
            print(scores_table.render(course, per_notebook=args.notebooks))
        elif args.command == "summary":
            for path in summary.write(course, args.assignment):
                print(path)
        elif args.command == "demo":
            demo.reset(course) if args.reset else demo.run(course)
        elif args.command == "import-zip":
            report = zip_import.import_zip(course, args.assignment, args.zipfile, args.lms, args.roster)
            print(zip_import.format_report(report))
            for line in late.late_flag_disagreements(course, args.assignment, report.placed):
                print(f"late flag: {line}")
            return 1 if report.skipped else 0
        elif args.command == "docs":
            print(course_table.write(course))
        elif args.command == "catalog":
            return catalog_report.run(course, args.notebooks)
        elif args.command == "extension":
            print(late.set_extension(course, args.assignment, args.student, args.hours))
        elif args.command == "seed-sweep":
            return seed_sweep.run(course, args.notebooks, args.seeds, args.start, args.workers)
        elif args.command == "check":
            return notebook_check.run(course, args.notebook)
        elif args.command == "student-bundle":
            for path in bundle.build(course, course / args.out):
                print(path)
    except subprocess.CalledProcessError as exc:
        print(f"error: building the wheel failed:\n{exc.stderr}", file=sys.stderr)
        return 2
    except (NbgraderError, OSError, ValueError, SandboxUnavailable) as exc:
        # ValueError: also an unknown notebook name or a malformed catalog
        # nbgrader's log quotes file names: escaped line by line
        print("\n".join(printable(line) for line in f"error: {exc}".split("\n")), file=sys.stderr)
        return 2
    return 0
