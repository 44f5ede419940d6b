"""Grade many variants of a notebook in one batch, through the grading path.

The harness behind every test of a test cell: each variant is a release
notebook with some cells replaced, written as a student's submission into a
throw-away copy of the course, graded by ``pipeline.grade`` and rendered by
``pipeline.feedback``; the result is read back from the gradebook and the
feedback HTML.
"""

from __future__ import annotations

import html.parser
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import pipeline, submissions
from .submissions import Submission


@dataclass
class Result:
    scores: dict        # grade_id -> (score, max_score); empty if the submission was not graded
    feedback: str       # visible text of the feedback HTML ("" if none)
    failure: str = ""   # why the grading path reported the submission, if it did

    @property
    def total(self) -> tuple[float, float]:
        return (sum(s for s, _ in self.scores.values()), sum(m for _, m in self.scores.values()))


class _TextOnly(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(markup: str) -> str:
    parser = _TextOnly()
    parser.feed(markup)
    return " ".join(" ".join(parser.parts).split())


def scratch_course(course: Path, assignments, into: Path) -> Path:
    """A copy of the course with only what grading needs: config, source/ and a fresh gradebook."""
    into.mkdir(parents=True, exist_ok=True)
    shutil.copy2(course / "nbgrader_config.py", into / "nbgrader_config.py")
    for assignment in assignments:
        shutil.copytree(course / "source" / assignment, into / "source" / assignment)
        pipeline.release(into, assignment)
    return into


def _grade_shard(subs: list[Submission], course: Path, root: Path) -> dict:
    """Grade some submissions in their own scratch course under ``root``."""
    assignments = sorted({s.assignment for s in subs})
    scratch = scratch_course(course, assignments, root)
    for sub in subs:
        # Built from the release nbgrader just generated from source/: what students receive
        # (tests/test_generated_in_sync.py proves the committed release/ is the same).
        folder = scratch / "submitted" / sub.student / sub.assignment
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{sub.notebook}.ipynb").write_text(submissions.build(scratch, sub), encoding="utf-8")
    failures = {}
    for assignment in assignments:
        report = pipeline.grade(scratch, assignment)
        failures.update({(st, assignment): why for st, why in report.failed.items()})
        pipeline.feedback(scratch, assignment)
    results = {}
    for sub in subs:
        failure = failures.get((sub.student, sub.assignment), "")
        scores = {} if failure else pipeline.cell_scores(scratch, sub.assignment, sub.student).get(sub.notebook, {})
        page = scratch / "feedback" / sub.student / sub.assignment / f"{sub.notebook}.html"
        text = html_text(page.read_text(encoding="utf-8")) if page.exists() else ""
        results[(sub.student, sub.notebook)] = Result(scores, text, failure)
    return results


def grade_submissions(subs: list[Submission], course: Path, workdir: Path | None = None,
                      workers: int | None = None) -> dict:
    """{(student, notebook): Result} for every submission.

    The batch is split into ``workers`` shards (default: one per core), each
    graded by its own nbgrader run in its own scratch course, concurrently.
    """
    keys = [(s.student, s.notebook) for s in subs]
    if len(set(keys)) != len(keys):
        raise ValueError("each (student, notebook) pair must appear once")
    workers = max(1, min(workers or os.cpu_count() or 1, len(subs)))
    shards = [subs[i::workers] for i in range(workers)]
    own_tmp = workdir is None
    root = Path(tempfile.mkdtemp(prefix="variants-")) if own_tmp else workdir
    try:
        with ThreadPoolExecutor(workers) as pool:
            parts = pool.map(lambda ix: _grade_shard(ix[1], course, root / f"shard{ix[0]}"),
                             enumerate(shards))
            return {key: result for part in parts for key, result in part.items()}
    finally:
        if own_tmp:
            shutil.rmtree(root, ignore_errors=True)
