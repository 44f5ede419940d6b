"""Grade many variants of a notebook in one batch, through the grading path.

The harness behind every test of a test cell: each variant is a release
notebook with some cells replaced, written as a student's submission into a
throw-away copy of the course, graded by ``pipeline.grade`` and rendered by
``pipeline.feedback`` (or the feedback's own preprocessing step); the result is
read back from the gradebook and the feedback text.
"""

from __future__ import annotations

import html.parser
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..grading import pipeline
from . import submissions
from ..grading.course import Course
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


# Batches (catalogs, tests, benchmarks) derive hidden seeds from this fixed secret, so that a catalog's
# verdicts are the same on every run; a real course's secret is random (grader/grading/seeds.py).
HARNESS_SECRET = "catalog-harness-secret-not-for-a-real-course"


def scratch_course(course: Path, assignments, into: Path) -> Path:
    """A copy of the course with only what grading needs: config, source/, a fresh gradebook, the harness secret."""
    from ..grading import seeds
    into.mkdir(parents=True, exist_ok=True)
    shutil.copy2(course / "nbgrader_config.py", into / "nbgrader_config.py")
    secret = seeds.secret_path(into)
    if not secret.exists():
        secret.write_text(HARNESS_SECRET + "\n")
        secret.chmod(0o600)
    for assignment in assignments:
        shutil.copytree(Course.at(course).source(assignment), Course.at(into).source(assignment))
        pipeline.release(into, assignment)
    return into


def feedback_text(notebook_path: Path) -> str:
    """What a student's feedback shows of a graded notebook (no template): cells after StudentFeedback."""
    import nbformat
    from ..grading.preprocessors import StudentFeedback
    nb = nbformat.read(str(notebook_path), as_version=4)
    nb, _ = StudentFeedback().preprocess(nb, {})
    parts = []
    for cell in nb.cells:
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts += [output.get("text", ""), output.get("evalue", ""), *output.get("traceback", [])]
    return " ".join(" ".join(parts).split())


def grade_submissions(subs: list[Submission], course: Path, workdir: Path | None = None,
                      workers: int | None = None, html: bool = False) -> dict:
    """{(student, notebook): Result} for every submission, graded in one batch through the grading path.

    The batch runs in a scratch copy of the course (config, source/, a fresh
    gradebook), with ``workers`` kernels at a time (default: one per core).
    ``html`` renders nbgrader's feedback pages and reads their text; otherwise
    the text is that of the graded notebook after the feedback's own step.
    """
    keys = [(s.student, s.notebook) for s in subs]
    if len(set(keys)) != len(keys):
        raise ValueError("each (student, notebook) pair must appear once")
    own_tmp = workdir is None
    root = Path(tempfile.mkdtemp(prefix="variants-")) if own_tmp else workdir
    try:
        assignments = sorted({s.assignment for s in subs})
        scratch = scratch_course(course, assignments, root / "course")
        layout = Course.at(scratch)
        for sub in subs:
            # Built from the release nbgrader just generated from source/: what students receive
            # (tests/test_generated_in_sync.py proves the committed release/ is the same).
            folder = layout.submitted(sub.student, sub.assignment)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{sub.notebook}.ipynb").write_text(submissions.build(scratch, sub), encoding="utf-8")
        failures = {}
        for assignment in assignments:
            report = pipeline.grade(scratch, assignment, workers=workers)
            failures.update({(st, assignment): why for st, why in report.failed.items()})
            if html:
                pipeline.feedback(scratch, assignment)
        results = {}
        for sub in subs:
            failure = failures.get((sub.student, sub.assignment), "")
            graded = layout.autograded(sub.student, sub.assignment) / f"{sub.notebook}.ipynb"
            scores = pipeline.cell_scores(scratch, sub.assignment, sub.student).get(sub.notebook, {})
            if not graded.exists():
                scores = {}
            if html:
                page = layout.feedback(sub.student, sub.assignment) / f"{sub.notebook}.html"
                text = html_text(page.read_text(encoding="utf-8")) if page.exists() else ""
            else:
                text = feedback_text(graded) if graded.exists() else ""
            results[(sub.student, sub.notebook)] = Result(scores, text, failure)
        return results
    finally:
        if own_tmp:
            shutil.rmtree(root, ignore_errors=True)
