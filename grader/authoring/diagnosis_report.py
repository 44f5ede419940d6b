"""Measure the diagnosis without kernels: which mistakes it names, and whether it names them rightly.

The harness runs trusted course code only (catalog entries, the mutants of
``tests/diagnosis/mutants.toml``, the library's own misconceptions): each is
executed in this process with the notebook's reference answers in its other
cells, every check of every test cell observes it as at home, and a failing
check is diagnosed exactly as the scorer does (``grader.grading.diagnosis``).
Hidden checks use the seeds written in the source notebook.

* **catalog**: a mistake annotated ``diagnosis = "<key>"`` (or a list of keys) is
  *recognised* if a test cell names them; any other name given to a catalog
  mistake is listed.
* **mutants**: mistakes written for this measure, outside the library, and code
  in the style of public repositories: a name not in the entry's ``expect`` is a
  *misdiagnosis* ("no diagnosis" is fine).
* **library**: each misconception played as a student: named by its own key,
  named together with another it cannot be told from, or confused.
"""

from __future__ import annotations

import contextlib
import io
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import catalog as catalogs
from .submissions import grade_id, solution_answers

MUTANTS = Path("tests") / "diagnosis" / "mutants.toml"


@dataclass
class Named:
    """What the diagnosis said about one piece of code: test cell -> keys named (failing cells only)."""
    label: str
    notebook: str
    expected: tuple = ()
    names: dict = field(default_factory=dict)
    failed: list = field(default_factory=list)   # test cells that failed
    error: str = ""

    @property
    def keys(self) -> set:
        return {k for keys in self.names.values() for k in keys}

    @property
    def misnamed(self) -> set:
        return self.keys - set(self.expected)


def _cells(course: Path, assignment: str, notebook: str, test: bool) -> list[tuple[str, str]]:
    """(grade_id, source) of the notebook's test cells, or of its locked setup cells (``test=False``)."""
    import nbformat
    from ..grading.course import Course
    nb = nbformat.read(Course.at(course).source(assignment) / f"{notebook}.ipynb", as_version=4)
    chosen = []
    for c in nb.cells:
        meta = c.metadata.get("nbgrader", {})
        if c.cell_type != "code" or not meta:
            continue
        if test and meta.get("grade"):
            chosen.append((grade_id(c), c.source))
        elif not test and meta.get("locked") and not meta.get("grade") and "demo" not in c.metadata.get("tags", []):
            chosen.append((grade_id(c), c.source))
    return chosen


def _namespace(course: Path, assignment: str, notebook: str, replaced: dict) -> dict:
    """The answers of a notebook executed here: reference solutions, some cells replaced."""
    import grader
    answers = solution_answers(course, assignment, notebook)
    answers.update(replaced)
    scope = {"np": np, "numpy": np, "grader": grader, "__name__": "__diagnosis__"}
    with contextlib.redirect_stdout(io.StringIO()):
        for source in [s for _, s in _cells(course, assignment, notebook, test=False)] + list(answers.values()):
            exec(compile(source, "<answer>", "exec"), scope)  # noqa: S102 - the course's own code
    return scope


def diagnose_code(course: Path, assignment: str, notebook: str, cells: dict, label: str = "",
                  expected=()) -> Named:
    """Observe every test cell's checks on ``cells`` (grade_id -> source) and diagnose each failing one."""
    from ..checks import declarations
    from ..checks.errors import CheckFailed
    from ..grading import diagnosis
    named = Named(label, notebook, tuple(expected))
    try:
        scope = _namespace(course, assignment, notebook, cells)
    except Exception as exc:  # noqa: BLE001
        named.error = f"{type(exc).__name__}: {exc}"
        return named
    for cell_id, source in _cells(course, assignment, notebook, test=True):
        for declared in declarations.read(source):
            target = scope.get(declared.target)
            try:
                observed = declared.runner.observe(declared.check, target)
                declared.runner.judge(declared.check, declared.target, observed)
            except CheckFailed:
                named.failed.append(cell_id)
                keys = diagnosis.diagnose(declared.check, observed)
                if keys:
                    named.names[cell_id] = keys
                break
            except Exception as exc:  # noqa: BLE001
                named.error = f"{cell_id}: {type(exc).__name__}: {exc}"
                break
    return named


