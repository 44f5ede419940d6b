"""``python -m grader seed-sweep``: does every reference solution get full marks under EVERY student's seeds?

When grading, each hidden check runs with a seed derived per student (``grading/seeds.py``), so a
tolerance or a statistical bound that a correct answer misses for one seed in a thousand takes points
from some student of a large class. This sweep runs each source notebook's cells in order in this
process, as a kernel would (trusted course code: no kernel, no sandbox; ``demo`` cells are skipped as
when grading), and right after each test cell with hidden checks runs its hidden blocks again as N
pseudo-students (``sweep-0``, ``sweep-1``, ...) whose seeds are derived exactly like real students'
(``seeds.derive`` with a fixed sweep secret, ``seeds.rewrite``). Checks observe and judge as at home;
every check that raises is a failure, reported with its notebook, test cell, student, seed and message.
"""

from __future__ import annotations

import contextlib
import io
import linecache
import re
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..grading import seeds
from ..grading.course import Course
from ..grading.jobs import is_demo
from ..grading.runs import is_test_cell
from .submissions import HIDDEN_BLOCK, grade_id

SWEEP_SECRET = b"seed-sweep"      # fixed, so that every failure can be run again from its student name
_HIDDEN_TRUE = re.compile(r"\bhidden\s*=\s*True\b")


@dataclass(frozen=True)
class Failure:
    """One hidden check that raised on the reference solution."""
    assignment: str
    notebook: str
    grade_id: str
    student: str            # pseudo-student whose derived seeds these are ("literal": the cell's own seeds)
    call: int               # the failing check's position among its cell's hidden calls (k of seeds.derive)
    seed: int | None        # its seed (None: a cell written without hidden blocks, or an error outside a call)
    message: str            # what the check raised, as at home (a hidden check shows no case values)
    detail: str = ""        # the same case run as a visible check: the values, for the author


@dataclass
class NotebookSweep:
    assignment: str
    notebook: str
    students: int = 0
    cells: dict = field(default_factory=dict)      # grade_id -> number of hidden calls swept
    failures: list = field(default_factory=list)
    error: str = ""         # the solution itself did not run through (the sweep stopped there)
    seconds: float = 0.0    # the whole notebook: its cells once, then every test cell's sweep
    sweep_seconds: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.assignment}/{self.notebook}"


def notebooks(course: Path, names=()) -> list[tuple[str, str]]:
    """(assignment, notebook) of source/: all, or those named (``assignment``, ``notebook``,
    ``assignment/notebook``)."""
    found = [(p.parent.name, p.stem) for p in sorted(Course.at(course).source().glob("*/*.ipynb"))]
    if not names:
        return found
    chosen = [(a, n) for a, n in found if any(name.removesuffix(".ipynb") in (a, n, f"{a}/{n}") for name in names)]
    missing = [name for name in names
               if not any(name.removesuffix(".ipynb") in (a, n, f"{a}/{n}") for a, n in chosen)]
    if missing:
        raise ValueError(f"no assignment or notebook of source/ named {missing}")
    return chosen


def hidden_part(source: str) -> str:
    """The hidden blocks of a test cell, when they hold every hidden call (the visible checks do not depend
    on the seed, so they need not run again); otherwise the whole cell."""
    blocks = "".join(HIDDEN_BLOCK.findall(source))
    count = len(seeds.hidden_calls(source))
    return blocks if count and len(seeds.hidden_calls(blocks)) == count else source


def _exec(source: str, namespace: dict, filename: str) -> None:
    """Run ``source`` as a kernel runs a cell: its text is kept in linecache (as IPython does), so the
    checks can read an answer's source (``inspect.getsource``: the NumPy-call rules)."""
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - the course's own trusted notebook


def _failing_call(exc: BaseException, filename: str, text: str) -> int | None:
    """Which hidden call of ``text`` was running when ``exc`` was raised (from the traceback's line)."""
    lines = [tb.lineno for tb in traceback.extract_tb(exc.__traceback__) if tb.filename == filename]
    if not lines:
        return None
    for k, call in enumerate(seeds.hidden_calls(text)):
        if call.lineno <= lines[0] <= call.end_lineno:
            return k
    return None


def _message(exc: BaseException) -> str:
    from ..checks.errors import CheckFailed
    text = str(exc) if isinstance(exc, CheckFailed) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())


def _run_hidden(text: str, namespace: dict, filename: str) -> tuple[int | None, BaseException] | None:
    """Run a test cell's hidden part; None if every check passed, else (failing call, exception)."""
    try:
        _exec(text, namespace, filename)
    except Exception as exc:  # noqa: BLE001 - CheckFailed, or a check that broke on this seed
        return _failing_call(exc, filename, text), exc
    return None


