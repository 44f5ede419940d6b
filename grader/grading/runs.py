"""What running a notebook in a grading kernel produced, as plain data.

Kept apart from the executor so that the scorer and the feedback steps can read
runs without importing kernels, the sandbox or jupyter_client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


def is_test_cell(cell) -> bool:
    """An autograded test cell (nbgrader's own predicates: a grade cell that is not an answer cell)."""
    from nbgrader.utils import is_grade, is_solution
    return cell.get("cell_type") == "code" and bool(is_grade(cell)) and not is_solution(cell)


@dataclass
class CellRun:
    status: str = "not_reached"   # ok | error | timeout | died | flood | skipped | not_reached
    outputs: list = field(default_factory=list)
    observations: Path | None = None   # folder with what the cell's checks observed
    detail: str = ""


@dataclass
class NotebookRun:
    cells: dict = field(default_factory=dict)    # cell index -> CellRun (code cells only)
    problem: str = ""                            # why the run stopped early (English, instructor)
    notes: list = field(default_factory=list)    # anything else the instructor should know
    seconds: dict = field(default_factory=dict)  # stage -> seconds (start, execute)
    disk_full: int | None = None                 # first cell after which the run folder's space was full


__all__ = ["CellRun", "NotebookRun", "is_test_cell"]