def catalog_mistakes(course: Path, names=()) -> list[Named]:
    """Every mistake of the chosen catalogs, diagnosed; ``expected`` is its ``diagnosis`` annotation."""
    results = []
    for path in catalogs.find(course / "tests" / "catalog", names):
        cat = catalogs.load(path)
        for entry in cat.mistakes:
            results.append(diagnose_code(course, cat.assignment, cat.notebook, {entry.cell: entry.code},
                                         entry.name, entry.diagnosis))
    return results


def mutants(course: Path, path: Path | None = None) -> list[Named]:
    """The mutants and public-style implementations of ``tests/diagnosis/mutants.toml``, diagnosed."""
    data = tomllib.loads((path or course / MUTANTS).read_text(encoding="utf-8"))
    results = []
    for entry in data["mutant"]:
        results.append(diagnose_code(course, entry["assignment"], entry["notebook"], {entry["cell"]: entry["code"]},
                                     entry["name"], tuple(entry.get("expect", ()))))
    return results


def summary(catalog: list[Named], mutated: list[Named]) -> str:
    """Instructor-facing lines (English): recognition in the catalog, misdiagnosis on mutants."""
    annotated = [n for n in catalog if n.expected]
    recognised = [n for n in annotated if set(n.expected) <= n.keys]
    misnamed_catalog = [n for n in catalog if n.misnamed]
    diagnosed = [n for n in mutated if n.failed]
    wrong = [n for n in mutated if n.misnamed]
    lines = [f"Diagnosis: {len(recognised)}/{len(annotated)} annotated catalog mistakes recognised by name "
             f"({len(catalog)} mistakes in these catalogs); {len(misnamed_catalog)} given another name.",
             f"Misdiagnosis on mutants outside the library and public-style code: {len(wrong)}/{len(mutated)} "
             f"({100 * len(wrong) / max(len(mutated), 1):.1f} %); {len(diagnosed)} failed a check, "
             f"{sum(bool(n.keys) for n in mutated)} were given a name."]
    for n in annotated:
        if n not in recognised:
            lines.append(f"- not recognised: {n.notebook} «{n.label}» (expected {', '.join(n.expected)}; "
                         f"named {sorted(n.keys) or 'nothing'}{'; ' + n.error if n.error else ''})")
    for n in misnamed_catalog + wrong:
        lines.append(f"- misnamed: {n.notebook} «{n.label}» named {sorted(n.misnamed)}")
    return "\n".join(lines)


def _declared_checks(course: Path, names=()) -> list[tuple[str, str, object]]:
    """(notebook, test cell, Declared) of every check of the chosen catalogs' notebooks."""
    from ..checks import declarations
    found = []
    for path in catalogs.find(course / "tests" / "catalog", names):
        cat = catalogs.load(path)
        for cell_id, source in _cells(course, cat.assignment, cat.notebook, test=True):
            found += [(cat.notebook, cell_id, d) for d in declarations.read(source)]
    return found


def _target(check) -> str:
    """The reference or task whose misconceptions a check can name ("" for checks with none: models)."""
    from ..checks.layer_checks import LayerCheck
    from ..checks.task_checks import TaskCheck
    if isinstance(check, LayerCheck):
        return check.reference
    return check.task_name.removesuffix("_numeric") if isinstance(check, TaskCheck) else ""


