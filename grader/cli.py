"""Command line for the instructor: ``python -m grader <command>`` (or ``course-grader``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import catalog_report, demo, pipeline
from .nbgrader_cli import NbgraderError, assignments


def _course(path: str) -> Path:
    course = Path(path).resolve()
    if not (course / "nbgrader_config.py").is_file():
        raise SystemExit(f"error: {course} is not a course root (no nbgrader_config.py there)")
    return course


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    parser.add_argument("--course", default=".", help="course root (folder with nbgrader_config.py)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in [("release", "source/ -> release/ (student versions)"),
                       ("solutions", "source/ -> solutions/ (executed reference solutions)")]:
        p = sub.add_parser(name, help=text)
        p.add_argument("assignment", nargs="?", help="default: every assignment")
    p = sub.add_parser("grade", help="autograde every submission (the grading path)")
    p.add_argument("assignment", nargs="?", help="default: every assignment")
    p = sub.add_parser("feedback", help="feedback HTML for graded submissions")
    p.add_argument("assignment", nargs="?", help="default: every assignment")
    p = sub.add_parser("export", help="grades CSV from the gradebook")
    p.add_argument("--to", default=str(demo.GRADES_CSV))
    sub.add_parser("scores", help="print the score table from the gradebook")
    sub.add_parser("demo", help="release, grade the demo class, feedback, grades CSV, table")
    p = sub.add_parser("catalog", help="grade the catalogs of mistakes and alternatives; table per exercise")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                   help="notebook names (e.g. sigmoide or 05-activaciones/sigmoide); default: every catalog")
    args = parser.parse_args(argv)
    course = _course(args.course)
    try:
        if args.command == "release":
            pipeline.release(course, args.assignment)
        elif args.command == "solutions":
            pipeline.solutions(course, args.assignment)
        elif args.command == "grade":
            status = 0
            for assignment in [args.assignment] if args.assignment else assignments(course):
                report = pipeline.grade(course, assignment)
                print(f"{assignment}: {len(report.graded)} graded, {len(report.failed)} reported")
                for student, why in sorted(report.failed.items()):
                    print(f"  reported {student}: {why}")
                    status = 1
            return status
        elif args.command == "feedback":
            for assignment in [args.assignment] if args.assignment else assignments(course):
                pipeline.feedback(course, assignment)
        elif args.command == "export":
            print(pipeline.export(course, course / args.to))
        elif args.command == "scores":
            print(demo.format_table(pipeline.score_table(course), {}))
        elif args.command == "demo":
            demo.run(course)
        elif args.command == "catalog":
            try:
                return catalog_report.run(course, args.notebooks)
            except ValueError as exc:   # an unknown notebook name, or a malformed catalog
                print(f"error: {exc}", file=sys.stderr)
                return 2
    except NbgraderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
