"""Catalogs of wrong and of differently-right answers, and the verdict on each after grading.

A catalog (``tests/catalog/<assignment>/<notebook>.toml``) lists, for each answer
cell of a notebook (``answer_cell`` by default, ``cell`` per entry otherwise),
mistakes a student would plausibly make — each naming the test cells that must
take points from it and the failure kind its feedback must name — and correct
alternatives that must get full marks. ``submissions`` turns it into student
submissions for the variant harness; ``verdict`` says, from the grades and the
feedback, whether each entry behaved as promised.

An entry may be *documented* instead of promised: ``known_gap = "<why>"`` marks
a real weakness of a check (a plausible mistake that gets full marks, or a
correct answer that loses points) until the check is fixed; ``exception =
"<why>"`` marks a mistake that cannot be caught without rejecting valid answers.
Documented entries are still graded and reported, but apart, and never fail.
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
    known_gap: str = ""          # why a check misjudges this entry today (English); reported, not failed
    exception: str = ""          # why this mistake cannot be caught without rejecting valid answers
    diagnosis: tuple = ()        # messages.DIAGNOSIS keys the feedback must name (library misconceptions)

    @property
    def documented(self) -> str:
        """"known gap" or "exception" when the entry is a documented exception, else ""."""
        return "known gap" if self.known_gap else "exception" if self.exception else ""

    @property
    def reason(self) -> str:
        return self.known_gap or self.exception


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

    def cells(self) -> list[str]:
        """Answer cells the catalog has entries for, in order of first appearance."""
        return list(dict.fromkeys([self.answer_cell] + [e.cell for e in self.entries]))


FIELDS = {"name", "code", "catch", "message", "only", "cell", "known_gap", "exception", "diagnosis"}


def _keys(value) -> tuple:
    """``diagnosis = "key"`` or a list of keys, each a misconception of ``messages.DIAGNOSIS``."""
    from ..checks.messages import DIAGNOSIS
    keys = (value,) if isinstance(value, str) else tuple(value)
    unknown = [k for k in keys if k not in DIAGNOSIS]
    if unknown:
        raise ValueError(f"unknown diagnosis {unknown}: not in messages.DIAGNOSIS")
    return keys


def load(path: Path) -> Catalog:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    entries = []
    for kind in ("mistake", "alternative"):
        for i, raw in enumerate(data.get(kind, []), start=1):
            unknown = set(raw) - FIELDS
            if unknown:
                raise ValueError(f"{path}: {kind} {raw.get('name')!r} has unknown fields {sorted(unknown)}")
            if raw.get("known_gap") and raw.get("exception"):
                raise ValueError(f"{path}: {raw['name']!r} is either a known gap or an exception, not both")
            catch = raw.get("catch", [])
            entries.append(Entry(kind, raw["name"], raw["code"].strip("\n") + "\n",
                                 [catch] if isinstance(catch, str) else list(catch),
                                 raw.get("message", ""), raw.get("only", False),
                                 f"{data['notebook']}-{kind[0]}{i:02d}",
                                 raw.get("cell", data["answer_cell"]),
                                 raw.get("known_gap", "").strip(), raw.get("exception", "").strip(),
                                 _keys(raw.get("diagnosis", ()))))
    return Catalog(data["assignment"], data["notebook"], data["answer_cell"], entries)


def find(catalog_root: Path, names=()) -> list[Path]:
    """Catalog files under ``catalog_root``, all or those named (``notebook`` or ``assignment/notebook``)."""
    paths = sorted(Path(catalog_root).glob("*/*.toml"))
    if not names:
        return paths
    chosen = [p for p in paths if p.stem in names or f"{p.parent.name}/{p.stem}" in names]
    missing = set(names) - {p.stem for p in chosen} - {f"{p.parent.name}/{p.stem}" for p in chosen}
    if missing:
        raise ValueError(f"no catalog for {sorted(missing)} under {catalog_root}")
    return chosen


def submissions(catalog: Catalog) -> list[Submission]:
    """One submission per entry: the reference answer in every answer cell but the entry's own.

    So an entry is judged on its own cell; the other exercises of the notebook are right.
    """
    return [Submission(e.student, catalog.assignment, catalog.notebook, {e.cell: e.code}, from_solutions=True)
            for e in catalog.entries]


def diagnosis_sentence(key: str) -> str:
    """The sentence of a library misconception, as the feedback's visible text shows it."""
    from ..checks.messages import DIAGNOSIS
    return " ".join(DIAGNOSIS[key].split())


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
    for key in entry.diagnosis:
        if diagnosis_sentence(key) not in feedback:
            problems.append(f"feedback does not name the misconception {key!r}")
    if entry.only:
        extra = sorted(g for g, (s, m) in scores.items() if s < m and g not in entry.catch)
        if extra:
            problems.append(f"also lost points in {extra}")
    return "; ".join(problems)