def sweep_notebook(course: Path, assignment: str, notebook: str, students: list[str],
                   secret: bytes = SWEEP_SECRET) -> NotebookSweep:
    """Run one notebook's solution once, sweeping each test cell's hidden checks right after it runs."""
    import matplotlib
    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    started = time.perf_counter()
    result = NotebookSweep(assignment, notebook, len(students))
    path = Course.at(course).source(assignment) / f"{notebook}.ipynb"
    nb = nbformat.read(path, as_version=4)
    namespace: dict = {"__name__": "__main__"}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or is_demo(cell):
            continue
        cell_id = grade_id(cell) or f"cell {index}"
        filename = f"<{notebook}:{cell_id}>"
        try:
            _exec(cell.source, namespace, filename)
        except Exception as exc:  # noqa: BLE001
            if not is_test_cell(cell):
                result.error = f"{cell_id}: {_message(exc)}"
                break
            # The cell's own (literal) seeds fail: report it like a swept seed, and sweep on.
            k = _failing_call(exc, filename, cell.source)
            result.failures.append(Failure(assignment, notebook, cell_id, "literal", -1 if k is None else k,
                                           None, _message(exc)))
        finally:
            plt.close("all")
        if not is_test_cell(cell) or not seeds.hidden_calls(cell.source):
            continue
        before = time.perf_counter()
        part = hidden_part(cell.source)
        count = len(seeds.hidden_calls(part))
        result.cells[cell_id] = count
        for student in students:
            table = [seeds.derive(secret, assignment, notebook, cell_id, student, k) for k in range(count)]
            text = seeds.rewrite(part, table)
            failed = _run_hidden(text, namespace, f"{filename}[hidden]")
            if failed is None:
                continue
            k, exc = failed
            shown = _run_hidden(_HIDDEN_TRUE.sub("hidden=False", text), namespace, f"{filename}[shown]")
            result.failures.append(Failure(
                assignment, notebook, cell_id, student, -1 if k is None else k,
                None if k is None else table[k], _message(exc), _message(shown[1]) if shown else ""))
        plt.close("all")
        result.sweep_seconds += time.perf_counter() - before
    result.seconds = time.perf_counter() - started
    return result


def sweeps(course: Path, names=(), count: int = 100, start: int = 0, workers: int = 1):
    """Every chosen notebook swept with ``count`` pseudo-students (``sweep-<start>`` ...), yielded as each
    finishes (in order); one notebook per process when ``workers`` > 1."""
    students = [f"sweep-{i}" for i in range(start, start + count)]
    chosen = notebooks(course, names)
    if workers <= 1:
        yield from (sweep_notebook(course, a, n, students) for a, n in chosen)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(sweep_notebook, [course] * len(chosen), *zip(*chosen), [students] * len(chosen))


def sweep(course: Path, names=(), count: int = 100, start: int = 0, workers: int = 1) -> list[NotebookSweep]:
    return list(sweeps(course, names, count, start, workers))


def format_notebook(r: NotebookSweep) -> str:
    """English lines for the instructor: the notebook's time and, per failing hidden check, its rate and cases."""
    calls = sum(r.cells.values())
    status = f"ERROR (stopped at {r.error})" if r.error else (
        f"{len(r.failures)} failure(s)" if r.failures else "full marks for every student")
    lines = [f"{r.label}: {len(r.cells)} test cell(s), {calls} hidden check(s) x {r.students} students: "
             f"{status}  [{r.seconds:.1f} s, sweep {r.sweep_seconds:.1f} s]"]
    rates: dict = {}
    for f in r.failures:
        rates.setdefault((f.grade_id, f.call), []).append(f)
    for (cell, call), fails in sorted(rates.items()):
        students = {f.student for f in fails} - {"literal"}
        literal = len(students) < len({f.student for f in fails})
        rate = f"{len(students)}/{r.students} students ({len(students) / max(r.students, 1):.1%})"
        where = f"hidden check #{call}" if call >= 0 else "outside its hidden checks (a visible check, or the cell)"
        lines.append(f"    {cell}, {where}: fails " + (f"for {rate}" if students else "")
                     + (", and " if students and literal else "") + ("with the cell's own seeds" if literal else ""))
        for f in fails:
            who = "the cell's own seeds" if f.student == "literal" else f"{f.student} seed={f.seed}"
            lines.append(f"        {who}: {f.message}")
            if f.detail and f.detail != f.message:
                lines.append(f"            as a visible check: {f.detail}")
    return "\n".join(lines)


def format_summary(results: list[NotebookSweep]) -> str:
    failing = sum(len(r.failures) for r in results) + sum(1 for r in results if r.error)
    total = sum(r.seconds for r in results)
    return (f"\n{len(results)} notebook(s), {total:.0f} s of sweeping: "
            + (f"{failing} failure(s): a correct answer would lose points" if failing
               else "the reference solutions get full marks under every swept seed"))


def format_report(results: list[NotebookSweep]) -> str:
    return "\n".join([format_notebook(r) for r in results] + [format_summary(results)])


def run(course: Path, names=(), count: int = 100, start: int = 0, workers: int = 1, say=print) -> int:
    results = []
    for result in sweeps(course, names, count, start, workers):
        say(format_notebook(result))
        sys.stdout.flush()          # a long sweep shows each notebook as it finishes
        results.append(result)
    say(format_summary(results))
    return 1 if any(r.failures or r.error for r in results) else 0


__all__ = ["Failure", "NotebookSweep", "SWEEP_SECRET", "format_notebook", "format_report", "format_summary",
           "hidden_part", "notebooks", "run", "sweep", "sweep_notebook", "sweeps"]
