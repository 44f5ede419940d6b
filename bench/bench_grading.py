"""Benchmark: how long each test cell takes, and how long grading a notebook takes.

Usage:  .venv/bin/python bench/bench_grading.py [--students N]

1. Test cells: every source notebook's solution is executed in this process and
   each test cell (visible + hidden checks) is timed; students see the visible
   part, which is faster.
2. Grading path: N copies of every notebook's solution are graded through
   ``pipeline.grade`` in a scratch course (one batch), wall time per notebook.
Not a test: figures depend on the machine; the README records them.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

COURSE = Path(__file__).resolve().parents[1]
os.environ.setdefault("MPLBACKEND", "agg")  # plots in this process are drawn, not shown
sys.path.insert(0, str(COURSE))

from grader.grading import pipeline
from grader.authoring import submissions  # noqa: E402
from grader.authoring.submissions import Submission  # noqa: E402
from grader.authoring.batch import scratch_course  # noqa: E402


def time_test_cells() -> list[tuple[str, str, float]]:
    rows = []
    for path in sorted((COURSE / "source").glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        namespace: dict = {}
        with contextlib.redirect_stdout(io.StringIO()):
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                meta = cell.metadata.get("nbgrader", {})
                source = submissions.SOLUTION_MARKERS.sub("", cell.source)
                start = time.perf_counter()
                exec(compile(source, f"{path.stem}:{meta.get('grade_id')}", "exec"), namespace)
                if meta.get("grade"):
                    rows.append((path.stem, meta["grade_id"], time.perf_counter() - start))
    return rows


def time_grading(students: int, literal_seeds: bool = False) -> list[tuple[str, int, float]]:
    rows = []
    for path in sorted((COURSE / "source").glob("*/*.ipynb")):
        assignment, notebook = path.parent.name, path.stem
        root = Path(tempfile.mkdtemp(prefix="bench-"))
        try:
            scratch = scratch_course(COURSE, [assignment], root)
            for i in range(students):
                submissions.write(scratch, Submission(f"s{i:03d}", assignment, notebook, from_solutions=True))
            start = time.perf_counter()
            pipeline.grade(scratch, assignment, literal_seeds=literal_seeds)
            rows.append((notebook, students, time.perf_counter() - start))
        finally:
            shutil.rmtree(root, ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=4)
    parser.add_argument("--literal-seeds", action="store_true",
                        help="hidden checks with the seeds written in the cells (default: derived per student)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    start = time.perf_counter()
    import torch  # noqa: F401  (the first import is what a kernel pays once)
    print(f"import torch: {time.perf_counter() - start:.2f} s (once per kernel)\n")
    print("test cell (solution, visible + hidden checks)            seconds")
    for notebook, cell, seconds in time_test_cells():
        print(f"  {notebook + ' / ' + cell:<55} {seconds:7.3f}")
    print(f"\ngrading path (nbgrader autograde, {args.students} submissions per notebook, one batch)")
    for notebook, n, seconds in time_grading(args.students, args.literal_seeds):
        print(f"  {notebook:<30} {seconds:6.1f} s total  {seconds / n:5.2f} s per submission")


if __name__ == "__main__":
    main()
