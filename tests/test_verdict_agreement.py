"""Issue 8: what a student sees at home is what the grade comes from.

Issue 18: hidden checks run with derived seeds (grader/grading/seeds.py), each
catalog entry as one of five students, so every hidden check runs under five
derived seeds across its notebook's catalog; home and graded must agree.

For every catalog entry (mistakes and correct alternatives) of every notebook,
each test cell is run twice on the same answer: as in a student's kernel
(observe and judge in place, print or raise) and as when grading (observe
only, write plain-data observations, then the real scorer, ``scoring.score_notebook``,
judges the whole submitted notebook from them). The two verdicts must agree: the same
pass lines or failure message, except what grading hides on purpose (a hidden check's
case, the message of the student's own exception). Every test cell of every entry is
compared, and a scorer note that it could not pair or read observations fails the test.
Runs in plain Python processes (no Jupyter kernel), one notebook per task, two at a time.
"""

from __future__ import annotations

import contextlib
import copy
import io
import itertools
import linecache
import os
import re
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from grader.authoring import catalog as catalogs
from grader.checks import libraries
from grader.grading.runs import CellRun, is_test_cell
from grader.authoring.submissions import grade_id, solution_answers

from .course_data import CATALOGS, COURSE, NOTEBOOKS, load_catalog

pytestmark = pytest.mark.slow   # grades notebooks, starts kernels or browsers


@dataclass
class Home:
    """A test cell's verdict in a student's kernel: observed and judged in place, printed or raised."""
    status: str                 # pass | fail | error
    text: str
    failure: object = None      # the CheckFailed
    hidden: bool = False        # the check that failed is hidden


_CELL_NAMES = (f"<celda-{k}>" for k in itertools.count())


def _run_cell(source: str, namespace: dict) -> None:
    """exec a cell as IPython does: its source kept in linecache, so the checks can read a function's code
    at home (grader.checks.rules.from_function) as they do in a student's kernel."""
    name = next(_CELL_NAMES)
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    exec(compile(source, name, "exec"), namespace)  # noqa: S102 - our own cells and catalog entries


def _at_home(source: str, namespace: dict) -> Home:
    from grader.checks import declarations
    from grader.checks.errors import CheckFailed
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            _run_cell(source, namespace)
    except CheckFailed as exc:
        declared, passed = declarations.read(source), len(out.getvalue().splitlines())   # one line per pass
        hidden = getattr(declared[passed].check, "hidden", True) if passed < len(declared) else True
        return Home("fail", str(exc), exc, hidden)
    except Exception as exc:  # noqa: BLE001
        return Home("error", type(exc).__name__)
    return Home("pass", out.getvalue().strip())


def _observed(source: str, namespace: dict, folder: Path):
    """The cell run as a grading kernel's: observations written into ``folder``, nothing judged."""
    from grader.checks import observations
    from grader.grading.runs import CellRun
    os.environ[observations.OBSERVE_ENV] = str(folder)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            _run_cell(source, namespace)
    except Exception as exc:  # noqa: BLE001
        return CellRun("error", observations=folder if folder.exists() else None, detail=type(exc).__name__)
    finally:
        del os.environ[observations.OBSERVE_ENV]
    return CellRun("ok", observations=folder if folder.exists() else None)


def _undiagnosed(text: str) -> str:
    """A graded failure without the judge's diagnosis line (grader.grading.diagnosis), which only grading adds."""
    from grader.checks.messages import TEXT
    for key in ("diagnosis", "diagnosis_either"):
        start = text.find(" " + TEXT[key].split("{")[0])
        if start >= 0:
            return text[:start]
    return text