def _played(m, check) -> list:
    """The observations a student whose answer is exactly misconception ``m`` would leave for ``check``."""
    from ..checks import references
    from ..checks.layer_checks import STEP, LayerCheck, Observation
    from ..checks.task_checks import TaskObservation
    if not isinstance(check, LayerCheck):
        task = check.task_name
        from ..checks.tasks import get_task
        arity = get_task(task).arity
        return [TaskObservation(result=m.compute(*args[:arity], **dict(check.init)), args_after=args)
                for args, _ in check.runs()]
    ref, init = check.reference, check.init

    def forward(x):
        return m.compute(x, **init) if m.predicts == "forward" else references.forward(ref, x, init)

    observed = []
    for case in check.cases:
        x, g = case.inputs(references.get(ref).kinks)
        if check.kind == "numerical_gradient":
            x, g = x.astype(np.float64), g.astype(np.float64)
        obs = Observation()
        obs.arrays.update(forward=np.asarray(forward(x)), input_after_forward=x)
        if check.kind not in ("function", "forward"):
            back = m.compute(x, g, **init) if m.predicts == "backward" else references.backward(ref, x, g, init)
            obs.arrays.update(backward=np.asarray(back), input_after_backward=x, upstream_changed=False,
                              output_changed=False)
        if check.kind == "numerical_gradient":
            steps = [np.eye(x.size)[i].reshape(x.shape) * STEP for i in range(x.size)]
            obs.arrays.update(numeric=None, numeric_plus=[np.asarray(forward(x + s), np.float64) for s in steps],
                              numeric_minus=[np.asarray(forward(x - s), np.float64) for s in steps])
        observed.append(obs)
    return observed


def library(course: Path, names=()) -> list[Named]:
    """Each misconception of the library played as a student on its notebook's checks, then diagnosed."""
    import warnings
    from ..checks.errors import CheckFailed
    from ..grading import diagnosis, misconceptions
    checks = _declared_checks(course, names)
    targets = {_target(d.check) for _, _, d in checks}
    results = []
    for m in misconceptions.every():
        if m.target not in targets:        # its notebook was not chosen
            continue
        named = Named(f"{m.target}: {m.key}", m.target, (m.key,))
        for notebook, cell_id, declared in checks:
            check = declared.check
            aspects = diagnosis.ASPECTS.get(getattr(check, "kind", ""), ("result",))
            if _target(check) != m.target or m.predicts not in aspects or cell_id in named.failed:
                continue
            named.notebook = notebook
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                observed = _played(m, check)
            try:
                declared.runner.judge(check, declared.target, observed)
            except CheckFailed:
                named.failed.append(cell_id)
                keys = diagnosis.diagnose(check, observed)
                if keys:
                    named.names[cell_id] = keys
        results.append(named)
    return results


def library_summary(played: list[Named]) -> str:
    """How the library's misconceptions are told apart from each other (English)."""
    alone = [n for n in played if n.keys == set(n.expected)]
    together = [n for n in played if set(n.expected) <= n.keys and n not in alone]
    confused = [n for n in played if n.keys and not set(n.expected) <= n.keys]
    unnamed = [n for n in played if n.failed and not n.keys]
    invisible = [n for n in played if not n.failed]
    lines = [f"Library: {len(played)} misconceptions played as students: {len(alone)} named alone, "
             f"{len(together)} named with another they cannot be told from on these cases, {len(confused)} "
             f"named as another only, {len(unnamed)} not named, {len(invisible)} caught by no check."]
    for n in together:
        lines.append(f"- together: {n.label} with {sorted(n.keys - set(n.expected))}")
    for n in confused + unnamed + invisible:
        lines.append(f"- {'confused' if n in confused else 'not named' if n in unnamed else 'invisible'}: "
                     f"{n.label} {sorted(n.keys)}")
    return "\n".join(lines)


def report(course: Path, names=()) -> str:
    """The three measures, for ``python -m grader catalog`` (the chosen catalogs; every mutant)."""
    return "\n\n".join([summary(catalog_mistakes(course, names), mutants(course)),
                         library_summary(library(course, names))])
