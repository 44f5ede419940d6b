"""The instructor's summary after grading: which checks the class fails, and who was not graded.

``python -m grader summary [assignment]`` writes ``reports/summary.md`` (per notebook and test
cell: students who passed / students graded, and the most frequent failures) and
``reports/summary.png`` (pass rate per test cell, Spanish labels, ready to show in class). The
checks that fail most are where the teaching needs work. Scores come from the gradebook; a
notebook counts as graded for a student only if nbgrader autograded it (``autograded/``), since
the gradebook also gives 0 to notebooks a student never handed in.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..checks.messages import SUMMARY
from . import pipeline
from .course import Course
from .escape import markdown as md
from .preprocessors import verdict

SUMMARY_MD = "summary.md"    # in the course's reports/ folder
SUMMARY_PNG = "summary.png"


@dataclass
class Untouched:
    """Notebooks handed in exactly as released (every answer cell unchanged): not counted in pass rates."""
    notebooks: Counter = field(default_factory=Counter)   # (assignment, notebook) -> students


@dataclass
class CellStats:
    """How the class did on one test cell."""
    assignment: str
    notebook: str
    cell: str
    points: float
    passed: int = 0
    graded: int = 0
    failures: Counter = field(default_factory=Counter)   # failure kind -> students
    overridden: int = 0    # students whose points the instructor set by hand (counted apart from passed)

    @property
    def rate(self) -> float:
        return self.passed / self.graded if self.graded else 0.0


def collect(course: Path, assignment: str | None = None, untouched: Untouched | None = None) -> list[CellStats]:
    """One CellStats per test cell of every notebook with at least one graded submission.

    A notebook handed in with every answer cell as released ("No response." from nbgrader) says nothing
    about the checks: it is counted in ``untouched`` instead.
    """
    from nbgrader.api import Gradebook
    layout = Course.at(course)
    if not layout.has_gradebook():
        return []
    stats: dict[tuple, CellStats] = {}
    with Gradebook(layout.db_url) as gb:
        for a in gb.assignments:
            if assignment and a.name != assignment:
                continue
            for submission in a.submissions:
                student = submission.student.id
                for notebook in submission.notebooks:
                    path = layout.autograded(student, a.name) / f"{notebook.name}.ipynb"
                    if not path.exists():
                        continue   # not handed in: the gradebook's 0 says nothing about the checks
                    answers = list(notebook.comments)
                    blank = bool(answers) and all(c.auto_comment == "No response." and not c.manual_comment
                                                  for c in answers)
                    if blank and untouched is not None:
                        untouched.notebooks[(a.name, notebook.name)] += 1
                    cells = _graded_cells(path)
                    for grade in notebook.grades:
                        key = (a.name, notebook.name, grade.name)
                        entry = stats.setdefault(key, CellStats(a.name, notebook.name, grade.name,
                                                                float(grade.max_score)))
                        if grade.manual_score is not None and grade.manual_score != grade.auto_score:
                            entry.overridden += 1
                        if blank:
                            continue   # says nothing about the checks: counted apart
                        entry.graded += 1
                        score = grade.auto_score   # the checks' verdict; an override is counted apart
                        if score is not None and score >= grade.max_score:
                            entry.passed += 1
                        elif grade.name in cells:
                            entry.failures[verdict(cells[grade.name], score)] += 1
    order = _cell_order(course)
    return sorted(stats.values(), key=lambda s: (s.assignment, s.notebook, order.get(
        (s.assignment, s.notebook, s.cell), 10**6), s.cell))


def _graded_cells(path: Path) -> dict:
    import nbformat
    nb = nbformat.read(path, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade")}


def _cell_order(course: Path) -> dict:
    """(assignment, notebook, cell) -> position in the source notebook, to list cells as students meet them."""
    import nbformat
    order = {}
    for path in Course.at(course).source().glob("*/*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for i, c in enumerate(nb.cells):
            grade_id = c.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id:
                order[(path.parent.name, path.stem, grade_id)] = i
    return order


def cell_titles(course: Path) -> dict:
    """(assignment, notebook, cell) -> the Spanish heading above the test cell (what students read)."""
    import nbformat
    from .preprocessors import _remember_headings
    titles = {}
    for path in Course.at(course).source().glob("*/*.ipynb"):
        headings = {}
        for c in nbformat.read(path, as_version=4).cells:
            if c.cell_type == "markdown":
                _remember_headings(c.source, headings)
            grade_id = c.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id and headings:
                titles[(path.parent.name, path.stem, grade_id)] = headings[max(headings)].lstrip("# ").replace("`", "")
    return titles


def totals(course: Path, assignment: str | None = None) -> dict:
    """{assignment: [percent of the maximum per graded student]} for the distribution of grades."""
    from .gradebook_export import collect as grades_of
    grades = grades_of(course)
    out = {}
    for a in grades.assignments:
        if assignment and a != assignment:
            continue
        values = [100 * v / grades.max_scores[a] for (st, name), v in grades.scores.items()
                  if name == a and v is not None and grades.max_scores[a]]
        if values:
            out[a] = values
    return out


def reported(course: Path, assignment: str | None = None) -> dict:
    """{(assignment, student): reason} for submissions the last ``grade`` could not grade."""
    names = [assignment] if assignment else pipeline.assignments(course)
    return {(a, student): why for a in names
            for student, why in sorted(pipeline.load_report(course, a).failed.items())}


def instructor_notes(course: Path, assignment: str | None = None) -> dict:
    """{(assignment, student): [notes]} the last ``grade`` saved: restored test cells, late penalties,
    overrides kept, notebooks not handed in, crashes."""
    names = [assignment] if assignment else pipeline.assignments(course)
    out = {}
    for a in names:
        report = pipeline.load_report(course, a)
        for student in sorted(set(report.notes) | set(report.missing)):
            out[(a, student)] = list(report.notes.get(student, []))
            if student in report.missing:
                out[(a, student)].append(f"notebooks not handed in (0 points): {', '.join(report.missing[student])}")
    return out


def markdown(stats: list[CellStats], failed: dict, notes: dict | None = None,
             untouched: Untouched | None = None) -> str:
    lines = ["# Grading summary", "",
             "Made by `python -m grader summary` from `gradebook.db` and `autograded/`. *Passed* means full",
             "points from the checks on the test cell; *graded* counts the students whose notebook nbgrader",
             "autograded; *overridden* counts the students whose points the instructor set by hand (not in *passed*).",
             "The checks that fail most are where the teaching needs work.", ""]
    if not stats:
        lines += ["No graded submission yet.", ""]
    for a in sorted({s.assignment for s in stats}):
        lines += [f"## {a}", "", "| notebook | test cell | points | passed / graded | pass rate | overridden | most frequent failures (students) |",
                  "|---|---|---:|---:|---:|---:|---|"]
        for s in (s for s in stats if s.assignment == a):
            failure = "; ".join(f"{md(kind)} ({n})" for kind, n in s.failures.most_common(3))
            lines.append(f"| {md(s.notebook)} | `{s.cell}` | {s.points:g} | {s.passed} / {s.graded} | "
                         f"{100 * s.rate:.0f} % | {s.overridden} | {failure} |")
        lines.append("")
    worst = sorted((s for s in stats if s.passed < s.graded), key=lambda s: (s.rate, -s.graded))[:5]
    if worst:
        lines += ["## Failing most", ""]
        lines += [f"1. {s.assignment}/{s.notebook} `{s.cell}`: {s.passed} of {s.graded} passed" for s in worst]
        lines.append("")
    if untouched and untouched.notebooks:
        lines += ["## Handed in untouched (not in the pass rates)", ""]
        lines += [f"- {a}/{nb}: {n} student(s)" for (a, nb), n in sorted(untouched.notebooks.items())]
        lines.append("")
    lines += ["## Reported submissions (not graded)", ""]
    # reasons and notes quote the student's file (names, a broken notebook's first characters): escaped
    lines += [f"- {md(student)} / {md(a)}: {md(why)}" for (a, student), why in sorted(failed.items())] or ["None."]
    if notes:
        lines += ["", "## Instructor notes (from the last grading)", ""]
        lines += [f"- {md(student)} / {md(a)}: {md(note)}" for (a, student), items in sorted(notes.items())
                  for note in items]
    return "\n".join(lines) + "\n"


def plot(stats: list[CellStats], path: Path, titles: dict | None = None, grades: dict | None = None) -> Path:
    """Horizontal bars: the pass rate of every test cell (its Spanish heading), grouped under its notebook;
    beside them, the distribution of the students' totals."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels, rates, notes, bold = [], [], [], []
    for group in sorted({(s.assignment, s.notebook) for s in stats}):
        labels.append(f"{group[0]} / {group[1]}")
        rates.append(None); notes.append(""); bold.append(True)
        for s in (s for s in stats if (s.assignment, s.notebook) == group):
            title = (titles or {}).get((s.assignment, s.notebook, s.cell), s.cell)
            labels.append(title if len(title) <= 48 else title[:47] + "…")
            rates.append(100 * s.rate); bold.append(False)
            notes.append(f"{s.passed}/{s.graded}")
    fig = Figure(figsize=(12 if grades else 8, 1.3 + 0.32 * max(len(labels), 8)), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 2, 1) if grades else fig.add_subplot()
    if grades:
        hist = fig.add_subplot(1, 2, 2)
        hist.hist(list(grades.values()), bins=list(range(0, 101, 10)), label=list(grades), stacked=True)
        hist.set_xlabel(SUMMARY["grades_axis"])
        hist.set_ylabel(SUMMARY["students"])
        hist.set_title(SUMMARY["grades_title"], fontsize=11)
        hist.legend(fontsize=8)
        hist.spines[["top", "right"]].set_visible(False)
    y = list(range(len(labels)))[::-1]
    for yi, rate, note in zip(y, rates, notes):
        if rate is None:
            continue
        color = "#2da44e" if rate >= 80 else "#d4a72c" if rate >= 50 else "#cf222e"
        ax.barh(yi, rate, color=color, height=0.7)
        ax.text(min(rate, 100) + 1.5, yi, note, va="center", fontsize=8, color="#24292f")
    ax.set_yticks(y, labels, fontsize=8)
    for tick, is_group in zip(ax.get_yticklabels(), bold):
        tick.set_fontweight("bold" if is_group else "normal")
    ax.set_xlim(0, 112)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_xlabel(SUMMARY["passing_axis"])
    ax.set_title(SUMMARY["passing_title"] if stats else SUMMARY["no_submissions"],
                 fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    ax.xaxis.grid(True, color="#d0d7de", linewidth=0.6)
    ax.set_axisbelow(True)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path


def write(course: Path, assignment: str | None = None) -> tuple[Path, Path]:
    """reports/summary.md and reports/summary.png for one assignment (default: all); returns their paths."""
    untouched = Untouched()
    stats = collect(course, assignment, untouched)
    md = Course.at(course).reports / SUMMARY_MD
    md.parent.mkdir(parents=True, exist_ok=True)
    md.write_text(markdown(stats, reported(course, assignment), instructor_notes(course, assignment), untouched),
                  encoding="utf-8")
    return md, plot(stats, md.parent / SUMMARY_PNG, cell_titles(course), totals(course, assignment))
