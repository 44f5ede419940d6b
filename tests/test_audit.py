"""The tamper audit (grader/audit.py) and the NumPy-call rules (grader/rules.py), without kernels.

Honest code must give no finding at all: every reference solution and free cell
of source/, every catalog alternative, and the student-style cells of
tests/audit/honest.toml (magics, plots, np.errstate, warnings.catch_warnings,
scratch calls to grader.check_*). Hostile cells are flagged at their line.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import nbformat
import pytest

from grader.authoring import catalog as catalogs
from grader.checks.audit import audit_cells, audit_notebook, first_scored, is_audited
from grader.checks.rules import NotebookCode, from_function
from grader.authoring.submissions import grade_id

from .course_data import CATALOGS, COURSE

SETUP = "import math\nimport numpy as np\nimport matplotlib.pyplot as plt\nimport grader\nfrom grader import erf"
HONEST = tomllib.loads((Path(__file__).parent / "audit" / "honest.toml").read_text(encoding="utf-8"))["cell"]
SOURCES = sorted((COURSE / "source").glob("*/*.ipynb"))


def _describe(findings) -> list:
    return [(f.cell, f.line, f.what, f.scored) for f in findings]


def test_the_corpus_is_large_and_varied():
    assert len(HONEST) >= 40
    text = "\n".join(c["code"] for c in HONEST)
    for needed in ("%timeit", "%matplotlib inline", "np.errstate", "warnings.catch_warnings", "grader.check_"):
        assert needed in text, needed


@pytest.mark.parametrize("cell", HONEST, ids=[c["name"] for c in HONEST])
def test_honest_student_cells_have_no_finding(cell):
    assert _describe(audit_cells([(0, SETUP, False), (1, cell["code"], True)])) == []


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_reference_solutions_and_free_cells_have_no_finding(path):
    nb = nbformat.read(path, as_version=4)
    assert any(is_audited(c) for c in nb.cells)
    assert _describe(audit_notebook(nb)) == []


def _catalog_cells(path: Path):
    catalog = catalogs.load(path)
    nb = nbformat.read(COURSE / "source" / catalog.assignment / f"{catalog.notebook}.ipynb", as_version=4)
    for entry in catalog.entries:
        cells = [(i, entry.code if grade_id(c) == entry.cell else c.source, is_audited(c))
                 for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        yield entry, cells


@pytest.mark.parametrize("path", sorted(CATALOGS.glob("*/*.toml")), ids=lambda p: p.stem)
def test_catalog_entries_have_no_scored_finding(path):
    for entry, cells in _catalog_cells(path):
        findings = audit_cells(cells)
        if entry.kind == "alternative":
            assert _describe(findings) == [], entry.name        # honest code: nothing at all
        else:
            assert first_scored(findings) is None, (entry.name, _describe(findings))


HOSTILE = [
    ("import sys\nframe = sys._getframe(0)\nframe.f_globals['x'] = 1", 2, "sys._getframe"),
    ("import gc\nfor o in gc.get_objects():\n    pass", 1, "gc"),
    ("import sys as s\nfake = s.modules['grader']", 2, "sys.modules"),
    ("from sys import modules\nmodules['grader'] = None", 1, "sys.modules"),
    ("import inspect\nf = inspect.currentframe()", 1, "inspect"),
    ("import ctypes\nctypes.string_at(0)", 1, "ctypes"),
    ("def f():\n    pass\nf.__code__ = (lambda: 0).__code__", 3, "__code__"),
    ("import builtins\nbuiltins.print = lambda *a: None", 1, "builtins"),
    ("__builtins__.len = lambda x: 0", 1, "__builtins__"),
    ("grader.check_forward = lambda *a, **k: None", 1, "grader.check_forward"),
    ("import grader.checks.layer_checks as lc\nlc.observe = None", 2, "grader.checks.layer_checks.observe"),
    ("setattr(grader, 'check_backward', print)", 1, "setattr"),
    ("from grader.checks.declarations import _RECORDER", 1, "_RECORDER"),
    ("x = 1\ng = __import__('gc')", 2, "gc"),
    ("get_ipython().input_transformers_post.append(lambda lines: lines)", 1, "transformers"),
    ("try:\n    1 / 0\nexcept Exception as e:\n    e.__traceback__.tb_frame.f_globals.clear()", 4, "frames"),
]


@pytest.mark.parametrize("code, line, word", HOSTILE, ids=[h[2] for h in HOSTILE])
def test_reaching_into_the_machinery_is_scored_at_its_line(code, line, word):
    found = first_scored(audit_cells([(0, SETUP, False), (3, code, True)]))
    assert found is not None and found.cell == 3 and found.line == line, code
    assert word.split(".")[-1].strip("_").lower() in found.what.lower() or word in found.describe("x"), found


REPORTED = [
    ("import warnings\nwarnings.filterwarnings('ignore')", "warnings.filterwarnings"),
    ("np.seterr(all='ignore')", "np.seterr"),
    ("exec('import ' + 'gc')", "exec"),
    ("name = 'broad' + 'cast_shapes'\nf = getattr(np, name)", "getattr"),
    ("m = __import__(''.join(['s', 'y', 's']))", "__import__"),
]


@pytest.mark.parametrize("code, word", REPORTED, ids=[r[1] for r in REPORTED])
def test_obfuscation_and_global_settings_are_reported_not_scored(code, word):
    findings = audit_cells([(0, SETUP, False), (1, code, True)])
    assert findings and not any(f.scored for f in findings), _describe(findings)
    assert any(word in f.what for f in findings), _describe(findings)


def test_locked_cells_are_not_audited_but_bind_names():
    findings = audit_cells([(0, "import sys as s", False), (1, "print(s.modules)", True)])
    assert [(f.cell, f.line) for f in findings] == [(1, 1)]


# --- rules: NumPy calls read from the answer's syntax ---------------------------------------------

def _notebook(*sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SETUP, metadata={"nbgrader": {"locked": True}})]
    nb.cells += [nbformat.v4.new_code_cell(s, metadata={"nbgrader": {"solution": True}}) for s in sources]
    return nb


@pytest.mark.parametrize("code", [
    "def f(a, b):\n    return np.broadcast_shapes(a, b)",
    "from numpy import broadcast_shapes\ndef f(a, b):\n    return broadcast_shapes(a, b)",
    "import numpy as xp\ndef f(a, b):\n    return xp.broadcast_shapes(a, b)",
    "def f(a, b):\n    from numpy import broadcast_shapes as bs\n    return bs(a, b)",
    "def helper(a, b):\n    return np.broadcast_shapes(a, b)\ndef f(a, b):\n    return helper(a, b)",
    "def f(a, b):\n    return getattr(np, 'broadcast_shapes')(a, b)",
])
def test_forbidden_names_are_resolved_through_aliases(code):
    assert "broadcast_shapes" in NotebookCode(_notebook(code)).facts("f")["used"]


def test_a_computed_numpy_name_is_obfuscation():
    facts = NotebookCode(_notebook("def f(a, b):\n    return getattr(np, 'broad' + 'cast_shapes')(a, b)")).facts("f")
    assert facts["obfuscated"] and "broadcast_shapes" not in facts["used"]
    honest = NotebookCode(_notebook("def f(self):\n    return getattr(self, 'out', None)")).facts("f")
    assert not honest["obfuscated"]


def test_facts_at_home_match_facts_from_the_notebook():
    namespace: dict = {}
    import linecache
    source = "from numpy import einsum\nimport numpy as xp\ndef g(a):\n    return xp.trace(a)\n" \
             "def f(a):\n    return einsum('ii->', a) + g(a)\n"
    linecache.cache["<cell-f>"] = (len(source), None, source.splitlines(True), "<cell-f>")
    exec(compile(source, "<cell-f>", "exec"), namespace)   # noqa: S102 - our own code
    home = from_function(namespace["f"])
    graded = NotebookCode(_notebook(source)).facts("f")
    assert home["used"] == graded["used"] == ["einsum", "trace"]


def _judge(task_name: str, func, static):
    """The task check's verdict on ``func`` when the scorer's facts are ``static``."""
    import numpy as np

    from grader.checks import task_checks
    from grader.checks.errors import CheckFailed
    from grader.checks.tasks import get_task
    task = get_task(task_name)
    args = task.make_args((3, 3) if task_name.startswith("einsum") else (2, 2, True), np.random.default_rng(0),
                          "float64")
    obs = task_checks.observe(func, task, args, {})
    obs.static = static
    try:
        task_checks.judge(task, "f", args, obs, task.expected(args, {}), where="", hidden=True,
                          input_dtype="float64", init={})
    except CheckFailed as exc:
        return exc.kind, str(exc)
    return "passed", ""


def test_the_scorers_facts_decide_forbidden_and_obfuscated_calls():
    def honest(a, b):
        out = []
        for x, y in zip(reversed((1,) * (len(b) - len(a)) + tuple(a)), reversed((1,) * (len(a) - len(b)) + tuple(b))):
            if x != y and 1 not in (x, y):
                raise ValueError(f"{x} y {y}")
            out.append(max(x, y))
        return tuple(reversed(out))
    assert _judge("broadcast_shape", honest, {"used": [], "obfuscated": False, "nearby": []})[0] == "passed"
    kind, text = _judge("broadcast_shape", honest, {"used": ["broadcast_shapes"], "obfuscated": False, "nearby": []})
    assert kind == "forbidden_call" and "np.broadcast_shapes" in text
    kind, text = _judge("broadcast_shape", honest, {"used": [], "obfuscated": True, "nearby": []})
    assert kind == "forbidden_call" and "de forma indirecta" in text


def test_a_required_call_must_compute_the_answer():
    import numpy as np

    def dummy(a):
        np.einsum("ij->ji", a)
        return a.T.copy()

    def honest(a):
        return np.einsum("ij->ji", a)
    facts = {"used": ["einsum"], "obfuscated": False, "nearby": ["einsum"]}
    assert _judge("einsum_transpose", honest, facts)[0] == "passed"
    kind, text = _judge("einsum_transpose", dummy, facts)
    assert kind == "missing_call" and "no depende de esa llamada" in text
    kind, _ = _judge("einsum_transpose", honest, {"used": [], "obfuscated": False, "nearby": []})
    assert kind == "missing_call"       # observed, but the scorer's reading of the code finds no einsum
