"""Hidden cases per student: each hidden check's seed is derived from a course secret.

seed = HMAC-SHA256(secret, assignment, notebook, grade_id, student, k)[:4] for the
k-th hidden check call (``hidden=True``) of a test cell, so two students get
different random cases and the same student the same cases at every regrade.
The secret (``.grader-secret`` in the course root: root-only, never bound into
the sandbox, backed up with the gradebook) stays in the instructor's process:
a grading job carries only the derived seeds, and the job rewrites the trusted
test cells' hidden ``seed=`` arguments with them before the kernel runs them
and before the scorer reads them as declarations. Explicit values
(``values=[...]``) stay fixed; the seed still draws their random upstream gradient.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_FILE = ".grader-secret"


def secret_path(course: Path) -> Path:
    return Path(course) / SECRET_FILE


def ensure_secret(course: Path) -> Path:
    """Create the course secret once (0600, 32 random bytes as hex); never replace an existing one."""
    path = secret_path(course)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600, follow_symlinks=False)
        return path
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(32) + "\n")
    return path


def read_secret(course: Path) -> bytes:
    """The course secret; a course released before secrets existed gets one now."""
    return ensure_secret(course).read_text().strip().encode()


def derive(secret: bytes, assignment: str, notebook: str, grade_id: str, student: str, index: int) -> int:
    """A 32-bit seed for the ``index``-th hidden check of one test cell, for one student."""
    message = "\0".join([assignment, notebook, grade_id, student, str(index)]).encode()
    return int.from_bytes(hmac.new(secret, message, hashlib.sha256).digest()[:4], "big")


def hidden_calls(source: str) -> list[ast.Call]:
    """The calls with ``hidden=True`` in a test cell, in source order."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and any(k.arg == "hidden" and isinstance(k.value, ast.Constant) and k.value.value is True
                     for k in node.keywords)]
    return sorted(calls, key=lambda c: (c.lineno, c.col_offset))


def rewrite(source: str, seeds: list[int]) -> str:
    """``source`` with the k-th hidden call's ``seed=`` set to ``seeds[k]`` (added if absent)."""
    calls = hidden_calls(source)
    if not calls or not seeds:
        return source
    if len(seeds) != len(calls):
        raise ValueError(f"{len(calls)} hidden checks, {len(seeds)} seeds")
    data = source.encode()                      # ast offsets are UTF-8 byte offsets
    starts = [0]
    for line in data.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    edits = []
    for call, seed in zip(calls, seeds):
        keyword = next((k for k in call.keywords if k.arg == "seed"), None)
        if keyword is not None:
            value = keyword.value
            edits.append((starts[value.lineno - 1] + value.col_offset,
                          starts[value.end_lineno - 1] + value.end_col_offset, f"{int(seed)}"))
        else:
            end = starts[call.end_lineno - 1] + call.end_col_offset - 1   # the closing parenthesis
            edits.append((end, end, f", seed={int(seed)}"))
    for begin, end, text in sorted(edits, reverse=True):
        data = data[:begin] + text.encode() + data[end:]
    return data.decode()


def for_notebook(secret: bytes, assignment: str, notebook: str, student: str, nb) -> dict:
    """{grade_id: [seed, ...]} for every test cell of ``nb`` with hidden checks (what a job carries)."""
    from .scoring import is_test_cell
    table = {}
    for cell in nb.cells:
        if is_test_cell(cell):
            grade_id = cell.metadata.nbgrader.get("grade_id", "")
            count = len(hidden_calls(cell.source))
            if count:
                table[grade_id] = [derive(secret, assignment, notebook, grade_id, student, k) for k in range(count)]
    return table


def apply(nb, table: dict) -> dict:
    """Rewrite the test cells of ``nb`` in place with their derived seeds; return {index: literal source}."""
    from .scoring import is_test_cell
    literal = {}
    for index, cell in enumerate(nb.cells):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if is_test_cell(cell) and grade_id in table:
            literal[index] = cell.source
            cell.source = rewrite(cell.source, table[grade_id])
    return literal


def restore(nb, literal: dict) -> None:
    """Put the literal sources back (the autograded notebook keeps the gradebook's cells as they are)."""
    for index, source in literal.items():
        nb.cells[index].source = source
