"""``python -m grader check NOTEBOOK``: everything an author must know about one notebook, in one run.

1. regenerate its assignment's release (checked against the gradebook first) and its executed
   solution; the reference must score full marks in it (``grading.reference_check``);
2. grade, in one batch through the grading path, the reference solution (full marks), the
   untouched release (zero) and every entry of its catalog of mistakes and alternatives;
3. spell-check its prose against the course's reviewed word lists.

Exit status 1 if anything fails, so an author can run it before a commit.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..grading import pipeline, reference_check
from ..grading.course import Course
from . import catalog as catalogs
from . import catalog_report, spelling
from .submissions import Submission


def locate(course: Path, name: str) -> tuple[str, str]:
    """(assignment, notebook) for ``sigmoide`` or ``05-activaciones/sigmoide``."""
    name = name.removesuffix(".ipynb")
    found = [(p.parent.name, p.stem) for p in sorted(Course.at(course).source().glob("*/*.ipynb"))
             if p.stem == name or f"{p.parent.name}/{p.stem}" == name]
    if len(found) != 1:
        raise ValueError(f"{name!r} names {len(found)} notebooks of source/ (give assignment/notebook)")
    return found[0]


def _one_notebook_course(course: Path, assignment: str, notebook: str, into: Path) -> Path:
    """The course's configuration and this notebook alone in its assignment (with the assignment's other
    files): the batch then releases one notebook instead of the whole assignment."""
    import shutil
    source = Course.at(course).source(assignment)
    shutil.copy2(course / "nbgrader_config.py", into / "nbgrader_config.py")
    target = Course.at(into).source(assignment)
    shutil.copytree(source, target, ignore=lambda folder, names: [
        n for n in names if n.endswith(".ipynb") and n != f"{notebook}.ipynb"])
    return into


def run(course: Path, name: str, say=print) -> int:
    import tempfile
    with tempfile.TemporaryDirectory(prefix="check-") as scratch:
        return _run(Path(course).resolve(), name, Path(scratch), say)


def _run(course: Path, name: str, scratch: Path, say) -> int:
    started = time.monotonic()
    assignment, notebook = locate(course, name)
    layout = Course.at(course)
    problems = []

    say(f"1/3 release and solution of {assignment}/{notebook} ...")
    pipeline.release(course, assignment, say=say)
    pipeline.nbgrader(course, "generate_solution", assignment, f"--notebook={notebook}", "--force")
    problems += [str(p) for p in reference_check.check_solution(layout, assignment, notebook)]

    say("2/3 grading the reference, the release and the catalog in one batch ...")
    from .batch import grade_submissions  # imports the grading machinery only when grading
    catalog_path = course / "tests" / "catalog" / assignment / f"{notebook}.toml"
    cats = [catalogs.load(catalog_path)] if catalog_path.is_file() else []
    if not cats:
        problems.append(f"{assignment}/{notebook}: no catalog of mistakes at {catalog_path.relative_to(course)}")
    reference = Submission(f"{notebook}-reference", assignment, notebook, from_solutions=True)
    untouched = Submission(f"{notebook}-release", assignment, notebook)
    subs = [reference, untouched] + [s for cat in cats for s in catalogs.submissions(cat)]
    results = grade_submissions(subs, _one_notebook_course(course, assignment, notebook, scratch))
    for sub, want in ((reference, "full"), (untouched, "zero")):
        result = results.get((sub.student, notebook))
        if result is None or not result.scores:
            problems.append(f"{assignment}/{notebook}: the {sub.student.split('-')[-1]} was not graded: "
                            f"{result.failure if result else ''}")
            continue
        for cell, (score, maximum) in sorted(result.scores.items()):
            must = maximum if want == "full" else 0.0
            if score != must:
                problems.append(f"{assignment}/{notebook}: cell {cell}: the {sub.student.split('-')[-1]} "
                                f"scores {score:g}/{maximum:g} when graded (must be {must:g})")
    if cats:
        outcomes = catalog_report.judge(cats, results)
        say(catalog_report.format_report(outcomes))
        problems += [f"catalog: {o.entry.kind} «{o.entry.name}» ({o.entry.cell}): {o.problem}"
                     for o in outcomes if o.failed]

    say("3/3 spelling ...")
    words = spelling.misspelled(spelling.markdown_of(layout.source(assignment) / f"{notebook}.ipynb"),
                                course / spelling.WORDLISTS)
    if words:
        problems.append(f"{assignment}/{notebook}: words hunspell does not know (fix them, or add reviewed "
                        f"terms to tests/spelling/palabras-{notebook}.txt): {', '.join(words)}")

    seconds = time.monotonic() - started
    if problems:
        say(f"\n{assignment}/{notebook}: {len(problems)} problem(s), in {seconds:.0f} s:")
        for p in problems:
            say(f"  - {p}")
        return 1
    say(f"\n{assignment}/{notebook}: sound (reference full marks, release zero, catalog as promised, "
        f"spelling), in {seconds:.0f} s")
    return 0


__all__ = ["locate", "run"]
