"""The grading path: every submission of an assignment, in parallel, sandboxed, scored cleanly.

For each submitted notebook the instructor's process (the only one that touches
the gradebook) does what ``nbgrader autograde`` does before and after running
it, with nbgrader's own preprocessors: restore locked and test cells from the
gradebook, then, once graded, ``SaveAutoGrades`` and late penalties, and write
``autograded/``. In between, a *job* — plain data, so it can run in a thread
here or in a Dask worker elsewhere — runs the notebook in a sandboxed kernel
(``executor``) and scores it in the job's own clean process (``scoring``).
One broken or hostile submission only ever costs its own grade.
"""

from __future__ import annotations

import os
import socket
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

import nbformat

from . import seeds, zygote
from .executor import KERNEL_NOT_STARTED, run_notebook
from ..checks.libraries import masked_for
from .sandbox import Limits, Sandbox, check_available, job_folder
from .scoring import score_notebook


@dataclass
class Job:
    """One notebook to run and score: plain data (picklable for Dask)."""
    student: str
    assignment: str
    notebook: str
    notebook_json: str                 # sanitized: locked and test cells restored from the gradebook
    limits: Limits = Limits()
    sandboxed: bool = True
    seeds: dict = field(default_factory=dict)   # grade_id -> derived seeds of its hidden checks (never the secret)
    forked: bool = True                # sandboxed kernels forked from a zygote (``zygote``), not started anew


@dataclass
class JobResult:
    student: str
    assignment: str
    notebook: str
    graded_json: str = ""
    notes: list = field(default_factory=list)
    error: str = ""                    # the job itself failed (infrastructure), English
    seconds: dict = field(default_factory=dict)
    worker: str = ""                   # host:pid of the process that ran and scored it


def is_demo(cell) -> bool:
    """Cells tagged ``demo`` illustrate with PyTorch or plots: not run when grading."""
    return "demo" in cell.get("metadata", {}).get("tags", [])


def run_job(job: Job) -> JobResult:
    """Run one notebook in a sandboxed kernel and score it here (this process never runs student code).

    A failure of the machinery (a mount, a kernel that never started) is not the
    student's doing: the notebook is run once more from scratch, and if that fails
    too it is reported as not graded (never as zero points).
    """
    result = _attempt(job)
    if not result.error:
        return result
    again = _attempt(job)
    again.notes.insert(0, f"run a second time after a failure of the grading machinery: {result.error}")
    return again


def _attempt(job: Job) -> JobResult:
    """One run from scratch: its own folder, uid and kernel."""
    result = JobResult(job.student, job.assignment, job.notebook,
                       worker=f"{socket.gethostname()}:{os.getpid()}")
    try:
        # Sandboxed, the run and its observations live on a tmpfs of limits.disk_bytes, until scored.
        hidden = masked_for(job.notebook)
        forked = zygote.for_profile(hidden) if job.sandboxed and job.forked else None
        with job_folder(job.limits, bounded=job.sandboxed, parent=forked and forked.jobs) as workdir:
            nb = nbformat.reads(job.notebook_json, as_version=4)
            literal = seeds.apply(nb, job.seeds)    # the kernel and the scorer both see the derived seeds
            sandbox = Sandbox(hidden_packages=hidden) if job.sandboxed else None
            run = run_notebook(nb, workdir, limits=job.limits, sandbox=sandbox, skip=is_demo, zygote=forked)
            if run.problem.startswith(KERNEL_NOT_STARTED):
                result.error = run.problem
                return result
            started = time.monotonic()
            result.notes = score_notebook(nb, run, job.limits, skip=is_demo, notebook=job.notebook)
            seeds.restore(nb, literal)
            result.seconds = dict(run.seconds, score=time.monotonic() - started)
            result.graded_json = nbformat.writes(nb)
    except Exception as exc:  # noqa: BLE001 - reported, never stops the other jobs
        result.error = f"{type(exc).__name__}: {exc}"[:500]
    return result


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def run_jobs(jobs, *, workers: int | None = None, scheduler: str | None = None, on_result=None):
    """Run jobs on local threads (each job's kernel is its own process) or on a Dask cluster.

    ``jobs`` may be a generator: locally, each job is handed to the workers as soon as it is made,
    so preparing the next ones overlaps with running the first.
    """
    if scheduler:
        from distributed import Client, as_completed as dask_completed
        with Client(scheduler, timeout="30s") as client:
            futures = client.map(run_job, list(jobs), pure=False)
            for future in dask_completed(futures):
                on_result(future.result())
        return
    with ThreadPoolExecutor(max_workers=workers or default_workers()) as pool:
        for future in as_completed([pool.submit(run_job, job) for job in jobs]):
            on_result(future.result())


def sandbox_or_refuse(allow_unsandboxed: bool) -> bool:
    """True when kernels are sandboxed; refuse to run untrusted code without it unless allowed."""
    if allow_unsandboxed:
        return False
    check_available()
    return True


__all__ = ["Job", "JobResult", "Limits", "run_job", "run_jobs", "is_demo", "default_workers",
           "sandbox_or_refuse"]