def _disagreement(home: Home, output) -> str:
    """"" if the scorer's output is what ``home`` promises, else why not.

    When graded, a hidden check shows only fixed text, and a visible one withholds the message of the
    student's own exception (grader.checks.student_text); a test cell that raised is incomplete; a known
    mistake may be named after the verdict."""
    from grader.checks.errors import CheckFailed
    from grader.checks.messages import HIDDEN, KIND, TEXT
    graded = ("pass", output.text.strip()) if output.output_type == "stream" else ("fail", _undiagnosed(output.evalue))
    if home.status == "pass":
        expected = ("pass", home.text)
    elif home.status == "error":
        expected = ("fail", KIND["incomplete"].capitalize())
        return "" if graded[0] == "fail" and graded[1].startswith(expected[1]) else f"expected {expected!r}"
    elif home.hidden:
        expected = ("fail", str(CheckFailed(home.failure.kind, TEXT["where_hidden_only"], HIDDEN[home.failure.hidden])))
    elif home.failure.kind == "exception" and graded[0] == "fail" and graded[1].split() != home.text.split():
        same_start = graded[1].split(" lanzó ")[0] == home.text.split(" lanzó ")[0]
        return "" if same_start and TEXT["message_withheld"] in graded[1] else f"expected {home.text!r}"
    else:
        expected = ("fail", home.text)
    same = graded[0] == expected[0] and graded[1].split() == expected[1].split()   # spacing is not a verdict
    return "" if same else f"expected {expected!r}"


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
    """Run every entry of one notebook's catalog both ways; describe each disagreement, count verdicts.

    The graded side is the real scorer (``scoring.score_notebook``) on the whole submitted notebook."""
    import matplotlib
    matplotlib.use("agg")
    from grader.grading import scoring
    from grader.grading.runs import NotebookRun
    from grader.grading.sandbox import Limits
    # The source's test cells are the gradebook's: visible and hidden checks.
    release = nbformat.read(COURSE / "source" / assignment / f"{notebook}.ipynb", as_version=4)
    answers = solution_answers(COURSE, assignment, notebook)
    catalog = catalogs.load(CATALOGS / assignment / f"{notebook}.toml")
    tests = [i for i, cell in enumerate(release.cells) if is_test_cell(cell)]
    problems, counts = [], {"pass": 0, "fail": 0, "error": 0, "compared": 0}
    for index, entry in enumerate(catalog.entries):
        student = SEED_STUDENTS[index % len(SEED_STUDENTS)]
        cells = dict(answers, **{entry.cell: entry.code})
        submitted = copy.deepcopy(release)
        for i, cell in enumerate(submitted.cells):
            cell.source = cells.get(grade_id(cell), cell.source)
            if i in tests:
                cell.source = _seeded_source(assignment, notebook, grade_id(cell), cell.source, student)
        loaded_before = set(sys.modules)
        home_ns: dict = {"__name__": "__main__"}
        graded_ns: dict = {"__name__": "__main__"}
        homes, run = {}, NotebookRun()
        with tempfile.TemporaryDirectory() as folder:
            for i, cell in enumerate(submitted.cells):
                if cell.cell_type != "code" or "demo" in cell.metadata.get("tags", []):
                    continue
                if i in tests:
                    homes[i] = _at_home(cell.source, home_ns)
                    run.cells[i] = _observed(cell.source, graded_ns, Path(folder) / str(i))
                    continue
                status = {}
                for ns in (home_ns, graded_ns):
                    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                        try:
                            _run_cell(cell.source, ns)
                        except Exception as exc:  # noqa: BLE001 - a wrong answer's example cell may fail
                            status = {"status": "error", "detail": type(exc).__name__}
                run.cells[i] = CellRun(**status) if status else CellRun("ok")
            notes = scoring.score_notebook(submitted, run, Limits(),
                                           skip=lambda c: "demo" in c.metadata.get("tags", []), notebook=notebook)
        problems += [f"{notebook}: {entry.name}: scorer note: {n}" for n in notes if _REFUSED.search(n)]
        for i, home in homes.items():
            counts[home.status] += 1
            counts["compared"] += 1
            # The verdict is the one stream or error output; a failing visible check may add its plot below.
            outputs = [o for o in submitted.cells[i].outputs if o.get("output_type") != "display_data"]
            why = "no single verdict" if len(outputs) != 1 else _disagreement(home, outputs[0])
            if why:
                problems.append(f"{notebook}: {entry.name}: {grade_id(submitted.cells[i])}: at home "
                                f"{(home.status, home.text)!r}, graded {outputs!r}: {why}")
        # A package an entry imported (SciPy) must not count against the next entry: a fresh kernel each.
        for name in set(sys.modules) - loaded_before:
            top = name.partition(".")[0]
            if top in libraries.MASKED and top not in libraries.LOADED_BY_GRADER and top not in libraries.ALWAYS_PRESENT:
                del sys.modules[name]
    # Every test cell of every entry was compared: none was skipped or paired with another's observations.
    if counts["compared"] != len(tests) * len(catalog.entries):
        problems.append(f"{notebook}: compared {counts['compared']} verdicts, expected "
                        f"{len(tests)} test cells x {len(catalog.entries)} entries")
    return problems, counts


# Notes in which the scorer says it could not pair or read a cell's observations (tampering, forged folders).
_REFUSED = re.compile(r"checks declared|observed \(tampering|could not be judged|unreadable|not real folders|"
                      r"declares no check")


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
