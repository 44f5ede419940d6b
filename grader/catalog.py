"""Catalogs of wrong and of differently-right answers, and the verdict on each after grading.

A catalog (``tests/catalog/<assignment>/<notebook>.toml``) lists, for each answer
cell of a notebook (``answer_cell`` by default, ``cell`` per entry otherwise), mistakes a student would plausibly make — each naming the test cells that
must take points from it and the failure kind its feedback must name — and
correct alternatives that must get full marks. ``submissions`` turns it into
student submissions for the variant harness; ``verdicts`` says, from the grades
and the feedback, whether each entry behaved as promised.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .submissions import Submission


@dataclass
class Entry:
    kind: str                    # "mistake" or "alternative"
    name: str
    code: str
    catch: list = field(default_factory=list)   # grade_ids that must lose points (mistakes)
    message: str = ""            # failure kind the feedback must name (mistakes)
    only: bool = False           # every other cell keeps full marks
    student: str = ""            # id used in the batch
    cell: str = ""               # answer cell it replaces (default: the catalog's answer_cell)


@dataclass
class Catalog:
    assignment: str
    notebook: str
    answer_cell: str
    entries: list

    @property
    def mistakes(self):
        return [e for e in self.entries if e.kind == "mistake"]

    @property
    def alternatives(self):
        return [e for e in self.entries if e.kind == "alternative"]


def load(path: Path) -> Catalog:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    entries = []
    for kind in ("mistake", "alternative"):
        for i, raw in enumerate(data.get(kind, []), start=1):
            catch = raw.get("catch", [])
            entries.append(Entry(kind, raw["name"], raw["code"].strip("\n") + "\n",
                                 [catch] if isinstance(catch, str) else list(catch),
                                 raw.get("message", ""), raw.get("only", False),
                                 f"{data['notebook']}-{kind[0]}{i:02d}",
                                 raw.get("cell", data["answer_cell"])))
    return Catalog(data["assignment"], data["notebook"], data["answer_cell"], entries)


def submissions(catalog: Catalog) -> list[Submission]:
    """One submission per entry: the reference answer in every answer cell but the entry's own.

    So an entry is judged on its own cell; the other exercises of the notebook are right.
    """
    return [Submission(e.student, catalog.assignment, catalog.notebook, {e.cell: e.code}, from_solutions=True)
            for e in catalog.entries]


def verdict(entry: Entry, scores: dict, feedback: str) -> str:
    """"" if the entry behaved as the catalog promises, else what went wrong (English, for tests)."""
    if not scores:
        return "was not graded"
    if entry.kind == "alternative":
        lost = {g: s for g, s in scores.items() if s[0] < s[1]}
        return f"a correct answer lost points in {sorted(lost)}" if lost else ""
    problems = []
    for grade_id in entry.catch:
        if grade_id not in scores:
            problems.append(f"no test cell {grade_id}")
        elif scores[grade_id][0] >= scores[grade_id][1]:
            problems.append(f"{grade_id} gave full marks")
    if entry.message and entry.message.lower() not in feedback.lower():
        problems.append(f"feedback does not say {entry.message!r}")
    if entry.only:
        extra = sorted(g for g, (s, m) in scores.items() if s < m and g not in entry.catch)
        if extra:
            problems.append(f"also lost points in {extra}")
    return "; ".join(problems)
