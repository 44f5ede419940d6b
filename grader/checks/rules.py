"""Stated rules about NumPy calls, read from the answer's syntax (required and forbidden functions).

A task (``grader/tasks/``) may require NumPy functions (``np.einsum``) or forbid
them (``np.broadcast_shapes``, creating arrays). Watching calls while the answer
runs catches what it calls on the judged inputs; reading its code catches the
rest: aliases (``import numpy as xp``, ``from numpy import broadcast_shapes``)
are resolved, and NumPy attributes fetched with a computed name
(``getattr(np, "broad" + "cast_shapes")``) count as obfuscation. The facts are
plain data (``facts``): the trusted scorer computes them from the submitted
cells (``NotebookCode``) and replaces whatever the kernel reported; at home they
come from the live function (``from_function``).
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types

from .audit import _Scope, is_audited, transform


def _facts(functions: list, scope: _Scope, cell_trees: list) -> dict:
    """NumPy names the functions reference (``used``), whether any is fetched obfuscated, names in their cells."""
    used, obfuscated, nearby = set(), False, set()
    for node in (n for f in functions for n in ast.walk(f)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            scope.bind(node)
    for nodes, bucket in ((functions, used), (cell_trees, nearby)):
        for node in (n for f in nodes for n in ast.walk(f)):
            path = scope.qualify(node) if isinstance(node, (ast.Name, ast.Attribute, ast.Call)) else None
            if path and path.startswith("numpy.") and path.count(".") == 1:
                bucket.add(path.split(".")[1])
            if bucket is used and isinstance(node, ast.Call):
                name = scope.qualify(node.func) or (node.func.id if isinstance(node.func, ast.Name) else "")
                if name in ("getattr", "importlib.import_module", "__import__", "eval", "exec") and node.args:
                    target = scope.qualify(node.args[0]) or ""
                    literal = len(node.args) > 1 and isinstance(node.args[1], ast.Constant)
                    if name != "getattr" or (target.startswith("numpy") and not literal):
                        obfuscated = True
    return {"used": sorted(used), "obfuscated": obfuscated, "nearby": sorted(nearby)}


def _reachable(name: str, defs: dict) -> list:
    """The definition of ``name`` and of every function of the notebook it calls, transitively."""
    seen, todo, nodes = set(), [name], []
    while todo:
        current = todo.pop()
        if current in seen or current not in defs:
            continue
        seen.add(current)
        nodes.append(defs[current])
        todo += [n.id for n in ast.walk(defs[current]) if isinstance(n, ast.Name)]
    return nodes


class NotebookCode:
    """The submitted notebook's code as the trusted scorer reads it: names, imports, functions."""

    def __init__(self, nb):
        self.scope, self.defs, self.cell_of, self.trees = _Scope(), {}, {}, {}
        for index, cell in enumerate(nb.cells):
            if cell.get("cell_type") != "code":
                continue
            try:
                tree = ast.parse(transform(cell.source))
            except SyntaxError:
                continue
            for node in tree.body:
                self.scope.bind(node)
                if is_audited(cell) and isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    self.defs[node.name], self.cell_of[node.name] = node, index
            self.trees[index] = tree

    def facts(self, name: str) -> dict | None:
        """Facts about the student's function ``name``; None when the notebook does not define it."""
        if name not in self.defs:
            return None
        scope = _Scope()
        scope.names = dict(self.scope.names)
        return _facts(_reachable(name, self.defs), scope, [self.trees[self.cell_of[name]]])


def from_function(func) -> dict | None:
    """The same facts from a live function (at home): its source, and what its globals hold."""
    if not isinstance(func, types.FunctionType):
        return None
    import numpy as np
    scope, defs, queue = _Scope(), {}, [func]
    while queue:
        current = queue.pop()
        try:
            node = ast.parse(textwrap.dedent(inspect.getsource(current))).body[0]
        except (OSError, TypeError, SyntaxError, IndexError):
            return None
        defs[current.__name__] = node
        for name in {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}:
            value = current.__globals__.get(name)
            if isinstance(value, types.ModuleType):
                scope.names[name] = value.__name__
            elif getattr(np, getattr(value, "__name__", "") or "", None) is value and value is not None:
                scope.names[name] = f"numpy.{value.__name__}"
            elif isinstance(value, types.FunctionType) and value.__name__ not in defs and value is not current:
                queue.append(value)
    return _facts(_reachable(func.__name__, defs), scope, [])
