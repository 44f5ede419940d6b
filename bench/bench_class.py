"""Benchmark: grade a class with plain ``nbgrader autograde`` and with the course's grading path.

Usage:  .venv/bin/python bench/bench_class.py [--students 30] [--notebooks sigmoide,tanh,...]

A class of N students is generated for the chosen notebooks (default: every
notebook of the course), mixing perfect (the reference solution), partial (the
first mistake of the notebook's catalog) and empty (the release) submissions.
The same class is graded twice, in two scratch copies of the course:

1. plain nbgrader: one ``nbgrader autograde <assignment> --create --force`` per
   assignment, wall time including its start-up (checks run in the student's kernel);
2. ``python -m grader grade``'s path (``pipeline.grade``): sandboxed kernels on
   every core, clean scoring, the same gradebook bookkeeping.

It checks that both give the same grade to every test cell, and prints both
times, the ratio and our per-stage breakdown. Not a test: figures depend on the
machine; the README records them with the machine they came from.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COURSE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(COURSE))

from grader.authoring import catalog, submissions
from grader.grading import pipeline  # noqa: E402
from grader.authoring.submissions import Submission  # noqa: E402


def notebooks(only: list[str] | None) -> list[tuple[str, str]]:
    found = sorted((p.parent.name, p.stem) for p in (COURSE / "source").glob("*/*.ipynb"))
    return [(a, n) for a, n in found if not only or n in only]


def make_class(students: int, chosen: list[tuple[str, str]]) -> list[Submission]:
    subs = []
    for i in range(students):
        kind = ("perfect", "partial", "empty")[i % 3]
        for assignment, notebook in chosen:
            student = f"s{i:03d}"
            if kind == "perfect":
                subs.append(Submission(student, assignment, notebook, from_solutions=True))
            elif kind == "partial":
                mistake = catalog.load(COURSE / "tests" / "catalog" / assignment / f"{notebook}.toml").mistakes[0]
                subs.append(Submission(student, assignment, notebook, {mistake.cell: mistake.code},
                                       from_solutions=True))
            else:
                subs.append(Submission(student, assignment, notebook))
    return subs


def scratch(root: Path, chosen, subs) -> Path:
    root.mkdir(parents=True)
    shutil.copy2(COURSE / "nbgrader_config.py", root / "nbgrader_config.py")
    for assignment, notebook in chosen:
        (root / "source" / assignment).mkdir(parents=True, exist_ok=True)
        shutil.copy2(COURSE / "source" / assignment / f"{notebook}.ipynb", root / "source" / assignment)
    for assignment in sorted({a for a, _ in chosen}):
        pipeline.release(root, assignment)
    for sub in subs:
        submissions.write(root, sub)
    return root


def all_scores(course: Path, subs) -> dict:
    return {(s.student, s.notebook): pipeline.cell_scores(course, s.assignment, s.student).get(s.notebook)
            for s in subs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--notebooks", default="", help="comma-separated notebook names (default: all)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--literal-seeds", action="store_true",
                        help="hidden checks with the seeds written in the cells, as plain nbgrader runs them "
                             "(default: seeds derived per student from the course secret)")
    args = parser.parse_args()
    chosen = notebooks([n for n in args.notebooks.split(",") if n])
    subs = make_class(args.students, chosen)
    assignments = sorted({a for a, _ in chosen})
    root = Path(tempfile.mkdtemp(prefix="bench-class-"))
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    try:
        plain = scratch(root / "plain", chosen, subs)
        ours = scratch(root / "ours", chosen, subs)
        print(f"{args.students} students x {len(chosen)} notebooks = {len(subs)} submissions; "
              f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}")

        started = time.monotonic()
        for assignment in assignments:
            subprocess.run([sys.executable, "-m", "nbgrader", "autograde", assignment, "--create", "--force",
                            "--AutogradeRefused.allow=True"],
                           cwd=plain, env=env, capture_output=True, text=True, check=False)
        plain_seconds = time.monotonic() - started
        print(f"plain nbgrader autograde: {plain_seconds:7.1f} s  ({plain_seconds / len(subs):.2f} s/notebook)")

        started = time.monotonic()
        stages: dict = {}
        for assignment in assignments:
            report = pipeline.grade(ours, assignment, workers=args.workers, literal_seeds=args.literal_seeds)
            for stage, seconds in report.seconds.items():
                stages[stage] = stages.get(stage, 0.0) + seconds
        ours_seconds = time.monotonic() - started
        print(f"python -m grader grade:   {ours_seconds:7.1f} s  ({ours_seconds / len(subs):.2f} s/notebook)")
        print(f"ratio: {plain_seconds / ours_seconds:.1f}x")
        print("our stages, summed over notebooks (run concurrently, so they add up to more than the wall time):")
        for stage in ("prepare", "start", "execute", "score", "record"):
            print(f"  {stage:<8} {stages.get(stage, 0.0):7.1f} s  ({stages.get(stage, 0.0) / len(subs):.3f} s/notebook)")

        a, b = all_scores(plain, subs), all_scores(ours, subs)
        differ = {k: (a[k], b[k]) for k in a if a[k] != b[k]}
        print(f"per-cell grades: {'identical' if not differ else f'{len(differ)} submissions differ'}")
        for key, (x, y) in list(differ.items())[:10]:
            print(f"  {key}: plain {x} / ours {y}")
        return 1 if differ else 0
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
