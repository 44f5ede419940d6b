"""Tamper evidence: what a submission's own code cells reach into, read from their syntax.

Runs in the trusted process, never in the kernel. Each code cell a student could
edit is read as IPython would run it (``TransformerManager().transform_cell``:
magics become calls) and walked as an AST. Reaching into ``sys.modules``,
frames (``inspect``, ``sys._getframe``), ``gc``, ``ctypes``, code objects,
``builtins``, IPython's input transformers or the grading package's internals is
*scored* evidence: the test cells run after that cell score 0 and the instructor
is told the line. Obfuscated ``exec``/``eval``/imports of built strings and
global warning or floating-point error settings are only reported.

This is evidence, not a barrier: Python cannot hide one object from another in
one process, and a determined author can disguise any of this. Points still come
only from observations judged outside the kernel; the audit names the lines an
instructor should read.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

SCORED_MODULES = {"gc": "the garbage collector (gc)", "ctypes": "ctypes", "_ctypes": "ctypes",
                  "inspect": "frames (inspect)", "builtins": "builtins", "__builtin__": "builtins",
                  "_testcapi": "CPython internals"}
SCORED_PATHS = {"sys.modules": "sys.modules", "sys._getframe": "frames (sys._getframe)",
                "sys._current_frames": "frames (sys._current_frames)", "sys.settrace": "frames (sys.settrace)",
                "sys.setprofile": "frames (sys.setprofile)", "types.CodeType": "code objects",
                "types.FrameType": "frames", "threading.settrace": "frames (threading.settrace)"}
SCORED_ATTRIBUTES = {
    "__code__": "code objects (__code__)", "__globals__": "a function's globals (__globals__)",
    "__closure__": "a function's closure", "__defaults__": "a function's defaults",
    "__kwdefaults__": "a function's defaults", "__builtins__": "builtins", "__subclasses__": "__subclasses__",
    "f_globals": "frames", "f_locals": "frames", "f_back": "frames", "f_builtins": "frames", "f_code": "frames",
    "tb_frame": "frames", "gi_frame": "frames", "cr_frame": "frames", "ag_frame": "frames",
    "co_code": "code objects", "co_consts": "code objects", "co_names": "code objects",
    "input_transformers_post": "IPython input transformers", "input_transformers_cleanup": "IPython input transformers",
    "ast_transformers": "IPython AST transformers", "input_transformer_manager": "IPython input transformers",
}
REPORTED_ATTRIBUTES = {"set_custom_exc": "IPython exception hooks", "excepthook": "exception hooks",
                       "showtraceback": "IPython exception hooks"}
DYNAMIC_CALLS = {"exec", "eval", "compile", "__import__", "importlib.import_module", "importlib.__import__"}
GLOBAL_SETTINGS = {"warnings.filterwarnings": "warnings.filterwarnings", "warnings.simplefilter":
                   "warnings.simplefilter", "warnings.resetwarnings": "warnings.resetwarnings",
                   "numpy.seterr": "np.seterr", "numpy.seterrcall": "np.seterrcall"}
WATCHED_ROOTS = ("grader", "sys", "numpy", "builtins", "importlib", "inspect", "gc", "ctypes")


@dataclass(frozen=True)
class Finding:
    cell: int          # index in the notebook's cells
    line: int          # line in the cell (as IPython runs it)
    what: str          # English, for the instructor
    scored: bool       # True: the test cells run after this cell score 0

    def describe(self, label: str) -> str:
        effect = "test cells after it score 0" if self.scored else "reported only"
        return f"audit: cell {label}, line {self.line}: {self.what} ({effect})"


def transform(source: str) -> str:
    """The cell as IPython executes it (magics and shell escapes become plain calls)."""
    from IPython.core.inputtransformer2 import TransformerManager
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - IPython fails on it too; parse what we have
        return source


class _Scope:
    """What names mean across the notebook: imports and simple aliases, in cell order."""

    def __init__(self):
        self.names: dict[str, str] = {}

    def qualify(self, node) -> str | None:
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualify(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            func = self.qualify(node.func) or (node.func.id if isinstance(node.func, ast.Name) else None)
            if func in ("__import__", "importlib.import_module") and node.args and _literal(node.args[0]):
                return node.args[0].value
            if func == "getattr" and len(node.args) >= 2 and _literal(node.args[1]):
                base = self.qualify(node.args[0])
                return f"{base}.{node.args[1].value}" if base else None
        return None

    def bind(self, node) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.names[alias.asname] = alias.name
                else:
                    root = alias.name.partition(".")[0]
                    self.names[root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                self.names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target = self.qualify(node.value)
            if target:
                self.names[node.targets[0].id] = target
            else:
                self.names.pop(node.targets[0].id, None)


def _literal(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _builtin_name(node) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


class _Visitor(ast.NodeVisitor):
    def __init__(self, scope: _Scope, cell: int):
        self.scope, self.cell, self.found, self._quiet = scope, cell, [], 0

    def add(self, node, what: str, scored: bool) -> None:
        self.found.append(Finding(self.cell, getattr(node, "lineno", 1), what, scored))

    # imports ---------------------------------------------------------------------------------
    def _module(self, node, name: str) -> None:
        root = name.partition(".")[0]
        if root in SCORED_MODULES:
            self.add(node, f"imports {SCORED_MODULES[root]}", True)
        elif root == "grader" and any(part.startswith("_") for part in name.split(".")[1:]):
            self.add(node, f"imports grading internals ({name})", True)
        elif name in SCORED_PATHS:
            self.add(node, f"reaches {SCORED_PATHS[name]}", True)

    def visit_Import(self, node):
        for alias in node.names:
            self._module(node, alias.name)
        self.scope.bind(node)

    def visit_ImportFrom(self, node):
        if node.module and not node.level:
            self._module(node, node.module)
            for alias in node.names:
                self._module(node, f"{node.module}.{alias.name}")
        self.scope.bind(node)

    # names and attributes --------------------------------------------------------------------------
    def visit_Name(self, node):
        if node.id == "__builtins__":
            self.add(node, "builtins (__builtins__)", True)
        elif node.id == "grader" and isinstance(node.ctx, (ast.Store, ast.Del)):
            self.add(node, "rebinds the name grader", True)

    def visit_Attribute(self, node):
        path = self.scope.qualify(node)
        if node.attr in SCORED_ATTRIBUTES:
            self.add(node, f"reaches {SCORED_ATTRIBUTES[node.attr]}", True)
        elif path in SCORED_PATHS:
            self.add(node, f"reaches {SCORED_PATHS[path]}", True)
        elif path and path.partition(".")[0] in SCORED_MODULES:
            self.add(node, f"uses {SCORED_MODULES[path.partition('.')[0]]}", True)
        elif path and path.startswith("grader.") and (
                any(p.startswith("_") for p in path.split(".")[1:]) or isinstance(node.ctx, (ast.Store, ast.Del))):
            self.add(node, f"{'patches' if isinstance(node.ctx, (ast.Store, ast.Del)) else 'reaches'} "
                           f"grading internals ({path})", True)
        elif node.attr in REPORTED_ATTRIBUTES:
            self.add(node, f"touches {REPORTED_ATTRIBUTES[node.attr]}", False)
        self.generic_visit(node)

    def visit_Subscript(self, node):
        self.generic_visit(node)

    # calls ---------------------------------------------------------------------------------------
    def visit_Call(self, node):
        name = self.scope.qualify(node.func) or _builtin_name(node.func)
        args = node.args
        if name in ("setattr", "delattr") and args and (self.scope.qualify(args[0]) or "").startswith("grader"):
            self.add(node, f"patches grading internals ({name} on {self.scope.qualify(args[0])})", True)
        elif name == "vars" and args and (self.scope.qualify(args[0]) or "").startswith("grader"):
            self.add(node, "reaches grading internals (vars)", True)
        elif name in ("getattr", "hasattr") and len(args) >= 2 and not _literal(args[1]):
            base = self.scope.qualify(args[0]) or ""
            if base.partition(".")[0] in WATCHED_ROOTS:
                self.add(node, f"getattr on {base} with a computed name", False)
        elif name in DYNAMIC_CALLS and args and not _literal(args[0]):
            self.add(node, f"{name} of a computed string", False)
        elif name in ("__import__", "importlib.import_module") and args and _literal(args[0]):
            self._module(node, args[0].value)
        elif name in GLOBAL_SETTINGS and not (self._quiet and name.startswith("warnings.")):
            self.add(node, f"changes a global setting ({GLOBAL_SETTINGS[name]})", False)
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "register" and \
                isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "events":
            self.add(node, "registers an IPython event callback", False)
        self.generic_visit(node)

    def visit_With(self, node):
        quiet = any((self.scope.qualify(item.context_expr.func if isinstance(item.context_expr, ast.Call)
                                        else item.context_expr) or "") == "warnings.catch_warnings"
                    for item in node.items)
        self._quiet += quiet
        self.generic_visit(node)
        self._quiet -= quiet

    def visit_Assign(self, node):
        self.generic_visit(node)
        self.scope.bind(node)


def audit_cells(cells) -> list[Finding]:
    """Findings for ``cells``: (index, source, audited) in notebook order; unaudited cells only bind names."""
    scope, findings = _Scope(), []
    for index, source, audited in cells:
        try:
            tree = ast.parse(transform(source))
        except SyntaxError:
            continue                  # the kernel cannot run it either
        visitor = _Visitor(scope, index)
        visitor.visit(tree)
        if audited:
            findings += visitor.found
    return findings


def is_audited(cell) -> bool:
    """Every code cell a student can edit: not locked, not a test cell."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and not meta.get("locked") and not meta.get("grade")


def audit_notebook(nb, skip=lambda cell: False) -> list[Finding]:
    """Findings of every editable code cell of ``nb`` that the grading kernel runs."""
    return audit_cells([(i, c.source, is_audited(c)) for i, c in enumerate(nb.cells)
                        if c.get("cell_type") == "code" and not skip(c)])


def first_scored(findings) -> Finding | None:
    scored = [f for f in findings if f.scored]
    return min(scored, key=lambda f: (f.cell, f.line)) if scored else None
