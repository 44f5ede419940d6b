"""The package's layout says where code runs, and the imports keep to it.

``grader.checks`` is what a student's kernel imports; ``grader.grading`` and
``grader.authoring`` run only in the instructor's process. The kernel side must
import nothing from the other two (the sandbox masks them, so such an import
would break every grading kernel), and nbgrader's feedback steps, which every
nbgrader command loads through ``nbgrader_config.py``, must not pull in the
sandbox or the kernel machinery.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "grader"
INSTRUCTOR_PARTS = ("grading", "authoring")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a module of the package."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = list(package[:len(package) - node.level + 1]) if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def test_the_kernel_side_imports_nothing_of_the_instructors_side():
    offenders = []
    for path in sorted((PACKAGE / "checks").rglob("*.py")) + [PACKAGE / "__init__.py"]:
        for line, module in imported_modules(path):
            if any(module.startswith(f"grader.{part}") for part in INSTRUCTOR_PARTS):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}")
    assert not offenders, offenders


def test_the_import_check_sees_a_forbidden_import(tmp_path):
    bad = PACKAGE / "checks" / "_probe_layout.py"
    bad.write_text("from ..grading import sandbox\n", encoding="utf-8")
    try:
        assert imported_modules(bad) == [(1, "grader.grading.sandbox")]
    finally:
        bad.unlink()


def _loaded_after(code: str) -> set:
    script = f"import sys\n{code}\nimport json\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return set(json.loads(proc.stdout.splitlines()[-1]))


def test_what_a_test_cell_imports_stays_on_the_kernel_side():
    loaded = _loaded_after("import numpy as np, grader\n"
                           "grader.check_task(lambda a, b: ((a[:, None] - b[None]) ** 2).sum(-1), "
                           "'pairwise_sq_dists', sizes=[(4, 7, 3)])")
    assert {m for m in loaded if m.startswith("grader.")} and not {
        m for m in loaded if m.split(".")[:2] in (["grader", "grading"], ["grader", "authoring"])}


@pytest.mark.parametrize("module", ["grader.grading.preprocessors", "nbgrader_config"])
def test_nbgrader_feedback_steps_do_not_load_the_sandbox(module):
    if module == "nbgrader_config":
        code = ("from traitlets.config.loader import PyFileConfigLoader\n"
                "PyFileConfigLoader('nbgrader_config.py', path='.').load_config()")
    else:
        code = f"import {module}"
    baseline = _loaded_after("import nbgrader.preprocessors, nbconvert.preprocessors")
    loaded = _loaded_after(code)
    for heavy in ("grader.grading.sandbox", "grader.grading.executor", "grader.grading.jobs",
                  "grader.grading.scoring"):
        assert heavy not in loaded, heavy
    # jupyter_client comes with nbgrader's own preprocessors (nbclient); ours add none of it.
    assert not {m for m in loaded - baseline if m.startswith("jupyter_client")}
