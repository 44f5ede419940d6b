"""Benchmark: how grading scales with workers — local threads, and a local Dask cluster of N workers.

Usage:  .venv/bin/python bench/bench_scaling.py [--students 4] [--notebooks sigmoide,tanh] [--max-workers N]

The same generated class (``bench_class.make_class``) is graded with 1, 2, 4 …
up to N workers, first as threads of this process (``python -m grader grade
--workers``), then on a ``distributed.LocalCluster`` of that many single-threaded
worker processes (``--scheduler``). Each row is a fresh scratch course, so the
first notebook of a row pays for starting its worker's zygote; the per-notebook
figure shows where adding cores stops paying. Not a test: run it on the machine
you want figures for, and record them with the machine in docs/contributing.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_class import make_class, notebooks, scratch  # noqa: E402

from grader.grading import pipeline  # noqa: E402


def grade_all(course: Path, assignments, **how) -> float:
    started = time.monotonic()
    for assignment in assignments:
        pipeline.grade(course, assignment, literal_seeds=True, **how)
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=4)
    parser.add_argument("--notebooks", default="sigmoide,tanh,relu,softmax")
    parser.add_argument("--max-workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    chosen = notebooks([n for n in args.notebooks.split(",") if n])
    subs = make_class(args.students, chosen)
    assignments = sorted({a for a, _ in chosen})
    counts = [1]
    while counts[-1] * 2 <= args.max_workers:
        counts.append(counts[-1] * 2)
    if counts[-1] != args.max_workers:
        counts.append(args.max_workers)
    print(f"{len(subs)} notebooks; {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}")
    print(f"{'workers':>8} {'threads':>12} {'dask':>12}")
    root = Path(tempfile.mkdtemp(prefix="bench-scaling-"))
    try:
        for n in counts:
            course = scratch(root / f"threads-{n}", chosen, subs)
            threads = grade_all(course, assignments, workers=n)
            dask = float("nan")
            if not args.no_dask:
                from distributed import LocalCluster
                with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
                    course = scratch(root / f"dask-{n}", chosen, subs)
                    dask = grade_all(course, assignments, scheduler=cluster.scheduler_address)
            print(f"{n:>8} {threads:>7.1f} s ({threads / len(subs):.2f}/nb) {dask:>7.1f} s ({dask / len(subs):.2f}/nb)")
        return 0
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
