"""``python -m grader scores``: the gradebook as a terminal table that fits 100 columns, with a total.

The numbers are the exports' (``gradebook_export``): late penalties applied,
empty for work not handed in or not graded. Columns that do not fit are put
on further pages, each repeating the student column.
"""

from __future__ import annotations

from pathlib import Path

from .gradebook_export import CsvStyle, collect

WIDTH = 100


def _fmt(score, maximum) -> str:
    style = CsvStyle()
    return "-" if score is None else f"{style.number(score)}/{style.number(maximum)}"


def table(course: Path, per_notebook: bool = False) -> list[list[str]]:
    grades = collect(course)
    header = ["student"]
    columns = []   # (label, cell(student))
    for a in grades.assignments:
        if per_notebook:
            for nb in grades.notebooks[a]:
                columns.append((f"{a}/{nb}", lambda st, a=a, nb=nb: _fmt(
                    grades.notebook_scores.get((st, a, nb), (None, ""))[0], grades.notebook_max[(a, nb)])))
        else:
            columns.append((a, lambda st, a=a: _fmt(grades.scores.get((st, a)), grades.max_scores[a])))
    total_max = sum(grades.max_scores.values())
    columns.append(("total", lambda st: _fmt(sum(grades.scores.get((st, a)) or 0.0 for a in grades.assignments),
                                             total_max)))
    header += [label for label, _ in columns]
    rows = [header] + [[st] + [cell(st) for _, cell in columns] for st in sorted(grades.students)]
    return rows


def pages(rows: list[list[str]], width: int = WIDTH) -> list[list[list[str]]]:
    """Split columns into pages no wider than ``width``, each starting with the first column."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out, current, used = [], [], widths[0]
    for i in range(1, len(widths)):
        if current and used + 2 + widths[i] > width:
            out.append(current)
            current, used = [], widths[0]
        current.append(i)
        used += 2 + widths[i]
    if current:
        out.append(current)
    return [[[r[0]] + [r[i] for i in cols] for r in rows] for cols in out]


def render(course: Path, per_notebook: bool = False, width: int = WIDTH) -> str:
    rows = table(course, per_notebook)
    if len(rows) == 1:
        return "no grades in the gradebook yet"
    texts = []
    for page in pages(rows, width):
        widths = [max(len(r[i]) for r in page) for i in range(len(page[0]))]
        lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in page]
        lines.insert(1, "  ".join("-" * w for w in widths))
        texts.append("\n".join(lines))
    return "\n\n".join(texts)


__all__ = ["WIDTH", "pages", "render", "table"]
