"""`python -m grader catalog`: grade the catalogs of mistakes and alternatives, and tabulate.

Every entry of the chosen catalogs is graded in one batch through the grading
path (``variants.grade_submissions``), judged with ``catalog.verdict``, and
counted per answer cell: mistakes caught, mistakes recognised by name (their
feedback names the misconceptions their ``diagnosis`` lists), alternatives accepted, and the
documented exceptions (``known_gap``, ``exception``), which are listed apart
and never count as failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import catalog as catalogs
from . import diagnosis_report


@dataclass
class Outcome:
    assignment: str
    notebook: str
    entry: catalogs.Entry
    problem: str          # "" when the entry behaved as the catalog promises
    recognised: bool = False  # its feedback names every misconception its ``diagnosis`` lists

    @property
    def failed(self) -> bool:
        """Below promise and not a documented exception: what makes the command fail."""
        return bool(self.problem) and not self.entry.documented


def judge(cats: list[catalogs.Catalog], results: dict) -> list[Outcome]:
    """One outcome per entry, from ``{(student, notebook): Result}`` as grade_submissions returns it."""
    outcomes = []
    for cat in cats:
        for entry in cat.entries:
            result = results.get((entry.student, cat.notebook))
            if result is None:
                problem = "was not graded"
            elif not result.scores:
                problem = f"was not graded: {result.failure or 'no scores'}"
            else:
                problem = catalogs.verdict(entry, result.scores, result.feedback)
            recognised = bool(entry.diagnosis and result and all(
                catalogs.diagnosis_sentence(k) in result.feedback for k in entry.diagnosis))
            outcomes.append(Outcome(cat.assignment, cat.notebook, entry, problem, recognised))
    return outcomes


def _count(outcomes: list[Outcome]) -> dict:
    counted = [o for o in outcomes if not o.entry.documented]
    mistakes = [o for o in counted if o.entry.kind == "mistake"]
    alternatives = [o for o in counted if o.entry.kind == "alternative"]
    documented = [o.entry.documented for o in outcomes if o.entry.documented]
    return {"mistakes": (sum(not o.problem for o in mistakes), len(mistakes)),
            # Of all mistakes: one without a misconception is not named, and that is no failure.
            "recognised": (sum(o.recognised for o in mistakes), len(mistakes)),
            "alternatives": (sum(not o.problem for o in alternatives), len(alternatives)),
            "documented": documented}


def _documented_text(kinds: list[str]) -> str:
    if not kinds:
        return "—"
    parts = []
    for kind in ("known gap", "exception"):
        n = kinds.count(kind)
        if n:
            parts.append(f"{n} {kind}{'s' if n > 1 else ''}")
    return ", ".join(parts)


def rows(outcomes: list[Outcome]) -> list[dict]:
    """Table rows: one per answer cell, a total per notebook with several cells, and a course total."""
    table, notebooks = [], {}
    for o in outcomes:
        notebooks.setdefault((o.assignment, o.notebook), {}).setdefault(o.entry.cell, []).append(o)
    for (assignment, notebook), cells in notebooks.items():
        for cell, members in cells.items():
            table.append({"assignment": assignment, "notebook": notebook, "exercise": cell, **_count(members)})
        if len(cells) > 1:
            members = [o for group in cells.values() for o in group]
            table.append({"assignment": assignment, "notebook": notebook, "exercise": "(notebook)",
                          **_count(members)})
    if outcomes:
        table.append({"assignment": "", "notebook": "", "exercise": "(course)", **_count(outcomes)})
    return table


def _ratio(pair: tuple[int, int]) -> str:
    done, total = pair
    return f"{done}/{total}" + ("" if done == total else " ✗")


def format_table(table: list[dict]) -> str:
    """A Markdown table (so the README can show it as printed)."""
    lines = ["| assignment | notebook | exercise (answer cell) | mistakes caught | recognised by name "
             "| alternatives accepted | documented exceptions |",
             "|---|---|---|---:|---:|---:|---|"]
    for r in table:
        total = r["exercise"].startswith("(")
        exercise = f"**{r['exercise']}**" if total else f"`{r['exercise']}`"
        notebook = f"`{r['notebook']}`" if r["notebook"] else ""
        lines.append(f"| {r['assignment']} | {notebook} | {exercise} | {_ratio(r['mistakes'])} | "
                     f"{'/'.join(map(str, r['recognised']))} | {_ratio(r['alternatives'])} | {_documented_text(r['documented'])} |")
    return "\n".join(lines)


def format_report(outcomes: list[Outcome]) -> str:
    """The table, the documented exceptions with their reasons, and every entry below promise."""
    sections = [format_table(rows(outcomes))]
    documented = [o for o in outcomes if o.entry.documented]
    if documented:
        lines = ["Documented exceptions (graded, not counted above):"]
        for o in documented:
            marker = o.entry.documented.replace(" ", "_")
            today = (f"today: {o.problem}" if o.problem else
                     f"today it behaves as a {o.entry.kind} should: remove `{marker}`")
            lines.append(f"- [{o.entry.documented}] {o.notebook} / {o.entry.cell}, {o.entry.kind} "
                         f"«{o.entry.name}»: {o.entry.reason} ({today})")
        sections.append("\n".join(lines))
    failed = [o for o in outcomes if o.failed]
    if failed:
        sections.append("\n".join([f"{len(failed)} entries did not behave as the catalog promises:"] + [
            f"- {o.notebook} / {o.entry.cell}, {o.entry.kind} «{o.entry.name}»: {o.problem}" for o in failed]))
    else:
        sections.append("Every catalogued mistake was caught and every alternative accepted "
                        "(documented exceptions apart).")
    return "\n\n".join(sections)


def run(course: Path, names=(), say=print) -> int:
    """Grade the chosen catalogs (all by default) in one batch; print the report; 1 if anything failed."""
    from .batch import grade_submissions  # imports nbgrader machinery: only when grading

    paths = catalogs.find(course / "tests" / "catalog", names)
    cats = [catalogs.load(p) for p in paths]
    subs = [s for cat in cats for s in catalogs.submissions(cat)]
    say(f"Grading {len(subs)} catalog entries of {len(cats)} notebooks in one batch ...")
    outcomes = judge(cats, grade_submissions(subs, course))
    say(format_report(outcomes))
    if (course / diagnosis_report.MUTANTS).exists():
        say(diagnosis_report.report(course, names))
    return 1 if any(o.failed for o in outcomes) else 0
