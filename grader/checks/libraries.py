"""Which third-party libraries a notebook may use, and how that is enforced.

The course table: every notebook allows NumPy, matplotlib, the standard library
and ``grader`` (``DEFAULT_ALLOWED``); ``ALLOWED`` adds packages per notebook.
When grading, every package of ``MASKED`` a notebook does not allow is hidden in
its sandbox (an empty tmpfs over the package plus a stub whose ``ImportError``
explains it in Spanish, ``sandbox.Sandbox``), and the scorer fails the test
cells after a cell that imports one (``first_import``). At home nothing can be
hidden, so every check reports the same message when such a module is loaded
(``forbidden_loaded``): the verdict at home is the verdict when graded.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from .messages import TEXT

# Third-party numerical packages installed with the course (PyTorch is the reference; SymPy and mpmath
# come with it; SciPy with the tooling). A package not listed here is not masked.
MASKED = ("torch", "functorch", "torchgen", "scipy", "sympy", "mpmath")
DEFAULT_ALLOWED = ("numpy", "matplotlib")
# notebook (file stem) -> extra packages of MASKED it allows, e.g. {"mi-cuaderno": ("scipy",)}
ALLOWED: dict[str, tuple] = {}
NAMES = {"torch": "PyTorch", "functorch": "PyTorch", "torchgen": "PyTorch", "scipy": "SciPy",
         "sympy": "SymPy", "mpmath": "mpmath"}
# At home the grader imports PyTorch itself (the reference), and PyTorch imports SymPy and mpmath:
# their presence proves nothing about the student's code unless they were there before PyTorch.
ALWAYS_PRESENT = ("torch", "functorch", "torchgen")
LOADED_BY_GRADER: set = set()
_GRADER_IMPORT = {"done": False}


def masked_for(notebook: str | None) -> tuple:
    """The packages hidden from ``notebook``'s grading kernel."""
    allowed = set(DEFAULT_ALLOWED) | set(ALLOWED.get(notebook or "", ()))
    return tuple(name for name in MASKED if name not in allowed)


def message(name: str) -> str:
    """The Spanish explanation a student reads for package ``name`` (stub and home check alike)."""
    if name not in MASKED:     # a name a kernel reported: only the course's own names reach a message
        return TEXT["library_not_allowed"].format(library=TEXT["unknown_library"], package="?")
    return TEXT["library_not_allowed"].format(library=NAMES.get(name, name), package=name)


def current_notebook() -> str | None:
    """The notebook a kernel at home runs (Jupyter tells the kernel its session path), if known."""
    session = os.environ.get("JPY_SESSION_NAME", "")
    return Path(session).stem if session else None


def forbidden_loaded(notebook: str | None = None, target=None) -> list[str]:
    """Packages this notebook may not use that the student imported in this process (at home).

    A package counts when it is in ``sys.modules`` and was not brought in by the grader, or when the
    student's ``target`` (function or class) uses a module of it bound in its globals (``import torch``:
    the grader, and the notebook's own demonstration cells, have PyTorch too).
    """
    loaded = {name.partition(".")[0] for name in list(sys.modules)}
    used = set()
    for function in _functions(target):
        names = _names(function.__code__)
        used |= {function.__globals__[n].__name__.partition(".")[0] for n in names
                 if isinstance(function.__globals__.get(n), type(sys))}
    return [name for name in masked_for(notebook or current_notebook())
            if name in used or (name in loaded and name not in LOADED_BY_GRADER and name not in ALWAYS_PRESENT)]


def _functions(target) -> list:
    """The student's function, or the methods of the student's class."""
    if hasattr(target, "__code__") and hasattr(target, "__globals__"):
        return [target]
    if isinstance(target, type):
        return [v for v in vars(target).values() if hasattr(v, "__code__") and hasattr(v, "__globals__")]
    return []


def _names(code) -> set:
    """Global names a code object (and the code nested in it) refers to."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, type(code)):
            names |= _names(const)
    return names


@contextlib.contextmanager
def loading_for_grader():
    """Remember which packages of MASKED the grader's first import of PyTorch brings in.

    If PyTorch was already imported (by the student, or by a test harness), what it brought cannot be
    told apart: SymPy and mpmath then count as the grader's.
    """
    if _GRADER_IMPORT["done"]:
        yield
        return
    before = {name.partition(".")[0] for name in list(sys.modules)}
    try:
        yield
    finally:
        after = {name.partition(".")[0] for name in list(sys.modules)}
        new = after - before if "torch" not in before else {"sympy", "mpmath"}
        LOADED_BY_GRADER.update(name for name in MASKED if name in new)
        _GRADER_IMPORT["done"] = True


def first_import(nb, notebook: str | None):
    """(cell index, line, package) of the first editable cell that imports a package hidden from ``notebook``.

    Read from the submitted cells by the trusted scorer: the test cells after it fail with the same
    message the student reads at home, whether the import runs at the top of the cell or in a method.
    """
    import ast

    from .audit import is_audited, transform
    hidden = set(masked_for(notebook))
    for index, cell in enumerate(nb.cells):
        if not is_audited(cell):
            continue
        try:
            tree = ast.parse(transform(cell.source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and \
                    isinstance(node.args[0].value, str) and getattr(node.func, "id", getattr(node.func, "attr", "")) \
                    in ("__import__", "import_module"):
                names = [node.args[0].value]
            for name in names:
                if name.partition(".")[0] in hidden:
                    return index, node.lineno, name.partition(".")[0]
    return None


def stub_source(name: str) -> str:
    """``__init__.py`` of the stub that replaces a hidden package in the sandbox."""
    return f"raise ImportError({message(name)!r})\n"
