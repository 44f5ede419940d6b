"""Issue 8: what a student sees at home is what the grade comes from.

Issue 18: hidden checks run with derived seeds (grader/grading/seeds.py), each
catalog entry as one of five students, so every hidden check runs under five
derived seeds across its notebook's catalog; home and graded must agree.

For every catalog entry (mistakes and correct alternatives) of every notebook,
each test cell is run twice on the same answer: as in a student's kernel
(observe and judge in place, print or raise) and as when grading (observe
only, write plain-data observations, then the clean scorer re-reads the
trusted cell as declarations and judges the files). The two verdicts — pass
lines, or the failure message — must be identical. Runs in plain Python
processes (no Jupyter kernel), one notebook per task, two at a time.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import pytest

from grader.authoring import catalog as catalogs
from grader.checks import libraries, rules
from grader.grading.runs import is_test_cell
from grader.authoring.submissions import grade_id, solution_answers

from .course_data import CATALOGS, COURSE, NOTEBOOKS, load_catalog

pytestmark = pytest.mark.slow   # grades notebooks, starts kernels or browsers


def _student_verdict(source: str, namespace: dict):
    from grader.checks.errors import CheckFailed
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(source, namespace)  # noqa: S102 - our own test cell
    except CheckFailed as exc:
        return ("fail", str(exc))
    except Exception as exc:  # noqa: BLE001
        return ("error", type(exc).__name__)
    return ("pass", out.getvalue().strip())


def _clean_verdict(source: str, namespace: dict, code, library):
    from grader.checks import declarations, libraries, observations
    from grader.checks.errors import CheckFailed
    from grader.grading import scoring
    if library is not None:        # the scorer reads the imports of the submitted cells (grader.checks.libraries)
        return ("fail", str(CheckFailed("library", libraries.message(library[2]))))
    with tempfile.TemporaryDirectory() as folder:
        os.environ[observations.OBSERVE_ENV] = folder
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(source, namespace)  # noqa: S102
        except Exception as exc:  # noqa: BLE001
            return ("error", type(exc).__name__)
        finally:
            del os.environ[observations.OBSERVE_ENV]
        lines = []
        with observations.directory(Path(folder)) as root:
            names, others = observations.subfolders(root)
            assert others == 0
            declared_checks = declarations.read(source)
            if len(names) != len(declared_checks):      # what the scorer calls tampering
                return ("fail", f"{len(declared_checks)} checks declared, {len(names)} observed")
            for declared, name in zip(declared_checks, names):
                with observations.directory(root, name) as fd:
                    _, observed = observations.load(fd, declared.runner.all_types)
                scoring.judge_facts(observed, declared.target, code)
                try:
                    lines.append(declared.runner.judge(declared.check, declared.target, observed))
                except CheckFailed as exc:
                    return ("fail", str(exc))
        return ("pass", "\n".join(lines))


# Each catalog entry runs the hidden checks as one of five students would (entry i: student i mod 5), so
# every hidden check of a notebook runs under five derived seeds across its catalog (>= 5 entries per
# answer cell), at a fifth of the cost of running every entry five times.
SEED_STUDENTS = [f"seed-{k}" for k in range(5)]
SEED_SECRET = b"verdict-agreement"


def _seeded_source(assignment: str, notebook: str, cell_id: str, source: str, student: str) -> str:
    """The test cell as that student's grading kernel runs it (unchanged when it has no hidden check)."""
    from grader.grading import seeds
    count = len(seeds.hidden_calls(source))
    return seeds.rewrite(source, [seeds.derive(SEED_SECRET, assignment, notebook, cell_id, student, k)
                                  for k in range(count)]) if count else source


def _notebook_disagreements(assignment: str, notebook: str) -> tuple[list[str], dict]:
    """Run every entry of one notebook's catalog both ways; describe each disagreement, count verdicts."""
    import matplotlib
    matplotlib.use("agg")
    # The source's test cells are the gradebook's: visible and hidden checks.
    release = nbformat.read(COURSE / "source" / assignment / f"{notebook}.ipynb", as_version=4)
    answers = solution_answers(COURSE, assignment, notebook)
    catalog = catalogs.load(CATALOGS / assignment / f"{notebook}.toml")
    problems, counts = [], {"pass": 0, "fail": 0, "error": 0}
    for index, entry in enumerate(catalog.entries):
        student = SEED_STUDENTS[index % len(SEED_STUDENTS)]
        cells = dict(answers, **{entry.cell: entry.code})
        submitted = copy.deepcopy(release)
        for cell in submitted.cells:
            cell.source = cells.get(grade_id(cell), cell.source)
        code, library = rules.NotebookCode(submitted), libraries.first_import(submitted, notebook)
        loaded_before = set(sys.modules)
        namespace: dict = {"__name__": "__main__"}
        for cell in release.cells:
            if cell.cell_type != "code" or "demo" in cell.metadata.get("tags", []):
                continue
            source = cells.get(grade_id(cell), cell.source)
            if is_test_cell(cell):
                seeded = _seeded_source(assignment, notebook, grade_id(cell), source, student)
                home, graded = _student_verdict(seeded, namespace), _clean_verdict(seeded, namespace, code, library)
                counts[home[0]] += 1
                if home != graded:
                    problems.append(f"{notebook}: {entry.name}: {grade_id(cell)}: at home {home!r}, "
                                    f"graded {graded!r}")
                continue
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                try:
                    exec(source, namespace)  # noqa: S102
                except Exception:  # noqa: BLE001 - a wrong answer's example cell may fail
                    pass
        # A package an entry imported (SciPy) must not count against the next entry: a fresh kernel each.
        for name in set(sys.modules) - loaded_before:
            top = name.partition(".")[0]
            if top in libraries.MASKED and top not in libraries.LOADED_BY_GRADER and top not in libraries.ALWAYS_PRESENT:
                del sys.modules[name]
    return problems, counts


WITH_CATALOG = [(a, n) for a, n in NOTEBOOKS if (CATALOGS / a / f"{n}.toml").exists()]


@pytest.fixture(scope="module")
def disagreements() -> dict:
    with ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        results = pool.map(_notebook_disagreements, *zip(*WITH_CATALOG))
        return dict(zip([n for _, n in WITH_CATALOG], results))


@pytest.mark.parametrize("assignment, notebook", WITH_CATALOG, ids=[n for _, n in WITH_CATALOG])
def test_verdict_at_home_equals_verdict_when_graded(disagreements, assignment, notebook):
    problems, counts = disagreements[notebook]
    assert len(load_catalog(assignment, notebook).entries) > 0
    assert counts["pass"] > 0 and counts["fail"] > 0, counts   # both verdicts were compared
    assert problems == []
